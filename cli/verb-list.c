/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* list: the managed units. */

#include <stdio.h>
#include <string.h>

#include "bus-errors.h"
#include "ctl.h"
#include "table.h"
#include "verbs.h"

static json_t *split_commas(const char *s) {
        json_t *a = json_array();
        const char *p = s;

        while (a && *p) {
                size_t n = strcspn(p, ",");
                json_array_append_new(a, json_stringn(p, n));
                p += n;
                if (*p == ',')
                        p++;
        }
        return a;
}

int verb_list(int argc, char *argv[]) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(table_freep) Table *t = NULL;
        _cleanup_strv_free_ char **patterns = NULL;
        json_t *arr = NULL;
        int r;

        r = ctl_mangle_units(argv + 1, (size_t)argc - 1, true, "list", &patterns);
        if (r != 0)
                return r;
        if (ctl_bus_open(&bus) < 0)
                return CTL_EXIT_FAILURE;
        r = sd_bus_call_method(bus, CGPOLICY_BUS_NAME, CGPOLICY_MANAGER_PATH, CGPOLICY_MANAGER_INTERFACE,
                               "ListUnits", &error, &reply, NULL);
        if (r < 0)
                return ctl_fail(&error, r, "list units");

        t = table_new(3, "UNIT", "CLASS", "POLICIES");
        if (!t)
                return CTL_EXIT_FAILURE;
        if (arg.json != JSON_OFF && !(arr = json_array()))
                return CTL_EXIT_FAILURE;

        r = sd_bus_message_enter_container(reply, 'a', "(ssso)");
        while (r >= 0) {
                const char *id, *class, *pol, *path;

                r = sd_bus_message_read(reply, "(ssso)", &id, &class, &pol, &path);
                if (r <= 0)
                        break;
                if (!ctl_units_match(patterns, id))
                        continue;
                if (arr) {
                        json_array_append_new(arr, json_pack("{s:s,s:s,s:o,s:s}", "Id", id, "Class", class,
                                                             "Policies", split_commas(pol), "Path", path));
                        continue;
                }
                table_add(t, id);
                table_add(t, class);
                table_add(t, *pol ? pol : "-");
        }
        if (r < 0) {
                json_decref(arr);
                return ctl_fail(NULL, r, "parse the unit list");
        }

        if (arr)
                return ctl_json_print(arr) < 0 ? CTL_EXIT_FAILURE : CTL_EXIT_SUCCESS;
        ctl_pager_open();
        if (table_rows(t) > 0 || !arg.no_legend)
                table_print(t, !arg.no_legend);
        if (!arg.no_legend)
                printf("\n%zu unit%s listed.\n", table_rows(t), table_rows(t) == 1 ? "" : "s");
        return CTL_EXIT_SUCCESS;
}
