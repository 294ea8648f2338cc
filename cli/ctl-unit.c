/* SPDX-License-Identifier: LGPL-2.1-or-later */

#define _GNU_SOURCE

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus-errors.h"
#include "bus-value.h"
#include "ctl-unit.h"

const char *desired_shown(const Property *p, const char *layer, const char *value) {
        if (!layer || streq(layer, "none"))
                return "";
        return value && *value ? value : p->default_text ?: "";
}

void unit_data_done(UnitData *d) {
        free(d->path);
        sd_bus_message_unref(d->all);
        for (size_t i = 0; i < _PROP_MAX; i++) {
                free(d->rows[i].value);
                free(d->rows[i].layer);
                free(d->rows[i].applied);
        }
}

/* GetUnit + GetAll + Explain; prints the failure and returns the exit code. */
int unit_fetch(sd_bus *bus, const char *name, UnitData *d) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL, *ex = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        const char *path;
        int r;

        r = sd_bus_call_method(bus, CGPOLICY_BUS_NAME, CGPOLICY_MANAGER_PATH, CGPOLICY_MANAGER_INTERFACE,
                               "GetUnit", &error, &reply, "s", name);
        if (r < 0)
                return ctl_fail(&error, r, "get unit %s", name);
        r = sd_bus_message_read(reply, "o", &path);
        if (r < 0)
                return ctl_fail(NULL, r, "get unit %s", name);
        d->path = strdup(path);
        if (!d->path)
                return CTL_EXIT_FAILURE;
        r = ctl_get_all(bus, path, CGPOLICY_UNIT_INTERFACE, &d->all, &error);
        if (r < 0)
                return ctl_fail(&error, r, "get properties of %s", name);
        r = sd_bus_call_method(bus, CGPOLICY_BUS_NAME, CGPOLICY_MANAGER_PATH, CGPOLICY_MANAGER_INTERFACE,
                               "Explain", &error, &ex, "s", name);
        if (r < 0)
                return ctl_fail(&error, r, "explain %s", name);
        r = sd_bus_message_enter_container(ex, 'a', "(ssss)");
        while (r >= 0) {
                const char *p, *v, *l, *a;
                const Property *prop;

                r = sd_bus_message_read(ex, "(ssss)", &p, &v, &l, &a);
                if (r <= 0)
                        break;
                prop = property_by_name(p);
                if (!prop) /* a newer daemon knows more properties: skip them */
                        continue;
                ExplainRow *row = &d->rows[prop->id];
                free(row->value);
                free(row->layer);
                free(row->applied);
                row->value = strdup(desired_shown(prop, l, v));
                row->layer = strdup(l);
                row->applied = strdup(a);
                if (!row->value || !row->layer || !row->applied)
                        return CTL_EXIT_FAILURE;
        }
        if (r < 0)
                return ctl_fail(NULL, r, "parse the explanation of %s", name);
        return CTL_EXIT_SUCCESS;
}

/* Reads EffectiveX into *v: 1 if the daemon has read it, 0 if not (v untouched). */
int effective_read(sd_bus_message *all, const Property *p, PropValue *v) {
        _cleanup_free_ char *name = NULL;
        int r;

        if (asprintf(&name, "Effective%s", p->dbus_name) < 0)
                return -ENOMEM;
        r = ctl_find_property(all, name);
        if (r <= 0)
                return r;
        r = bus_read_prop_value(all, p, 0, v, NULL);
        if (r < 0)
                return r;
        r = ctl_exit_property(all);
        return r < 0 ? r : 1;
}

/* EffectiveX as policy-syntax text; "" when the daemon has not read it. */
int effective_text(sd_bus_message *all, const Property *p, char **ret) {
        _cleanup_(prop_value_done) PropValue v = {};
        int r;

        r = effective_read(all, p, &v);
        if (r < 0)
                return r;
        /* UINT64_MAX is systemd's "unset" for weights. */
        if (r == 0 || (p->type == VT_WEIGHT && v.u == UINT64_MAX)) {
                *ret = strdup("");
                return *ret ? 0 : -ENOMEM;
        }
        return prop_value_format(p, &v, ret);
}

