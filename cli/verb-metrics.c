/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* metrics [FORMAT]: the daemon's metrics, OpenMetrics text by default;
 * "prometheus" gives the Prometheus text format of the --metrics-file. */

#include <stdio.h>
#include <string.h>

#include "bus-errors.h"
#include "ctl.h"
#include "verbs.h"

int verb_metrics(int argc, char *argv[]) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        const char *format = argc > 1 ? argv[1] : "openmetrics", *text = NULL;
        int r;

        if (!streq(format, "openmetrics") && !streq(format, "prometheus")) {
                fprintf(stderr, "Unknown metrics format \"%s\": expected openmetrics or prometheus.\n", format);
                return CTL_EXIT_FAILURE;
        }
        if (ctl_bus_open(&bus) < 0)
                return CTL_EXIT_FAILURE;
        r = sd_bus_call_method(bus, CGPOLICY_BUS_NAME, CGPOLICY_MANAGER_PATH, CGPOLICY_MANAGER_INTERFACE,
                               "GetMetrics", &error, &reply, "s", format);
        if (r < 0)
                return ctl_fail(&error, r, "get metrics");
        r = sd_bus_message_read(reply, "s", &text);
        if (r < 0)
                return ctl_fail(NULL, r, "parse the metrics");
        fputs(text, stdout);
        return fflush(stdout) == 0 ? CTL_EXIT_SUCCESS : CTL_EXIT_FAILURE;
}
