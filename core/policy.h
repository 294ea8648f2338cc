/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Policies: JSON loading and validation (jansson), the systemd-style directory
 * set, and unit matching. Pure apart from reading the given files. */

#include <stdbool.h>
#include <stdint.h>

#include "diag.h"
#include "macro.h"
#include "property.h"

/* A set of property values; has[id] says which are present. v[id] is valid
 * only where has[id]: the array is allocated with the first value, since most
 * sets of most units (overrides, pressure adjustments) stay empty and 19 values
 * are a kilobyte (issue 10: RSS per unit). Copy with prop_set_copy(), never by
 * assignment, and free with prop_set_done(). */
typedef struct PropSet {
        bool has[_PROP_MAX];
        PropValue *v;
} PropSet;

void prop_set_done(PropSet *s);
int prop_set_copy(PropSet *dst, const PropSet *src);
/* Takes ownership of *v (zeroed afterwards); replaces an existing value. When
 * v[] cannot be allocated, *v is freed and has[id] stays false. */
void prop_set_put(PropSet *s, PropertyId id, PropValue *v);
void prop_set_unset(PropSet *s, PropertyId id);
/* Assigns src's values onto dst as systemd's set-property does
 * (prop_value_assign()): device lists gain or update entries, except where
 * replace[id] says the caller cleared the list first (replace may be NULL).
 * dst is unchanged on error. */
int prop_set_assign(PropSet *dst, const PropSet *src, const bool *replace);

typedef enum PolicyClass {
        CLASS_NORMAL,    /* default when "class" is absent */
        CLASS_PROTECTED, /* pressure loop raises MemoryLow toward usage */
        CLASS_SHEDDABLE, /* pressure loop squeezes memory.high / weights, never below floor */
        _CLASS_MAX,
        _CLASS_INVALID = -1,
} PolicyClass;

const char *policy_class_to_string(PolicyClass c);
PolicyClass policy_class_from_string(const char *s);

typedef struct PolicyMatch {
        char **unit;  /* NULL-terminated glob lists (fnmatch); NULL = key absent */
        char **slice;
        char **user;
        char **exe;
} PolicyMatch;

typedef struct Policy {
        char *name;
        int64_t priority;  /* default 0; higher wins */
        PolicyClass class;
        PolicyMatch match;
        PropSet props;
        PropSet floor;     /* "pressure": { "floor": { ... } } */
        char *file;        /* where it was defined */
        unsigned line;
        unsigned column;   /* with line, the position of the policy's "name" value */
        bool has_class;    /* "class" was given (resolution picks the class from these) */
} Policy;

typedef enum PsiKind { PSI_SOME, PSI_FULL } PsiKind;
typedef enum PressureMode { PRESSURE_THROTTLE, PRESSURE_DRY_RUN, PRESSURE_OFF, _PRESSURE_MODE_MAX } PressureMode;
typedef enum PressureResource { RES_MEMORY, RES_CPU, RES_IO, _RES_MAX } PressureResource;

const char *pressure_mode_to_string(PressureMode m);
const char *pressure_resource_to_string(PressureResource r);
/* Inverses of the above; -1 when unknown */
PressureMode pressure_mode_from_string(const char *s);
PressureResource pressure_resource_from_string(const char *s);

typedef struct PressureConfig {
        bool enabled;            /* section present */
        PsiKind trigger_kind;    /* "some 150ms 1s" */
        uint64_t trigger_stall_usec, trigger_window_usec;
        PsiKind calm_kind;       /* "some avg10<5" */
        unsigned calm_avg;       /* 10, 60 or 300 */
        uint64_t calm_threshold; /* permyriad: 5 → 500 */
        uint64_t hold_usec, interval_usec;
        uint64_t step;           /* permyriad */
        PressureMode mode;
} PressureConfig;

typedef struct PolicySet {
        Policy *policies;
        size_t n_policies;
        PressureConfig pressure[_RES_MAX];
        char **files; /* files loaded, in order; NULL-terminated */
} PolicySet;

void policy_set_free(PolicySet *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(PolicySet *, policy_set_free);

/* An empty set whose pressure sections hold the defaults (enabled=false):
 * trigger "some 150ms 1s", calm "some avg10<5", hold "10s", interval "1s",
 * step "10%", mode "throttle". */
int policy_set_new(PolicySet **ret);
/* The defaults above for one resource. */
void pressure_config_default(PressureConfig *ret);
/* Frees a policy's contents (not the struct itself). */
void policy_done(Policy *p);
/* The policy with that name, or NULL. */
const Policy *policy_set_find(const PolicySet *s, const char *name);

/* Default directories, highest precedence first (as systemd's unit search path). */
extern const char *const policy_default_dirs[]; /* /etc/cgpolicyd/policies.d, /run/..., /usr/lib/... */

/* Parses one JSON document. `filename` is used in diagnostics. On any error the
 * whole document is rejected: returns -EINVAL, appends "file:line:column" diags,
 * and *ret is untouched. Validates unknown keys, wrong types, bad values (through
 * the property table), duplicate policy names (also across files already in
 * `into` when into != NULL), unknown classes and bad globs.
 * (Note: there is no `into` parameter; duplicates across files are reported by
 * policy_set_merge.) Files larger than 4 MiB are refused; at most 50 errors are
 * reported per file, then one "too many errors" line. */
int policy_set_parse_string(const char *json, const char *filename, const ParseContext *ctx,
                            PolicySet **ret, Diags *diags);
int policy_set_parse_file(const char *path, const ParseContext *ctx, PolicySet **ret, Diags *diags);

/* Merges src into dst (policies appended; a later pressure section replaces an
 * earlier one per resource); fails with -EEXIST + diag on duplicate names. */
int policy_set_merge(PolicySet *dst, PolicySet *src, Diags *diags);

/* systemd-style: collects *.json from each dir (earlier dir wins on same file
 * name; missing dirs are fine), loads them in lexical order of file name. All or
 * nothing: any error → negative errno, diags filled, *ret untouched. */
int policy_set_load_dirs(const char *const *dirs, const ParseContext *ctx, PolicySet **ret, Diags *diags);

/* Entries named *.json that cannot be policy files (a directory, a FIFO, a
 * dangling symlink, a symlink loop), skipped by the loader: one line each,
 * "DIR/NAME: a FIFO, skipped", NULL-terminated. */
typedef struct PolicyDirSkipped {
        char **items;
        size_t n;
} PolicyDirSkipped;
void policy_dir_skipped_done(PolicyDirSkipped *s);
/* policy_set_load_dirs(), also telling which entries it skipped (skipped may be NULL). */
int policy_set_load_dirs_full(const char *const *dirs, const ParseContext *ctx, PolicySet **ret, Diags *diags,
                              PolicyDirSkipped *skipped);

/* What the matcher knows of a unit; NULL fields are unknown and never match a
 * present key. */
typedef struct UnitInfo {
        const char *name;  /* "db.service" */
        const char *slice; /* "system.slice" */
        const char *user;  /* User= of the service, NULL if root/unset */
        const char *exe;   /* main process executable */
} UnitInfo;

bool policy_matches(const Policy *p, const UnitInfo *u);
