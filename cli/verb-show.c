/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* show and explain: one unit's values, and where each comes from. */

#define _GNU_SOURCE

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "bus-errors.h"
#include "bus-value.h"
#include "ctl.h"
#include "property.h"
#include "ctl-unit.h"
#include "table.h"
#include "show-format.h"
#include "suggest.h"
#include "unit-name.h"
#include "verbs.h"

/* What show prints besides the table properties (and their Effective values). */
static const char *const show_extra[] = {"Id",           "ControlGroup",   "Class",       "Policies",
                                         "MemoryCurrent", "MemoryPressure", "CPUPressure", "IOPressure",
                                         "Throttled"};

/* A -p name as show prints it: the unit-file name for table properties (the
 * D-Bus name works too, "CPUQuotaPerSecUSec" is "CPUQuota"), with or without
 * "Effective". NULL when show has no such property. */
static char *canonical_key(const char *name) {
        const char *base = strncmp(name, "Effective", 9) == 0 ? name + 9 : name;
        const Property *p = property_by_name(base);
        char *s = NULL;

        if (p)
                return asprintf(&s, "%s%s", base != name ? "Effective" : "", p->name) < 0 ? NULL : s;
        for (size_t i = 0; i < ELEMENTSOF(show_extra); i++)
                if (streq(name, show_extra[i]))
                        return strdup(name);
        return NULL;
}

static bool wanted(const char *key) {
        if (!arg.properties)
                return true;
        for (char **i = arg.properties; *i; i++) {
                _cleanup_free_ char *k = canonical_key(*i);
                if (streq_ptr(k, key))
                        return true;
        }
        return false;
}

/* Refuses -p names that show does not have, before anything is sent. */
static int check_property_args(void) {
        for (char **i = arg.properties; i && *i; i++) {
                _cleanup_free_ char *k = canonical_key(*i);
                if (k)
                        continue;
                const char *base = strncmp(*i, "Effective", 9) == 0 ? *i + 9 : *i;
                const char *s = suggest_property_name(base);
                if (!s)
                        s = suggest_name(*i, show_extra, ELEMENTSOF(show_extra));
                if (s)
                        fprintf(stderr, "Unknown property \"%s\" for show (did you mean \"%s%s\"?).\n", *i,
                                base != *i && suggest_property_name(base) ? "Effective" : "", s);
                else
                        fprintf(stderr, "Unknown property \"%s\" for show; see cgpolicyctl show UNIT for the names.\n",
                                *i);
                return CTL_EXIT_FAILURE;
        }
        return 0;
}

/* One NAME=VALUE line per line of value, or the bare value with --value. */
static void put(const char *key, const char *value) {
        const char *v = value ?: "";

        if (!wanted(key))
                return;
        do {
                size_t n = strcspn(v, "\n");
                if (arg.value)
                        printf("%.*s\n", (int)n, v);
                else
                        printf("%s=%.*s\n", key, (int)n, v);
                v += n;
        } while (*v++ == '\n');
}

/* EffectiveX as show prints it: "" when the daemon has not read it. */
static int effective_show(sd_bus_message *all, const Property *p, char **ret) {
        _cleanup_(prop_value_done) PropValue v = {};
        int r;

        r = effective_read(all, p, &v);
        if (r < 0)
                return r;
        if (r == 0)
                return (*ret = strdup("")) ? 0 : -ENOMEM;
        return show_format_value(p, &v, ret);
}

static int show_text(const char *name, UnitData *d) {
        static const char *const strings[] = {"Id", "ControlGroup", "Class"};
        int r;

        for (size_t i = 0; i < ELEMENTSOF(strings); i++) {
                const char *s = "";
                r = ctl_find_property(d->all, strings[i]);
                if (r > 0 && (r = sd_bus_message_read(d->all, "s", &s)) >= 0)
                        r = ctl_exit_property(d->all);
                if (r < 0)
                        return r;
                put(strings[i], s);
        }

        r = ctl_find_property(d->all, "Policies");
        if (r > 0) {
                _cleanup_free_ char *joined = strdup("");
                const char *s;
                r = sd_bus_message_enter_container(d->all, 'a', "s");
                while (r >= 0 && joined && (r = sd_bus_message_read(d->all, "s", &s)) > 0) {
                        char *n;
                        if (asprintf(&n, "%s%s%s", joined, *joined ? " " : "", s) < 0)
                                return -ENOMEM;
                        free(joined);
                        joined = n;
                }
                if (!joined)
                        return -ENOMEM;
                if (r >= 0)
                        r = sd_bus_message_exit_container(d->all);
                if (r >= 0)
                        r = ctl_exit_property(d->all);
                put("Policies", joined);
        }
        if (r < 0)
                return r;

        for (PropertyId id = 0; id < _PROP_MAX; id++) {
                const Property *p = property_get(id);
                _cleanup_free_ char *want = NULL, *eff = NULL, *key = NULL;

                r = show_format_text(p, d->rows[id].value, &want);
                if (r >= 0)
                        r = effective_show(d->all, p, &eff);
                if (r < 0)
                        return r;
                if (asprintf(&key, "Effective%s", p->name) < 0)
                        return -ENOMEM;
                put(p->name, want);
                put(key, eff);
        }

        uint64_t cur = UINT64_MAX;
        r = ctl_find_property(d->all, "MemoryCurrent");
        if (r > 0 && (r = sd_bus_message_read(d->all, "t", &cur)) >= 0)
                r = ctl_exit_property(d->all);
        if (r < 0)
                return r;
        /* bytes, and "[not set]" when unknown, as systemctl show */
        char buf[32];
        snprintf(buf, sizeof buf, "%" PRIu64, cur);
        put("MemoryCurrent", cur == UINT64_MAX ? "[not set]" : buf);

        static const char *const psi[] = {"MemoryPressure", "CPUPressure", "IOPressure"};
        for (size_t i = 0; i < ELEMENTSOF(psi); i++) {
                double a, b, c;
                uint64_t t;
                char line[128];
                r = ctl_find_property(d->all, psi[i]);
                if (r <= 0) {
                        if (r < 0)
                                return r;
                        continue;
                }
                r = bus_read_psi(d->all, &a, &b, &c, &t);
                if (r >= 0)
                        r = ctl_exit_property(d->all);
                if (r < 0)
                        return r;
                snprintf(line, sizeof line, "avg10=%.2f avg60=%.2f avg300=%.2f total=%" PRIu64, a, b, c, t);
                put(psi[i], line);
        }

        int throttled = 0;
        r = ctl_find_property(d->all, "Throttled");
        if (r > 0 && (r = sd_bus_message_read(d->all, "b", &throttled)) >= 0)
                r = ctl_exit_property(d->all);
        if (r < 0)
                return r;
        put("Throttled", throttled ? "yes" : "no");
        return 0;
}

static int json_put_variant(json_t *o, sd_bus_message *all, const char *key) {
        const char *sig;
        int r;

        if (!wanted(key))
                return 0;
        r = ctl_find_property_full(all, key, &sig);
        if (r <= 0)
                return r;
        json_t *v = ctl_variant_to_json(all, sig);
        if (!v)
                return -EBADMSG;
        json_object_set_new(o, key, v);
        return ctl_exit_property(all);
}

/* The same keys as the text output; table properties in policy syntax. */
static int show_json(UnitData *d, json_t **ret) {
        static const char *const head[] = {"Id", "ControlGroup", "Class", "Policies"};
        static const char *const tail[] = {"MemoryCurrent", "MemoryPressure", "CPUPressure", "IOPressure",
                                           "Throttled"};
        json_t *o = json_object();
        int r = 0;

        if (!o)
                return -ENOMEM;
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(head); i++)
                r = json_put_variant(o, d->all, head[i]);
        for (PropertyId id = 0; r >= 0 && id < _PROP_MAX; id++) {
                const Property *p = property_get(id);
                _cleanup_free_ char *eff = NULL, *key = NULL;

                r = effective_text(d->all, p, &eff);
                if (r < 0)
                        break;
                if (asprintf(&key, "Effective%s", p->name) < 0) {
                        r = -ENOMEM;
                        break;
                }
                if (wanted(p->name))
                        json_object_set_new(o, p->name, json_string(d->rows[id].value ?: ""));
                if (wanted(key))
                        json_object_set_new(o, key, json_string(eff));
        }
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(tail); i++)
                r = json_put_variant(o, d->all, tail[i]);
        if (r < 0) {
                json_decref(o);
                return r;
        }
        *ret = o;
        return 0;
}

static int show_one(sd_bus *bus, const char *name, json_t *arr, bool first) {
        _cleanup_(unit_data_done) UnitData d = {};
        int r;

        r = unit_fetch(bus, name, &d);
        if (r != CTL_EXIT_SUCCESS)
                return r;
        if (arr) {
                json_t *o;
                r = show_json(&d, &o);
                if (r < 0)
                        return ctl_fail(NULL, r, "parse properties of %s", name);
                json_array_append_new(arr, o);
                return CTL_EXIT_SUCCESS;
        }
        /* As systemctl show: a blank line between units. */
        if (!first)
                putchar('\n');
        r = show_text(name, &d);
        if (r < 0)
                return ctl_fail(NULL, r, "parse properties of %s", name);
        return CTL_EXIT_SUCCESS;
}

int verb_show(int argc, char *argv[]) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_strv_free_ char **args = NULL, **names = NULL;
        json_t *arr = NULL;
        int r, ret = CTL_EXIT_SUCCESS;
        bool first = true;

        r = check_property_args();
        if (r != 0)
                return r;
        r = ctl_mangle_units(argv + 1, (size_t)argc - 1, true, "show", &args);
        if (r != 0)
                return r;
        if (ctl_bus_open(&bus) < 0)
                return CTL_EXIT_FAILURE;
        r = ctl_expand_units(bus, args, &names);
        if (r != 0)
                return r;

        /* One unit: one object, as before; several: an array. */
        if (arg.json != JSON_OFF && !(arr = json_array()))
                return CTL_EXIT_FAILURE;
        if (!arr)
                ctl_pager_open();
        for (char **n = names; *n; n++) {
                r = show_one(bus, *n, arr, first);
                if (r != CTL_EXIT_SUCCESS && ret == CTL_EXIT_SUCCESS)
                        ret = r;
                first = first && r != CTL_EXIT_SUCCESS;
        }
        if (arr) {
                if (json_array_size(arr) == 1 && names[0] && !names[1] && !unit_name_is_glob(args[0])) {
                        json_t *o = json_incref(json_array_get(arr, 0));
                        json_decref(arr);
                        arr = o;
                }
                if (ctl_json_print(arr) < 0)
                        return CTL_EXIT_FAILURE;
        }
        return ret;
}

int verb_explain(int argc, char *argv[]) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(unit_data_done) UnitData d = {};
        _cleanup_(table_freep) Table *t = NULL;
        _cleanup_free_ char *name = NULL;
        json_t *arr = NULL;
        int r;

        r = ctl_mangle_unit(argv[1], "explain", &name);
        if (r != 0)
                return r;
        if (ctl_bus_open(&bus) < 0)
                return CTL_EXIT_FAILURE;
        r = unit_fetch(bus, name, &d);
        if (r != CTL_EXIT_SUCCESS)
                return r;

        t = table_new(5, "PROPERTY", "VALUE", "LAYER", "STATUS", "EFFECTIVE");
        if (!t || (arg.json != JSON_OFF && !(arr = json_array())))
                return CTL_EXIT_FAILURE;
        for (PropertyId id = 0; id < _PROP_MAX; id++) {
                const Property *p = property_get(id);
                ExplainRow *row = &d.rows[id];
                _cleanup_free_ char *eff = NULL;

                if (!row->layer)
                        continue;
                r = effective_text(d.all, p, &eff);
                if (r < 0) {
                        json_decref(arr);
                        return ctl_fail(NULL, r, "parse properties of %s", name);
                }
                if (arr) {
                        json_array_append_new(arr, json_pack("{s:s,s:s,s:s,s:s,s:s}", "Property", p->name,
                                                             "Value", row->value, "Layer", row->layer,
                                                             "Applied", row->applied, "Effective", eff));
                        continue;
                }
                table_add(t, p->name);
                table_add(t, *row->value ? row->value : "-");
                table_add(t, row->layer);
                table_add(t, row->applied);
                table_add(t, *eff ? eff : "-");
        }
        if (arr)
                return ctl_json_print(arr) < 0 ? CTL_EXIT_FAILURE : CTL_EXIT_SUCCESS;
        ctl_pager_open();
        table_print(t, !arg.no_legend);
        return CTL_EXIT_SUCCESS;
}
