/* SPDX-License-Identifier: LGPL-2.1-or-later */

#define _GNU_SOURCE

#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bus-errors.h"
#include "ctl.h"
#include "unit-name.h"

CtlArgs arg = {
        .ask_password = true,
};

int ctl_bus_open(sd_bus **ret) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        const char *address = arg.bus_address ?: getenv("CGPOLICY_BUS_ADDRESS");
        const char *what;
        int r;

        if (address && *address && !arg.host) {
                what = address;
                r = sd_bus_new(&bus);
                if (r >= 0)
                        r = sd_bus_set_address(bus, address);
                if (r >= 0)
                        r = sd_bus_set_bus_client(bus, 1);
                if (r >= 0)
                        r = sd_bus_start(bus);
        } else if (arg.host) {
                what = arg.host;
                r = sd_bus_open_system_remote(&bus, arg.host);
        } else if (arg.user) {
                what = "the user bus";
                r = sd_bus_open_user(&bus);
        } else {
                what = "the system bus";
                r = sd_bus_open_system(&bus);
        }
        if (r < 0) {
                fprintf(stderr, "Failed to connect to %s: %s\n", what, strerror(-r));
                return r;
        }
        /* Let polkit ask for a password when a person is at the keyboard. */
        (void)sd_bus_set_allow_interactive_authorization(bus, arg.ask_password && isatty(STDIN_FILENO));
        *ret = TAKE_PTR(bus);
        return 0;
}

bool ctl_error_not_running(const sd_bus_error *e) {
        return e && sd_bus_error_has_names(e, SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER);
}

int ctl_fail(const sd_bus_error *e, int r, const char *fmt, ...) {
        _cleanup_free_ char *what = NULL;
        va_list ap;

        va_start(ap, fmt);
        if (vasprintf(&what, fmt, ap) < 0)
                what = NULL;
        va_end(ap);

        if (e && sd_bus_error_is_set(e)) {
                if (ctl_error_not_running(e))
                        fprintf(stderr, "Failed to %s: cgpolicyd is not running (%s).\n", strna(what),
                                strna(e->message));
                else
                        fprintf(stderr, "Failed to %s: %s\n", strna(what), e->message ?: e->name);
                if (sd_bus_error_has_name(e, BUS_ERROR_NO_SUCH_UNIT))
                        return CTL_EXIT_NO_SUCH_UNIT;
                return CTL_EXIT_FAILURE;
        }
        fprintf(stderr, "Failed to %s: %s\n", strna(what), strerror(r < 0 ? -r : r));
        return CTL_EXIT_FAILURE;
}

static pid_t pager_pid = 0;

static void pager_close(void) {
        if (pager_pid <= 0)
                return;
        fflush(stdout);
        fclose(stdout);
        (void)close(STDOUT_FILENO);
        (void)waitpid(pager_pid, NULL, 0);
        pager_pid = 0;
}

void ctl_pager_open(void) {
        const char *pager;
        int fd[2];

        if (arg.no_pager || pager_pid > 0 || !isatty(STDOUT_FILENO))
                return;
        pager = getenv("CGPOLICY_PAGER") ?: getenv("PAGER") ?: "less";
        if (!*pager || streq(pager, "cat"))
                return;
        if (pipe(fd) < 0)
                return;
        fflush(stdout);
        pid_t pid = fork();
        if (pid < 0) {
                close(fd[0]);
                close(fd[1]);
                return;
        }
        if (pid == 0) {
                /* Quit when it fits on one screen, keep colours, do not clear. */
                setenv("LESS", "FRSXMK", 0);
                dup2(fd[0], STDIN_FILENO);
                close(fd[0]);
                close(fd[1]);
                execl("/bin/sh", "sh", "-c", pager, (char *)NULL);
                _exit(EXIT_FAILURE);
        }
        dup2(fd[1], STDOUT_FILENO);
        close(fd[0]);
        close(fd[1]);
        pager_pid = pid;
        signal(SIGPIPE, SIG_IGN);
        atexit(pager_close);
}

int ctl_json_print(json_t *v) {
        int r;

        if (!v)
                return -ENOMEM;
        r = json_dumpf(v, stdout,
                       (arg.json == JSON_PRETTY ? JSON_INDENT(2) : JSON_COMPACT) | JSON_ENSURE_ASCII);
        json_decref(v);
        putchar('\n');
        return r < 0 ? -EIO : 0;
}

int ctl_get_all(sd_bus *bus, const char *path, const char *interface, sd_bus_message **ret,
                sd_bus_error *error) {
        return sd_bus_call_method(bus, CGPOLICY_BUS_NAME, path, "org.freedesktop.DBus.Properties", "GetAll",
                                  error, ret, "s", interface);
}

int ctl_find_property(sd_bus_message *m, const char *name) {
        return ctl_find_property_full(m, name, NULL);
}

int ctl_find_property_full(sd_bus_message *m, const char *name, const char **ret_signature) {
        int r;

        r = sd_bus_message_rewind(m, true);
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        for (;;) {
                const char *k;

                r = sd_bus_message_enter_container(m, 'e', "sv");
                if (r <= 0)
                        return r;
                r = sd_bus_message_read(m, "s", &k);
                if (r < 0)
                        return r;
                if (streq(k, name)) {
                        char type;
                        const char *contents;
                        r = sd_bus_message_peek_type(m, &type, &contents);
                        if (r < 0)
                                return r;
                        r = sd_bus_message_enter_container(m, 'v', contents);
                        if (r < 0)
                                return r;
                        if (ret_signature)
                                *ret_signature = contents;
                        return 1;
                }
                r = sd_bus_message_skip(m, "v");
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
}

int ctl_exit_property(sd_bus_message *m) {
        int r = sd_bus_message_exit_container(m); /* v */
        if (r >= 0)
                r = sd_bus_message_exit_container(m); /* e */
        return r;
}

const char *ctl_format_bytes(char *buf, size_t size, uint64_t bytes) {
        static const char suffixes[] = "BKMGTPE";
        double v = (double)bytes;
        size_t i = 0;

        if (bytes == UINT64_MAX) {
                snprintf(buf, size, "-");
                return buf;
        }
        while (v >= 1024.0 && i + 1 < sizeof(suffixes) - 1) {
                v /= 1024.0;
                i++;
        }
        if (i == 0)
                snprintf(buf, size, "%" PRIu64 "B", bytes);
        else
                snprintf(buf, size, "%.1f%c", v, suffixes[i]);
        return buf;
}

json_t *ctl_variant_to_json(sd_bus_message *m, const char *signature) {
        int r;

        if (streq(signature, "s") || streq(signature, "o")) {
                const char *s;
                r = sd_bus_message_read_basic(m, signature[0], &s);
                return r > 0 ? json_string(s) : NULL;
        }
        if (streq(signature, "b")) {
                int b;
                r = sd_bus_message_read(m, "b", &b);
                return r > 0 ? json_boolean(b) : NULL;
        }
        if (streq(signature, "t")) {
                uint64_t t;
                r = sd_bus_message_read(m, "t", &t);
                /* UINT64_MAX is "unset/infinity" in systemd's API: null, not a wrapped negative. */
                return r > 0 ? (t == UINT64_MAX || t > INT64_MAX ? json_null() : json_integer((json_int_t)t))
                             : NULL;
        }
        if (streq(signature, "u")) {
                uint32_t u;
                r = sd_bus_message_read(m, "u", &u);
                return r > 0 ? json_integer(u) : NULL;
        }
        if (streq(signature, "i")) {
                int32_t i;
                r = sd_bus_message_read(m, "i", &i);
                return r > 0 ? json_integer(i) : NULL;
        }
        if (streq(signature, "d")) {
                double d;
                r = sd_bus_message_read(m, "d", &d);
                return r > 0 ? json_real(d) : NULL;
        }
        if (streq(signature, "as")) {
                json_t *a = json_array();
                const char *s;
                r = sd_bus_message_enter_container(m, 'a', "s");
                while (r >= 0 && (r = sd_bus_message_read(m, "s", &s)) > 0)
                        json_array_append_new(a, json_string(s));
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
                if (r < 0) {
                        json_decref(a);
                        return NULL;
                }
                return a;
        }
        if (streq(signature, "(dddt)")) {
                double a, b, c;
                uint64_t t;
                r = sd_bus_message_read(m, "(dddt)", &a, &b, &c, &t);
                if (r <= 0)
                        return NULL;
                return json_pack("{s:f,s:f,s:f,s:I}", "Avg10", a, "Avg60", b, "Avg300", c, "Total",
                                 (json_int_t)t);
        }
        r = sd_bus_message_skip(m, signature);
        return r < 0 ? NULL : json_null();
}

int ctl_mangle_unit(const char *name, const char *verb, char **ret) {
        _cleanup_free_ char *err = NULL;
        int r = unit_name_mangle(name, false, verb, ret, &err);
        if (r < 0) {
                fprintf(stderr, "%s\n", err ?: strerror(-r));
                return CTL_EXIT_FAILURE;
        }
        return 0;
}

int ctl_mangle_units(char **args, size_t n, bool allow_glob, const char *verb, char ***ret) {
        _cleanup_strv_free_ char **l = calloc(n + 1, sizeof(char *));

        if (!l)
                return CTL_EXIT_FAILURE;
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *err = NULL;
                int r = unit_name_mangle(args[i], allow_glob, verb, &l[i], &err);
                if (r < 0) {
                        fprintf(stderr, "%s\n", err ?: strerror(-r));
                        return CTL_EXIT_FAILURE;
                }
        }
        *ret = TAKE_PTR(l);
        return 0;
}

bool ctl_units_match(char **patterns, const char *name) {
        if (!patterns || !patterns[0])
                return true;
        for (char **p = patterns; *p; p++)
                if (fnmatch(*p, name, 0) == 0)
                        return true;
        return false;
}

static int strv_append(char ***l, size_t *n, const char *s) {
        for (size_t i = 0; i < *n; i++)
                if (streq((*l)[i], s))
                        return 0;
        char **nl = realloc(*l, (*n + 2) * sizeof(char *));
        if (!nl)
                return -ENOMEM;
        *l = nl;
        nl[*n] = strdup(s);
        if (!nl[*n])
                return -ENOMEM;
        nl[++*n] = NULL;
        return 0;
}

int ctl_expand_units(sd_bus *bus, char **names, char ***ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_strv_free_ char **out = calloc(1, sizeof(char *));
        size_t n = 0;
        bool any_glob = false;
        int r;

        if (!out)
                return CTL_EXIT_FAILURE;
        for (char **i = names; *i; i++)
                any_glob = any_glob || unit_name_is_glob(*i);
        if (any_glob) {
                r = sd_bus_call_method(bus, CGPOLICY_BUS_NAME, CGPOLICY_MANAGER_PATH, CGPOLICY_MANAGER_INTERFACE,
                                       "ListUnits", &error, &reply, NULL);
                if (r < 0)
                        return ctl_fail(&error, r, "list units");
        }
        for (char **i = names; *i; i++) {
                if (!unit_name_is_glob(*i)) {
                        if (strv_append(&out, &n, *i) < 0)
                                return CTL_EXIT_FAILURE;
                        continue;
                }
                r = sd_bus_message_rewind(reply, true);
                if (r >= 0)
                        r = sd_bus_message_enter_container(reply, 'a', "(ssso)");
                while (r >= 0) {
                        const char *id, *class, *pol, *path;
                        r = sd_bus_message_read(reply, "(ssso)", &id, &class, &pol, &path);
                        if (r <= 0)
                                break;
                        if (fnmatch(*i, id, 0) == 0 && strv_append(&out, &n, id) < 0)
                                return CTL_EXIT_FAILURE;
                }
                if (r < 0)
                        return ctl_fail(NULL, r, "parse the unit list");
        }
        *ret = TAKE_PTR(out);
        return 0;
}
