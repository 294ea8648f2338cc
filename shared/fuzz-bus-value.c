/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzzes what a SetUnitProperties caller controls: the variant's type and
 * contents for each property. Byte 0 picks the property, byte 1 the variant
 * type, the rest fills it. Checks that a strict read never crashes, refuses with
 * a message, and that what it accepts survives append → read unchanged. */

#define _GNU_SOURCE

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "bus-value.h"
#include "macro.h"

static sd_bus *bus;

static sd_bus *get_bus(void) {
        int fd[2];

        if (bus)
                return bus;
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fd) < 0)
                abort();
        if (sd_bus_new(&bus) < 0 || sd_bus_set_fd(bus, fd[0], fd[0]) < 0 || sd_bus_start(bus) < 0)
                abort();
        return bus; /* kept for the process lifetime, as libFuzzer runs many inputs */
}

static sd_bus_message *new_message(void) {
        sd_bus_message *m = NULL;

        if (sd_bus_message_new_method_call(get_bus(), &m, "org.cgpolicy1", "/org/cgpolicy1",
                                           "org.cgpolicy1.Manager", "Fuzz") < 0)
                abort();
        return m;
}

static void seal(sd_bus_message *m) {
        static uint64_t cookie = 1;

        if (sd_bus_message_seal(m, cookie++, 0) < 0 || sd_bus_message_rewind(m, true) < 0)
                abort();
}

static uint64_t take_u64(const uint8_t **d, size_t *n) {
        uint64_t v = 0;
        size_t k = *n < 8 ? *n : 8;

        memcpy(&v, *d, k);
        *d += k;
        *n -= k;
        return v;
}

/* A printable-ish, NUL-free, valid-UTF-8 string (sd-bus refuses anything else). */
static void take_string(const uint8_t **d, size_t *n, char *buf, size_t size) {
        size_t len = *n > 0 ? (**d % (size - 1)) : 0, i;

        if (*n > 0) {
                (*d)++;
                (*n)--;
        }
        for (i = 0; i<len && * n> 0; i++, (*d)++, (*n)--)
                buf[i] = (char)(0x20 + (**d % 0x5f));
        buf[i] = 0;
}

static int append_fuzzed(sd_bus_message *m, uint8_t type, const uint8_t *d, size_t n) {
        char s[80];
        int r;

        switch (type % 6) {
        case 0:
                return sd_bus_message_append(m, "v", "t", take_u64(&d, &n));
        case 1:
                return sd_bus_message_append(m, "v", "i", (int32_t)take_u64(&d, &n));
        case 2:
                take_string(&d, &n, s, sizeof(s));
                return sd_bus_message_append(m, "v", "s", s);
        case 3:
                r = sd_bus_message_open_container(m, 'v', "ay");
                if (r >= 0)
                        r = sd_bus_message_append_array(m, 'y', d, n);
                if (r >= 0)
                        r = sd_bus_message_close_container(m);
                return r;
        case 4:
        case 5:
                r = sd_bus_message_open_container(m, 'v', type % 6 == 4 ? "a(st)" : "a(ss)");
                if (r >= 0)
                        r = sd_bus_message_open_container(m, 'a', type % 6 == 4 ? "(st)" : "(ss)");
                while (r >= 0 && n > 0) {
                        take_string(&d, &n, s, sizeof(s));
                        if (type % 6 == 4)
                                r = sd_bus_message_append(m, "(st)", s, take_u64(&d, &n));
                        else
                                r = sd_bus_message_append(m, "(ss)", s, s);
                }
                if (r >= 0)
                        r = sd_bus_message_close_container(m);
                if (r >= 0)
                        r = sd_bus_message_close_container(m);
                return r;
        }
        return -EINVAL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(prop_value_done) PropValue v = {}, back = {};
        _cleanup_free_ char *err = NULL, *err2 = NULL;
        const Property *p;
        sd_bus_message *m;
        int r;

        if (size < 2 || size > 16384)
                return 0;
        p = property_get(data[0] % _PROP_MAX);

        m = new_message();
        r = append_fuzzed(m, data[1], data + 2, size - 2);
        if (r < 0) {
                sd_bus_message_unref(m);
                return 0;
        }
        seal(m);

        r = bus_read_prop_variant(m, p, BUS_READ_STRICT, &v, &err);
        sd_bus_message_unref(m);
        if (r < 0) {
                /* Every refusal a caller can provoke says what was wrong. */
                if ((r == -ENXIO || r == -EINVAL || r == -ERANGE || r == -E2BIG) && !err)
                        abort();
                return 0;
        }

        /* Accepted: must go out and come back as the same value. */
        m = new_message();
        if (bus_append_prop_variant(m, p, &v) < 0)
                abort();
        seal(m);
        if (bus_read_prop_variant(m, p, BUS_READ_STRICT, &back, &err2) < 0)
                abort();
        sd_bus_message_unref(m);
        if (v.reset != back.reset || (!v.reset && !prop_value_equal(p, &v, &back)))
                abort();
        return 0;
}
