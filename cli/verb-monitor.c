/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* monitor: prints the daemon's signals as they come, one line each. */

#define _GNU_SOURCE

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bus-errors.h"
#include "bus-value.h"
#include "ctl.h"
#include "ctl-unit.h"
#include "property.h"
#include "verbs.h"

/* The full local time of a line: "2026-12-03 06:15:46.123" for people, and
 * RFC 3339 with the offset, "2026-12-03T06:15:46.123456+00:00", in --json. */
static void timestamp(char *buf, size_t size, bool json) {
        struct timespec ts;
        struct tm tm;
        char off[8];

        clock_gettime(CLOCK_REALTIME, &ts);
        localtime_r(&ts.tv_sec, &tm);
        if (!json) {
                size_t n = strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm);
                snprintf(buf + n, size - n, ".%03ld", ts.tv_nsec / 1000000);
                return;
        }
        size_t n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
        strftime(off, sizeof off, "%z", &tm); /* +0000 → +00:00 */
        snprintf(buf + n, size - n, ".%06ld%.3s:%.2s", ts.tv_nsec / 1000, off, off + 3);
}

/* The unit-file name of a D-Bus property: CPUQuotaPerSecUSec → CPUQuota,
 * EffectiveCPUQuotaPerSecUSec → EffectiveCPUQuota; others as they are. */
static char *unit_file_name(const char *name) {
        bool eff = strncmp(name, "Effective", 9) == 0;
        const Property *p = property_by_dbus_name(eff ? name + 9 : name);
        char *s = NULL;

        if (!p)
                return strdup(name);
        return asprintf(&s, "%s%s", eff ? "Effective" : "", p->name) < 0 ? NULL : s;
}

/* The desired values of a unit as Explain gives them: "" when no layer sets
 * one, which the D-Bus value (systemd's reset, e.g. infinity) cannot tell
 * apart from a value set to infinity. NULL entries when the call failed. */
typedef struct Desired {
        char *text[_PROP_MAX];
        bool fetched;
} Desired;

static void desired_done(Desired *d) {
        for (size_t i = 0; i < _PROP_MAX; i++)
                free(d->text[i]);
}

static void desired_fetch(sd_bus *bus, const char *unit, Desired *d) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *ex = NULL;
        int r;

        d->fetched = true;
        if (!unit || sd_bus_call_method(bus, CGPOLICY_BUS_NAME, CGPOLICY_MANAGER_PATH, CGPOLICY_MANAGER_INTERFACE,
                                        "Explain", NULL, &ex, "s", unit) < 0)
                return;
        r = sd_bus_message_enter_container(ex, 'a', "(ssss)");
        while (r >= 0) {
                const char *p, *v, *l, *a;
                const Property *prop;
                r = sd_bus_message_read(ex, "(ssss)", &p, &v, &l, &a);
                if (r <= 0)
                        break;
                prop = property_by_name(p);
                if (prop && !d->text[prop->id])
                        d->text[prop->id] = strdup(desired_shown(prop, l, v));
        }
}

/* One changed property as text: table properties in policy syntax (a desired
 * value that no layer sets is "", as in show and explain), others as JSON. */
static char *changed_value(sd_bus_message *m, const char *unit, const char *name, const char *sig,
                           Desired *desired) {
        const char *base = strncmp(name, "Effective", 9) == 0 ? name + 9 : name;
        const Property *p = property_by_dbus_name(base);
        char *s = NULL;

        if (p && base == name && unit) {
                if (!desired->fetched)
                        desired_fetch(sd_bus_message_get_bus(m), unit, desired);
                if (desired->text[p->id]) {
                        if (sd_bus_message_skip(m, sig) < 0)
                                return NULL;
                        return strdup(desired->text[p->id]);
                }
        }
        if (p && streq(sig, p->signature)) {
                _cleanup_(prop_value_done) PropValue v = {};
                if (bus_read_prop_value(m, p, 0, &v, NULL) < 0)
                        return NULL;
                if (p->type == VT_WEIGHT && v.u == UINT64_MAX)
                        return strdup("");
                if (prop_value_format(p, &v, &s) < 0)
                        return NULL;
                return s;
        }
        json_t *j = ctl_variant_to_json(m, sig);
        if (!j)
                return NULL;
        s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
        json_decref(j);
        return s;
}

static int on_properties_changed(sd_bus_message *m, const char *unit, json_t *o, char **line) {
        const char *iface;
        int r;

        r = sd_bus_message_read(m, "s", &iface);
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        json_t *props = o ? json_object() : NULL;
        _cleanup_(desired_done) Desired desired = {};
        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                const char *k, *sig;
                char t;
                _cleanup_free_ char *v = NULL, *name = NULL;

                r = sd_bus_message_read(m, "s", &k);
                if (r >= 0)
                        r = sd_bus_message_peek_type(m, &t, &sig);
                if (r >= 0)
                        r = sd_bus_message_enter_container(m, 'v', sig);
                if (r < 0)
                        break;
                v = changed_value(m, unit, k, sig, &desired);
                name = unit_file_name(k);
                if (!v || !name) {
                        r = -EBADMSG;
                        break;
                }
                if (props)
                        json_object_set_new(props, name, json_string(v));
                else {
                        char *n;
                        if (asprintf(&n, "%s %s=%s", *line, name, v) < 0) {
                                r = -ENOMEM;
                                break;
                        }
                        free(*line);
                        *line = n;
                }
                r = sd_bus_message_exit_container(m);
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
                if (r < 0)
                        break;
        }
        if (o)
                json_object_set_new(o, "Changed", props);
        return r;
}

static int on_signal(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        const char *member = sd_bus_message_get_member(m), *path = sd_bus_message_get_path(m);
        _cleanup_free_ char *unit = NULL, *line = NULL;
        char ts[64];
        json_t *o = NULL;
        int r = 0;

        if (!member || !path)
                return 0;
        /* InterfacesAdded/Removed repeat UnitNew/UnitRemoved for ObjectManager clients. */
        if (streq_ptr(sd_bus_message_get_interface(m), "org.freedesktop.DBus.ObjectManager"))
                return 0;
        timestamp(ts, sizeof ts, arg.json != JSON_OFF);
        if (sd_bus_path_decode(path, CGPOLICY_UNIT_PATH_PREFIX, &unit) <= 0)
                unit = NULL;

        if (arg.json != JSON_OFF) {
                o = json_pack("{s:s,s:s,s:s}", "Time", ts, "Signal", member, "Path", path);
                if (!o)
                        return 0;
                json_object_set_new(o, "Unit", unit ? json_string(unit) : json_null());
        } else if (asprintf(&line, "%s %s%s%s", ts, member, unit ? " " : "", unit ?: "") < 0)
                return 0;

        if (streq(member, "PropertiesChanged"))
                r = on_properties_changed(m, unit, o, &line);
        else if (streq(member, "UnitNew") || streq(member, "UnitRemoved")) {
                const char *id, *p;
                r = sd_bus_message_read(m, "so", &id, &p);
                if (r > 0) {
                        if (o)
                                json_object_set_new(o, "Unit", json_string(id));
                        else {
                                free(line);
                                line = NULL;
                                if (asprintf(&line, "%s %s %s %s", ts, member, id, p) < 0)
                                        r = -ENOMEM;
                        }
                }
        } else if (streq(member, "Rebalanced") || streq(member, "Reasserted")) {
                const char *u, *p, *old, *new, *reason;
                r = sd_bus_message_read(m, "sssss", &u, &p, &old, &new, &reason);
                if (r > 0 && !*u && !*p) {
                        /* every unit at once (systemd reloaded) */
                        if (o) {
                                json_object_set_new(o, "Unit", json_null());
                                json_object_set_new(o, "Reason", json_string(reason));
                        } else {
                                free(line);
                                line = NULL;
                                if (asprintf(&line, "%s %s every unit: %s", ts, member, reason) < 0)
                                        r = -ENOMEM;
                        }
                } else if (r > 0) {
                        if (o) {
                                json_object_set_new(o, "Unit", json_string(u));
                                json_object_set_new(o, "Property", json_string(p));
                                json_object_set_new(o, "Old", json_string(old));
                                json_object_set_new(o, "New", json_string(new));
                                json_object_set_new(o, "Reason", json_string(reason));
                        } else {
                                free(line);
                                line = NULL;
                                if (asprintf(&line, "%s %s %s %s: %s → %s (%s)", ts, member, u, p, *old ? old : "\"\"",
                                             *new ? new : "\"\"", reason) < 0)
                                        r = -ENOMEM;
                        }
                }
        }
        if (r < 0) {
                /* A malformed signal is reported, not fatal. */
                fprintf(stderr, "Failed to parse %s signal: %s\n", member, strerror(-r));
                json_decref(o);
                return 0;
        }
        if (o)
                (void)ctl_json_print(o);
        else
                printf("%s\n", line);
        fflush(stdout);
        return 0;
}

int verb_monitor(int argc, char *argv[]) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r;

        if (ctl_bus_open(&bus) < 0)
                return CTL_EXIT_FAILURE;
        /* Everything the daemon broadcasts: its own signals and PropertiesChanged. */
        r = sd_bus_match_signal(bus, NULL, CGPOLICY_BUS_NAME, NULL, NULL, NULL, on_signal, NULL);
        if (r < 0)
                return ctl_fail(NULL, r, "subscribe to signals");
        if (!arg.no_legend && arg.json == JSON_OFF) {
                printf("Monitoring org.cgpolicy1, press ^C to stop.\n");
                fflush(stdout);
        }
        for (;;) {
                r = sd_bus_process(bus, NULL);
                if (r < 0)
                        return ctl_fail(NULL, r, "process bus messages");
                if (r > 0)
                        continue;
                r = sd_bus_wait(bus, UINT64_MAX);
                if (r < 0 && r != -EINTR)
                        return ctl_fail(NULL, r, "wait for bus messages");
        }
}
