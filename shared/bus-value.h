/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* PropValue <-> sd_bus_message in systemd's D-Bus types (the property table's
 * `signature`: "t", "i", "ay", "a(st)"). Used by the daemon's objects and by
 * cgpolicyctl, so both sides agree on the encoding. */

#include <stdbool.h>

#include <systemd/sd-bus.h>

#include "property.h"
#include "psi.h"

/* Appends v with p->signature (no variant). A reset value goes out as systemd's
 * reset: 't' → p->dbus_reset, arrays empty, 'i' → 0. */
int bus_append_prop_value(sd_bus_message *m, const Property *p, const PropValue *v);
/* The same wrapped in a variant "v". */
int bus_append_prop_variant(sd_bus_message *m, const Property *p, const PropValue *v);

typedef enum BusReadFlags {
        /* Check ranges as a setter must (what systemd accepts in SetUnitProperties),
         * and map 't' == p->dbus_reset / empty arrays to a reset value. Without it
         * any well-typed value is taken as is (for displaying read values). */
        BUS_READ_STRICT = 1 << 0,
} BusReadFlags;

/* Reads a value of p->signature at the current position. Errors:
 *   -ENXIO   the message holds another type (message names expected/got)
 *   -EINVAL  malformed (bad device name)         -ERANGE  out of range
 *   -E2BIG   too many array entries
 * other negative errno from sd-bus. *ret_error (if non-NULL) gets a malloc'ed
 * message naming the property and the bad value. */
int bus_read_prop_value(sd_bus_message *m, const Property *p, BusReadFlags flags, PropValue *ret,
                        char **ret_error);
/* The same for a variant at the current position; a variant of another type is -ENXIO. */
int bus_read_prop_variant(sd_bus_message *m, const Property *p, BusReadFlags flags, PropValue *ret,
                          char **ret_error);

/* PSI "some" line as "(dddt)": avg10, avg60, avg300 in percent, total in µs. */
int bus_append_psi(sd_bus_message *m, const PsiStats *s);
/* Reads "(dddt)" back; percent values as doubles. */
int bus_read_psi(sd_bus_message *m, double *ret_avg10, double *ret_avg60, double *ret_avg300,
                 uint64_t *ret_total);
