/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* status and pressure: the daemon's state and per-unit pressure. */

#define _GNU_SOURCE

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <systemd/sd-journal.h>

#include "bus-errors.h"
#include "bus-value.h"
#include "ctl.h"
#include "ctl-unit.h"
#include "property.h"
#include "table.h"
#include "unit-name.h"
#include "verbs.h"

static int read_psi_text(sd_bus_message *m, const char *name, char *buf, size_t size) {
        double a, b, c;
        uint64_t t;
        int r;

        r = ctl_find_property(m, name);
        if (r <= 0) {
                snprintf(buf, size, "-");
                return r;
        }
        r = bus_read_psi(m, &a, &b, &c, &t);
        if (r < 0)
                return r;
        snprintf(buf, size, "%.2f/%.2f/%.2f", a, b, c);
        return ctl_exit_property(m);
}

static int count_units(sd_bus *bus, size_t *ret, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        size_t n = 0;
        int r;

        r = sd_bus_call_method(bus, CGPOLICY_BUS_NAME, CGPOLICY_MANAGER_PATH, CGPOLICY_MANAGER_INTERFACE,
                               "ListUnits", error, &reply, NULL);
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(reply, 'a', "(ssso)");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_skip(reply, "(ssso)")) > 0)
                n++;
        if (r < 0)
                return r;
        *ret = n;
        return 0;
}

static json_t *psi_json(sd_bus_message *m, const char *name) {
        double a, b, c;
        uint64_t t;

        if (ctl_find_property(m, name) <= 0 || bus_read_psi(m, &a, &b, &c, &t) < 0)
                return json_null();
        (void)ctl_exit_property(m);
        return json_pack("{s:f,s:f,s:f,s:I}", "Avg10", a, "Avg60", b, "Avg300", c, "Total", (json_int_t)t);
}

/* UsageTimestamp: when the daemon read the unit's usage files (µs, CLOCK_REALTIME). */
static int read_usage_timestamp(sd_bus_message *m, uint64_t *ret) {
        int r;

        *ret = 0;
        r = ctl_find_property(m, "UsageTimestamp");
        if (r > 0 && (r = sd_bus_message_read(m, "t", ret)) >= 0)
                r = ctl_exit_property(m);
        return r < 0 ? r : 0;
}

static int read_u64_b(sd_bus_message *m, uint64_t *ret_current, int *ret_throttled) {
        int r;

        *ret_current = UINT64_MAX;
        *ret_throttled = 0;
        r = ctl_find_property(m, "MemoryCurrent");
        if (r > 0 && (r = sd_bus_message_read(m, "t", ret_current)) >= 0)
                r = ctl_exit_property(m);
        if (r < 0)
                return r;
        r = ctl_find_property(m, "Throttled");
        if (r > 0 && (r = sd_bus_message_read(m, "b", ret_throttled)) >= 0)
                r = ctl_exit_property(m);
        return r < 0 ? r : 0;
}


/* The unit's recent cgpolicyd entries in the local journal, as systemctl
 * status shows log lines: entries that name it in OBJECT_SYSTEMD_UNIT=. Quietly
 * nothing when the journal cannot be read or the bus is another host's. */
static void print_journal(const char *unit, unsigned n_lines) {
        _cleanup_free_ char *match = NULL;
        sd_journal *j = NULL;
        unsigned n = 0;
        int r;

        if (arg.host || n_lines == 0)
                return;
        if (sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY) < 0)
                return;
        if (asprintf(&match, "OBJECT_SYSTEMD_UNIT=%s", unit) < 0 ||
            sd_journal_add_match(j, match, 0) < 0 ||
            sd_journal_add_match(j, "SYSLOG_IDENTIFIER=cgpolicyd", 0) < 0 || sd_journal_seek_tail(j) < 0) {
                sd_journal_close(j);
                return;
        }
        while (n < n_lines && (r = sd_journal_previous(j)) > 0)
                n++;
        if (n > 0)
                printf("\n");
        for (unsigned i = 0; i < n && sd_journal_next(j) > 0; i++) {
                const void *data;
                size_t len;
                uint64_t usec;
                char ts[64] = "";
                if (sd_journal_get_realtime_usec(j, &usec) >= 0) {
                        time_t t = (time_t)(usec / USEC_PER_SEC);
                        struct tm tm;
                        if (localtime_r(&t, &tm))
                                strftime(ts, sizeof ts, "%b %d %H:%M:%S", &tm);
                }
                if (sd_journal_get_data(j, "MESSAGE", &data, &len) < 0 || len < 8)
                        continue;
                printf("%s cgpolicyd: %.*s\n", ts, (int)(len - 8), (const char *)data + 8);
        }
        sd_journal_close(j);
}

static int psi_line(sd_bus_message *all, char *buf, size_t size) {
        static const char *const psi[] = {"MemoryPressure", "CPUPressure", "IOPressure"};
        static const char *const labels[] = {"memory", "cpu", "io"};
        size_t off = 0;

        for (size_t i = 0; i < ELEMENTSOF(psi); i++) {
                char one[64];
                int r = read_psi_text(all, psi[i], one, sizeof one);
                if (r < 0)
                        return r;
                off += (size_t)snprintf(buf + off, off < size ? size - off : 0, "%s%s %s%%", i ? ", " : "",
                                        labels[i], one);
        }
        return 0;
}

static int status_unit(sd_bus *bus, const char *name, bool first) {
        _cleanup_(unit_data_done) UnitData d = {};
        _cleanup_(table_freep) Table *t = NULL;
        const char *class = "", *cgroup = "";
        uint64_t current = UINT64_MAX;
        int throttled = 0, r;
        char psi[256], cur[32];

        r = unit_fetch(bus, name, &d);
        if (r != CTL_EXIT_SUCCESS)
                return r;
        if (ctl_find_property(d.all, "Class") > 0 && sd_bus_message_read(d.all, "s", &class) >= 0)
                (void)ctl_exit_property(d.all);
        if (ctl_find_property(d.all, "ControlGroup") > 0 && sd_bus_message_read(d.all, "s", &cgroup) >= 0)
                (void)ctl_exit_property(d.all);
        r = read_u64_b(d.all, &current, &throttled);
        if (r >= 0)
                r = psi_line(d.all, psi, sizeof psi);
        if (r < 0)
                return ctl_fail(NULL, r, "parse properties of %s", name);

        if (!first)
                putchar('\n');
        printf("● %s\n", name);
        printf("      Class: %s\n", class);
        printf("     CGroup: %s\n", cgroup);
        printf("   Policies: ");
        r = ctl_find_property(d.all, "Policies");
        if (r > 0) {
                const char *s;
                bool any = false;
                r = sd_bus_message_enter_container(d.all, 'a', "s");
                while (r >= 0 && (r = sd_bus_message_read(d.all, "s", &s)) > 0) {
                        printf("%s%s", any ? ", " : "", s);
                        any = true;
                }
                if (!any)
                        printf("(none)");
                if (r >= 0)
                        r = sd_bus_message_exit_container(d.all);
                if (r >= 0)
                        r = ctl_exit_property(d.all);
        }
        printf("\n");
        if (r < 0)
                return ctl_fail(NULL, r, "parse properties of %s", name);
        printf("     Memory: %s\n", ctl_format_bytes(cur, sizeof cur, current));
        printf("   Pressure: %s (avg10/avg60/avg300)\n", psi);
        printf("  Throttled: %s\n", throttled ? "yes" : "no");

        t = table_new(5, "PROPERTY", "VALUE", "LAYER", "STATUS", "EFFECTIVE");
        if (!t)
                return CTL_EXIT_FAILURE;
        for (PropertyId id = 0; id < _PROP_MAX; id++) {
                const Property *p = property_get(id);
                ExplainRow *row = &d.rows[id];
                _cleanup_free_ char *eff = NULL;

                if (!row->layer || streq(row->layer, "none"))
                        continue;
                r = effective_text(d.all, p, &eff);
                if (r < 0)
                        return ctl_fail(NULL, r, "parse properties of %s", name);
                table_add(t, p->name);
                table_add(t, *row->value ? row->value : "-");
                table_add(t, row->layer);
                table_add(t, row->applied);
                table_add(t, *eff ? eff : "-");
        }
        printf("\n");
        if (table_rows(t) == 0)
                printf("No property of %s is managed.\n", name);
        else
                table_print(t, true);
        print_journal(name, 10);
        return CTL_EXIT_SUCCESS;
}

static int status_units(int argc, char *argv[]) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_strv_free_ char **args = NULL, **names = NULL;
        int r, ret = CTL_EXIT_SUCCESS;
        bool first = true;

        r = ctl_mangle_units(argv + 1, (size_t)argc - 1, true, "status", &args);
        if (r != 0)
                return r;
        if (ctl_bus_open(&bus) < 0)
                return CTL_EXIT_FAILURE;
        if (arg.json != JSON_OFF) {
                fprintf(stderr, "status UNIT... has no --json form; use show UNIT... --json.\n");
                return CTL_EXIT_FAILURE;
        }
        /* Nobody to manage them: "inactive", as systemctl status says of a stopped unit. */
        r = sd_bus_call_method(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                               "GetNameOwner", &error, NULL, "s", CGPOLICY_BUS_NAME);
        if (r < 0) {
                int code = ctl_fail(&error, r, "get the status of %s", args[0]);
                return ctl_error_not_running(&error) ? CTL_EXIT_NOT_RUNNING : code;
        }
        r = ctl_expand_units(bus, args, &names);
        if (r != 0)
                return r;
        ctl_pager_open();
        for (char **n = names; *n; n++) {
                r = status_unit(bus, *n, first);
                if (r != CTL_EXIT_SUCCESS && ret == CTL_EXIT_SUCCESS)
                        ret = r;
                first = first && r != CTL_EXIT_SUCCESS;
        }
        return ret;
}

int verb_status(int argc, char *argv[]) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *all = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        size_t n_units = 0;
        int r;

        if (argc > 1)
                return status_units(argc, argv);
        if (ctl_bus_open(&bus) < 0)
                return CTL_EXIT_FAILURE;
        r = ctl_get_all(bus, CGPOLICY_MANAGER_PATH, CGPOLICY_MANAGER_INTERFACE, &all, &error);
        if (r < 0) {
                int ret = ctl_fail(&error, r, "get daemon status");
                return ctl_error_not_running(&error) ? CTL_EXIT_NOT_RUNNING : ret;
        }
        r = count_units(bus, &n_units, &error);
        if (r < 0)
                return ctl_fail(&error, r, "list units");

        if (arg.json != JSON_OFF) {
                json_t *o = json_object();
                if (!o)
                        return CTL_EXIT_FAILURE;
                r = sd_bus_message_enter_container(all, 'a', "{sv}");
                while (r >= 0 && (r = sd_bus_message_enter_container(all, 'e', "sv")) > 0) {
                        const char *k, *sig;
                        char t;
                        r = sd_bus_message_read(all, "s", &k);
                        if (r >= 0)
                                r = sd_bus_message_peek_type(all, &t, &sig);
                        if (r >= 0)
                                r = sd_bus_message_enter_container(all, 'v', sig);
                        if (r < 0)
                                break;
                        json_object_set_new(o, k, ctl_variant_to_json(all, sig));
                        r = ctl_exit_property(all);
                }
                if (r < 0) {
                        json_decref(o);
                        return ctl_fail(NULL, r, "parse daemon status");
                }
                json_object_set_new(o, "Units", json_integer((json_int_t)n_units));
                return ctl_json_print(o) < 0 ? CTL_EXIT_FAILURE : CTL_EXIT_SUCCESS;
        }

        static const char *const strings[] = {"Version", "Backend", "CgroupRoot", "PressureMode",
                                              "RebalanceState"};
        const char *val[ELEMENTSOF(strings)] = {};
        for (size_t i = 0; i < ELEMENTSOF(strings); i++) {
                r = ctl_find_property(all, strings[i]);
                if (r > 0) {
                        r = sd_bus_message_read(all, "s", &val[i]);
                        if (r >= 0)
                                r = ctl_exit_property(all);
                }
                if (r < 0)
                        return ctl_fail(NULL, r, "parse daemon status");
        }

        ctl_pager_open();
        printf("cgpolicyd %s\n", strna(val[0]));
        printf("      Backend: %s\n", strna(val[1]));
        printf("  Cgroup root: %s\n", strna(val[2]));

        static const char *const lists[] = {"WatchedSlices", "PolicyFiles"};
        static const char *const labels[] = {"      Watched", "     Policies"};
        for (size_t i = 0; i < ELEMENTSOF(lists); i++) {
                const char *s;
                bool first = true;

                r = ctl_find_property(all, lists[i]);
                if (r < 0)
                        return ctl_fail(NULL, r, "parse daemon status");
                printf("%s: ", labels[i]);
                if (r > 0) {
                        r = sd_bus_message_enter_container(all, 'a', "s");
                        while (r >= 0 && (r = sd_bus_message_read(all, "s", &s)) > 0) {
                                printf("%s%s\n", first ? "" : "               ", s);
                                first = false;
                        }
                        if (r >= 0)
                                r = sd_bus_message_exit_container(all);
                        if (r >= 0)
                                r = ctl_exit_property(all);
                        if (r < 0)
                                return ctl_fail(NULL, r, "parse daemon status");
                }
                if (first)
                        printf("(none)\n");
        }
        printf("     Pressure: mode %s, %s\n", strna(val[3]), strna(val[4]));

        static const char *const psi[] = {"MemoryPressure", "CPUPressure", "IOPressure"};
        static const char *const psi_labels[] = {"       Memory", "          CPU", "           IO"};
        for (size_t i = 0; i < ELEMENTSOF(psi); i++) {
                char buf[64];
                r = read_psi_text(all, psi[i], buf, sizeof(buf));
                if (r < 0)
                        return ctl_fail(NULL, r, "parse daemon status");
                printf("%s: %s%% (avg10/avg60/avg300)\n", psi_labels[i], buf);
        }
        printf("        Units: %zu managed\n", n_units);
        return CTL_EXIT_SUCCESS;
}

int verb_pressure(int argc, char *argv[]) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *list = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(table_freep) Table *t = NULL;
        _cleanup_strv_free_ char **patterns = NULL;
        uint64_t read_at = 0; /* the latest UsageTimestamp shown */
        json_t *arr = NULL;
        int r;

        r = ctl_mangle_units(argv + 1, (size_t)argc - 1, true, "pressure", &patterns);
        if (r != 0)
                return r;
        if (ctl_bus_open(&bus) < 0)
                return CTL_EXIT_FAILURE;
        r = sd_bus_call_method(bus, CGPOLICY_BUS_NAME, CGPOLICY_MANAGER_PATH, CGPOLICY_MANAGER_INTERFACE,
                               "ListUnits", &error, &list, NULL);
        if (r < 0)
                return ctl_fail(&error, r, "list units");

        t = table_new(6, "UNIT", "MEMORY%", "CPU%", "IO%", "CURRENT", "THROTTLED");
        if (!t)
                return CTL_EXIT_FAILURE;
        /* the watched slice is a unit of the list: each slice once (issue 11 item 9) */
        if (arg.json != JSON_OFF)
                arr = json_array();

        r = sd_bus_message_enter_container(list, 'a', "(ssso)");
        if (r < 0)
                goto fail_parse;
        for (;;) {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *all = NULL;
                const char *id, *class, *pol, *path;
                uint64_t current;
                int throttled;

                r = sd_bus_message_read(list, "(ssso)", &id, &class, &pol, &path);
                if (r < 0)
                        goto fail_parse;
                if (r == 0)
                        break;
                if (!ctl_units_match(patterns, id))
                        continue;
                r = ctl_get_all(bus, path, CGPOLICY_UNIT_INTERFACE, &all, &error);
                if (r < 0) {
                        /* Went away between the two calls: skip it. */
                        sd_bus_error_free(&error);
                        continue;
                }
                r = read_u64_b(all, &current, &throttled);
                if (r < 0)
                        goto fail_parse;
                uint64_t stamp = 0;
                (void)read_usage_timestamp(all, &stamp);
                if (stamp > read_at)
                        read_at = stamp;
                if (arr) {
                        json_array_append_new(
                                arr, json_pack("{s:s,s:o,s:o,s:o,s:o,s:b,s:I}", "Id", id, "MemoryPressure",
                                               psi_json(all, "MemoryPressure"), "CPUPressure",
                                               psi_json(all, "CPUPressure"), "IOPressure",
                                               psi_json(all, "IOPressure"), "MemoryCurrent",
                                               current == UINT64_MAX ? json_null()
                                                                     : json_integer((json_int_t)current),
                                               "Throttled", throttled, "UsageTimestamp", (json_int_t)stamp));
                        continue;
                }
                char m1[64], c1[64], i1[64], cur[32];
                if (read_psi_text(all, "MemoryPressure", m1, sizeof m1) < 0 ||
                    read_psi_text(all, "CPUPressure", c1, sizeof c1) < 0 ||
                    read_psi_text(all, "IOPressure", i1, sizeof i1) < 0)
                        goto fail_parse;
                table_add(t, id);
                table_add(t, m1);
                table_add(t, c1);
                table_add(t, i1);
                table_add(t, ctl_format_bytes(cur, sizeof cur, current));
                table_add(t, throttled ? "yes" : "no");
        }

        if (arr)
                return ctl_json_print(arr) < 0 ? CTL_EXIT_FAILURE : CTL_EXIT_SUCCESS;
        ctl_pager_open();
        table_print(t, !arg.no_legend);
        if (!arg.no_legend) {
                char when[64] = "-", day[48];
                time_t sec = (time_t)(read_at / 1000000);
                struct tm tm;

                if (read_at > 0 && localtime_r(&sec, &tm) && strftime(day, sizeof day, "%Y-%m-%d %H:%M:%S", &tm))
                        snprintf(when, sizeof when, "%s.%03u", day, (unsigned)(read_at / 1000 % 1000));
                printf("\nPressure as avg10/avg60/avg300 percent of time stalled (\"some\"), read from the "
                       "cgroups by the daemon at %s.\n", when);
        }
        return CTL_EXIT_SUCCESS;

fail_parse:
        json_decref(arr);
        return ctl_fail(&error, r, "read pressure");
}
