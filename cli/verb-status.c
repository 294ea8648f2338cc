/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* status and pressure: the daemon's state and per-unit pressure. */

#define _GNU_SOURCE

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "bus-errors.h"
#include "bus-value.h"
#include "ctl.h"
#include "table.h"
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

int verb_status(int argc, char *argv[]) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *all = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        size_t n_units = 0;
        int r;

        if (ctl_bus_open(&bus) < 0)
                return CTL_EXIT_FAILURE;
        r = ctl_get_all(bus, CGPOLICY_MANAGER_PATH, CGPOLICY_MANAGER_INTERFACE, &all, &error);
        if (r < 0)
                return ctl_fail(&error, r, "get daemon status");
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

static json_t *psi_json(sd_bus_message *m, const char *name) {
        double a, b, c;
        uint64_t t;

        if (ctl_find_property(m, name) <= 0 || bus_read_psi(m, &a, &b, &c, &t) < 0)
                return json_null();
        (void)ctl_exit_property(m);
        return json_pack("{s:f,s:f,s:f,s:I}", "avg10", a, "avg60", b, "avg300", c, "total", (json_int_t)t);
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

int verb_pressure(int argc, char *argv[]) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *list = NULL, *mgr = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(table_freep) Table *t = NULL;
        json_t *arr = NULL;
        int r;

        if (ctl_bus_open(&bus) < 0)
                return CTL_EXIT_FAILURE;
        r = ctl_get_all(bus, CGPOLICY_MANAGER_PATH, CGPOLICY_MANAGER_INTERFACE, &mgr, &error);
        if (r < 0)
                return ctl_fail(&error, r, "get daemon pressure");
        r = sd_bus_call_method(bus, CGPOLICY_BUS_NAME, CGPOLICY_MANAGER_PATH, CGPOLICY_MANAGER_INTERFACE,
                               "ListUnits", &error, &list, NULL);
        if (r < 0)
                return ctl_fail(&error, r, "list units");

        t = table_new(6, "UNIT", "MEMORY%", "CPU%", "IO%", "CURRENT", "THROTTLED");
        if (!t)
                return CTL_EXIT_FAILURE;
        if (arg.json != JSON_OFF) {
                arr = json_array();
                json_array_append_new(arr, json_pack("{s:n,s:o,s:o,s:o}", "unit", "MemoryPressure",
                                                     psi_json(mgr, "MemoryPressure"), "CPUPressure",
                                                     psi_json(mgr, "CPUPressure"), "IOPressure",
                                                     psi_json(mgr, "IOPressure")));
        } else {
                char m1[64], c1[64], i1[64];
                if (read_psi_text(mgr, "MemoryPressure", m1, sizeof m1) < 0 ||
                    read_psi_text(mgr, "CPUPressure", c1, sizeof c1) < 0 ||
                    read_psi_text(mgr, "IOPressure", i1, sizeof i1) < 0)
                        return ctl_fail(NULL, -EBADMSG, "parse daemon pressure");
                table_add(t, "(watched slice)");
                table_add(t, m1);
                table_add(t, c1);
                table_add(t, i1);
                table_add(t, "-");
                table_add(t, "-");
        }

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
                r = ctl_get_all(bus, path, CGPOLICY_UNIT_INTERFACE, &all, &error);
                if (r < 0) {
                        /* Went away between the two calls: skip it. */
                        sd_bus_error_free(&error);
                        continue;
                }
                r = read_u64_b(all, &current, &throttled);
                if (r < 0)
                        goto fail_parse;
                if (arr) {
                        json_array_append_new(
                                arr, json_pack("{s:s,s:o,s:o,s:o,s:o,s:b}", "unit", id, "MemoryPressure",
                                               psi_json(all, "MemoryPressure"), "CPUPressure",
                                               psi_json(all, "CPUPressure"), "IOPressure",
                                               psi_json(all, "IOPressure"), "MemoryCurrent",
                                               current == UINT64_MAX ? json_null()
                                                                     : json_integer((json_int_t)current),
                                               "Throttled", throttled));
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
        if (!arg.no_legend)
                printf("\nPressure as avg10/avg60/avg300 percent of time stalled (\"some\").\n");
        return CTL_EXIT_SUCCESS;

fail_parse:
        json_decref(arr);
        return ctl_fail(&error, r, "read pressure");
}
