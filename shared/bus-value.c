/* SPDX-License-Identifier: LGPL-2.1-or-later */

#define _GNU_SOURCE

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bus-errors.h"
#include "bus-value.h"
#include "macro.h"
#include "value.h"

static bool is_device_type(ValueType t) {
        return t == VT_DEVICE_WEIGHT || t == VT_DEVICE_BYTES || t == VT_DEVICE_IOPS ||
               t == VT_DEVICE_DURATION;
}

int bus_append_prop_value(sd_bus_message *m, const Property *p, const PropValue *v) {
        int r;

        if (!m || !p || !v)
                return -EINVAL;

        switch (p->type) {
        case VT_OOM:
                return sd_bus_message_append(m, "i", v->reset ? (int32_t)0 : v->i);

        case VT_CPUSET:
                return sd_bus_message_append_array(m, 'y', v->reset ? NULL : v->mask,
                                                   v->reset ? 0 : v->mask_size);

        case VT_DEVICE_WEIGHT:
        case VT_DEVICE_BYTES:
        case VT_DEVICE_IOPS:
        case VT_DEVICE_DURATION:
                r = sd_bus_message_open_container(m, 'a', "(st)");
                if (r < 0)
                        return r;
                if (!v->reset)
                        for (size_t i = 0; i < v->n_devs; i++) {
                                r = sd_bus_message_append(m, "(st)", v->devs[i].device, v->devs[i].value);
                                if (r < 0)
                                        return r;
                        }
                return sd_bus_message_close_container(m);

        default:
                return sd_bus_message_append(m, "t", v->reset ? p->dbus_reset : v->u);
        }
}

int bus_append_prop_variant(sd_bus_message *m, const Property *p, const PropValue *v) {
        int r;

        if (!p)
                return -EINVAL;
        r = sd_bus_message_open_container(m, 'v', p->signature);
        if (r < 0)
                return r;
        r = bus_append_prop_value(m, p, v);
        if (r < 0)
                return r;
        return sd_bus_message_close_container(m);
}

_printf_(2, 3) static int set_error(char **ret_error, const char *fmt, ...) {
        va_list ap;
        char *s;

        if (!ret_error)
                return 0;
        va_start(ap, fmt);
        if (vasprintf(&s, fmt, ap) < 0)
                s = NULL;
        va_end(ap);
        *ret_error = s;
        return 0;
}

/* A device as systemd takes it: an absolute path or MAJ:MIN, printable, no
 * whitespace (the value follows it in io.max lines). */
static bool device_name_ok(const char *d) {
        size_t n = strlen(d);

        if (n == 0 || n > BUS_NAME_MAX)
                return false;
        for (const char *c = d; *c; c++)
                if ((unsigned char)*c <= ' ' || *c == 0x7f)
                        return false;
        if (d[0] == '/')
                return true;

        unsigned maj, min;
        int k = -1;
        if (sscanf(d, "%u:%u%n", &maj, &min, &k) != 2 || k != (int)n || !isdigit((unsigned char)d[0]))
                return false;
        return true;
}

static int check_u64(const Property *p, uint64_t u, char **ret_error) {
        if (!property_u64_in_range(p, u)) {
                set_error(ret_error, "Invalid %s= value %" PRIu64 ": out of range", p->dbus_name, u);
                return -ERANGE;
        }
        return 0;
}

static int check_device_value(const Property *p, const char *dev, uint64_t u, char **ret_error) {
        if (!device_name_ok(dev)) {
                set_error(ret_error, "Invalid %s= device \"%s\": expected an absolute path or MAJ:MIN",
                          p->dbus_name, dev);
                return -EINVAL;
        }
        if (!property_device_value_in_range(p, u)) {
                set_error(ret_error, "Invalid %s= value \"%s %" PRIu64 "\": out of range", p->dbus_name, dev,
                          u);
                return -ERANGE;
        }
        return 0;
}

static int read_devices(sd_bus_message *m, const Property *p, BusReadFlags flags, PropValue *v,
                        char **ret_error) {
        int r;

        r = sd_bus_message_enter_container(m, 'a', "(st)");
        if (r < 0)
                return r;
        for (;;) {
                const char *dev;
                uint64_t u;

                r = sd_bus_message_read(m, "(st)", &dev, &u);
                if (r < 0)
                        return r;
                if (r == 0)
                        break;
                if (v->n_devs >= BUS_DEVICES_MAX) {
                        set_error(ret_error, "Too many devices in %s= (more than %u)", p->dbus_name,
                                  BUS_DEVICES_MAX);
                        return -E2BIG;
                }
                if (flags & BUS_READ_STRICT) {
                        r = check_device_value(p, dev, u, ret_error);
                        if (r < 0)
                                return r;
                }

                /* A later entry for the same device replaces an earlier one, as in unit files. */
                size_t i;
                for (i = 0; i < v->n_devs; i++)
                        if (streq(v->devs[i].device, dev))
                                break;
                if (i < v->n_devs) {
                        v->devs[i].value = u;
                        continue;
                }
                DeviceValue *n = realloc(v->devs, (v->n_devs + 1) * sizeof(DeviceValue));
                if (!n)
                        return -ENOMEM;
                v->devs = n;
                v->devs[v->n_devs].device = strdup(dev);
                if (!v->devs[v->n_devs].device)
                        return -ENOMEM;
                v->devs[v->n_devs++].value = u;
        }
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        if ((flags & BUS_READ_STRICT) && v->n_devs == 0)
                v->reset = true;
        return 0;
}

static int read_cpuset(sd_bus_message *m, const Property *p, BusReadFlags flags, PropValue *v,
                       char **ret_error) {
        const void *data;
        size_t size;
        int r;

        r = sd_bus_message_read_array(m, 'y', &data, &size);
        if (r < 0)
                return r;
        if (size > (CPUSET_MAX_INDEX + 1) / 8) {
                set_error(ret_error, "Invalid %s= value: mask of %zu bytes is larger than %u CPUs/nodes",
                          p->dbus_name, size, CPUSET_MAX_INDEX + 1);
                return -ERANGE;
        }
        /* Canonical form as parse_cpuset() makes it: trailing zero bytes trimmed. */
        while (size > 0 && ((const uint8_t *)data)[size - 1] == 0)
                size--;
        if (size == 0) {
                v->reset = flags & BUS_READ_STRICT;
                return 0;
        }
        v->mask = malloc(size);
        if (!v->mask)
                return -ENOMEM;
        memcpy(v->mask, data, size);
        v->mask_size = size;
        return 0;
}

int bus_read_prop_value(sd_bus_message *m, const Property *p, BusReadFlags flags, PropValue *ret,
                        char **ret_error) {
        _cleanup_(prop_value_done) PropValue v = {};
        char type;
        const char *contents;
        int r;

        if (!m || !p || !ret)
                return -EINVAL;

        /* Check the type first so a mismatch gets a message naming the property,
         * not sd-bus's bare -ENXIO. */
        r = sd_bus_message_peek_type(m, &type, &contents);
        if (r < 0)
                return r;
        bool match = r > 0 &&
                     (p->signature[1] == 0 ? type == p->signature[0]
                                           : type == 'a' && contents && streq(contents, p->signature + 1));
        if (!match) {
                set_error(ret_error, "Wrong D-Bus type for %s=: expected \"%s\", got \"%c%s\"", p->dbus_name,
                          p->signature, r > 0 ? type : '-', r > 0 && contents ? contents : "");
                return -ENXIO;
        }

        if (p->type == VT_OOM) {
                int32_t i;

                r = sd_bus_message_read(m, "i", &i);
                if (r < 0)
                        return r;
                if ((flags & BUS_READ_STRICT) && !property_i32_in_range(p, i)) {
                        set_error(ret_error, "Invalid %s= value %" PRIi32 ": out of range -1000…1000",
                                  p->dbus_name, i);
                        return -ERANGE;
                }
                v.i = i;
        } else if (p->type == VT_CPUSET) {
                r = read_cpuset(m, p, flags, &v, ret_error);
                if (r < 0)
                        return r;
        } else if (is_device_type(p->type)) {
                r = read_devices(m, p, flags, &v, ret_error);
                if (r < 0)
                        return r;
        } else {
                uint64_t u;

                r = sd_bus_message_read(m, "t", &u);
                if (r < 0)
                        return r;
                if ((flags & BUS_READ_STRICT) && u == p->dbus_reset)
                        v.reset = true;
                else {
                        if (flags & BUS_READ_STRICT) {
                                r = check_u64(p, u, ret_error);
                                if (r < 0)
                                        return r;
                        }
                        v.u = u;
                }
        }

        *ret = v;
        v = (PropValue){};
        return 0;
}

int bus_read_prop_variant(sd_bus_message *m, const Property *p, BusReadFlags flags, PropValue *ret,
                          char **ret_error) {
        char type;
        const char *contents;
        int r;

        if (!m || !p)
                return -EINVAL;
        r = sd_bus_message_peek_type(m, &type, &contents);
        if (r < 0)
                return r;
        if (r == 0 || type != 'v' || !contents || !streq(contents, p->signature)) {
                set_error(ret_error, "Wrong D-Bus type for %s=: expected variant of \"%s\", got \"%s\"",
                          p->dbus_name, p->signature, r > 0 && type == 'v' && contents ? contents : "?");
                return -ENXIO;
        }
        r = sd_bus_message_enter_container(m, 'v', contents);
        if (r < 0)
                return r;
        _cleanup_(prop_value_done) PropValue v = {};
        r = bus_read_prop_value(m, p, flags, &v, ret_error);
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        *ret = v;
        v = (PropValue){};
        return 0;
}

int bus_append_psi(sd_bus_message *m, const PsiStats *s) {
        static const PsiStats zero = {};

        if (!s)
                s = &zero;
        return sd_bus_message_append(m, "(dddt)", s->avg10 / 100.0, s->avg60 / 100.0, s->avg300 / 100.0,
                                     s->total);
}

int bus_read_psi(sd_bus_message *m, double *ret_avg10, double *ret_avg60, double *ret_avg300,
                 uint64_t *ret_total) {
        double a, b, c;
        uint64_t t;
        int r;

        r = sd_bus_message_read(m, "(dddt)", &a, &b, &c, &t);
        if (r < 0)
                return r;
        if (r == 0)
                return -ENXIO;
        if (ret_avg10)
                *ret_avg10 = a;
        if (ret_avg60)
                *ret_avg60 = b;
        if (ret_avg300)
                *ret_avg300 = c;
        if (ret_total)
                *ret_total = t;
        return 0;
}
