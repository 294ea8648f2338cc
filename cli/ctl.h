/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What every cgpolicyctl verb shares: the parsed global options, the bus
 * connection, systemctl-style exit codes and output helpers. */

#include <stdbool.h>

#include <jansson.h>
#include <systemd/sd-bus.h>

#include "macro.h"

/* Exit codes as systemctl's (LSB): 0 ok, 1 failure (also bad usage, access
 * denied, daemon not reachable), 3 (status only) the daemon is not running, as
 * systemctl status says of an inactive unit, 4 no such unit. */
#define CTL_EXIT_SUCCESS 0
#define CTL_EXIT_FAILURE 1
#define CTL_EXIT_NOT_RUNNING 3
#define CTL_EXIT_NO_SUCH_UNIT 4

typedef enum JsonMode { JSON_OFF, JSON_SHORT, JSON_PRETTY } JsonMode;

typedef struct CtlArgs {
        JsonMode json;
        bool no_pager;
        bool no_legend;
        bool runtime;
        bool dry_run;
        bool user;
        bool ask_password;
        bool full;               /* list: do not shorten */
        bool value;              /* show --value / -P: values without NAME= */
        const char *host;        /* -H [user@]host */
        const char *bus_address; /* --bus-address= or $CGPOLICY_BUS_ADDRESS */
        char **properties;       /* show -p P (NULL-terminated) */
} CtlArgs;

extern CtlArgs arg;

/* Connects as the options say. On failure prints why and returns negative errno. */
int ctl_bus_open(sd_bus **ret);

/* Prints "Failed to <what>: <daemon's message>" to stderr and returns the exit
 * code for this error (NoSuchUnit → 4, else 1). */
int ctl_fail(const sd_bus_error *e, int r, const char *fmt, ...) _printf_(3, 4);
/* Whether the error says that nobody owns org.cgpolicy1. */
bool ctl_error_not_running(const sd_bus_error *e);

/* Starts $CGPOLICY_PAGER/$PAGER/less when stdout is a terminal and --no-pager was
 * not given; closed at exit. */
void ctl_pager_open(void);

/* Prints a JSON value as --json asked (one line or indented) and drops it. */
int ctl_json_print(json_t *v);

/* Fetches all properties of an interface as a message positioned at the "a{sv}". */
int ctl_get_all(sd_bus *bus, const char *path, const char *interface, sd_bus_message **ret,
                sd_bus_error *error);
/* From a GetAll reply: advances to the named property and enters its variant
 * (returns 1), or 0 when not present; rewinds first. Leave with
 * ctl_exit_property(). */
int ctl_find_property(sd_bus_message *m, const char *name);
int ctl_exit_property(sd_bus_message *m);
/* The same, also returning the variant's signature (valid while m lives). */
int ctl_find_property_full(sd_bus_message *m, const char *name, const char **ret_signature);

/* Human size: "1.5G", "512M", "-" for UINT64_MAX ("unknown"). Static buffer per call site. */
const char *ctl_format_bytes(char *buf, size_t size, uint64_t bytes);

/* A variant's contents (entered) as JSON: s o → string, b → bool, t u i → integer,
 * d → real, as → array, (dddt) → {"Avg10","Avg60","Avg300","Total"}, ay a(st) → as
 * the table formats them when `p` is given. NULL on error. */
json_t *ctl_variant_to_json(sd_bus_message *m, const char *signature);

/* Unit arguments as systemctl takes them (unit-name.h): a name without a suffix
 * means .service, and with allow_glob a glob is a pattern over the managed
 * units. Checked before anything is sent; prints what is wrong and returns
 * CTL_EXIT_FAILURE, else 0 with *ret a NULL-terminated list. */
int ctl_mangle_units(char **args, size_t n, bool allow_glob, const char *verb, char ***ret);
/* Mangles one name (no globs) into *ret; prints the problem and returns
 * CTL_EXIT_FAILURE. */
int ctl_mangle_unit(const char *name, const char *verb, char **ret);
/* Replaces each glob in `names` by the managed units matching it (in the
 * daemon's order, each unit once). A glob matching nothing is dropped. Names
 * are kept whether or not they are managed (the verb reports that). Returns
 * 0, or the exit code after printing why. */
int ctl_expand_units(sd_bus *bus, char **names, char ***ret);
/* Whether `name` matches one of the (mangled) patterns; true for an empty list. */
bool ctl_units_match(char **patterns, const char *name);
