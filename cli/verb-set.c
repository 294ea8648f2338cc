/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* set-property, revert, reload: the verbs that change the daemon's state. */

#define _GNU_SOURCE

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "bus-errors.h"
#include "bus-value.h"
#include "parse-context.h"
#include "ctl.h"
#include "policy.h"
#include "property.h"
#include "resolve.h"
#include "suggest.h"
#include "verbs.h"

/* As check says it of a policy: the nearest name when it looks like a typo. */
static int unknown_property(const char *name) {
        const char *s = suggest_property_name(name);

        if (s)
                fprintf(stderr, "Unknown property \"%s\" (did you mean \"%s\"?).\n", name, s);
        else
                fprintf(stderr, "Unknown property \"%s\"; see systemd.resource-control(5) for the names.\n", name);
        return CTL_EXIT_FAILURE;
}

static bool relative_value(const Property *p, const char *text) {
        return (p->type == VT_SIZE || p->type == VT_TASKS) && strchr(text, '%');
}

static int layer_rank(const char *layer) {
        static const char *const names[] = {"none", "policy", "persistent", "runtime", "pressure", "hierarchy"};
        size_t n = strcspn(layer, ":");

        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (strlen(names[i]) == n && strncmp(layer, names[i], n) == 0)
                        return (int)i;
        return -1;
}

/* --dry-run: the unit must exist; show what each property is now and what it
 * would become, and whether a higher layer would still win. Nothing is sent
 * that changes state, so no authorization is needed. */
static int dry_run(sd_bus *bus, const char *unit, const Property **props, char **texts, size_t n) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *ex = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        const char *target = arg.runtime ? "runtime" : "persistent";
        int r;

        r = sd_bus_call_method(bus, CGPOLICY_BUS_NAME, CGPOLICY_MANAGER_PATH, CGPOLICY_MANAGER_INTERFACE,
                               "Explain", &error, &ex, "s", unit);
        if (r < 0)
                return ctl_fail(&error, r, "preview properties on %s", unit);

        r = sd_bus_message_enter_container(ex, 'a', "(ssss)");
        while (r >= 0) {
                const char *p, *v, *l, *a;

                r = sd_bus_message_read(ex, "(ssss)", &p, &v, &l, &a);
                if (r <= 0)
                        break;
                for (size_t i = 0; i < n; i++) {
                        if (!streq(props[i]->name, p))
                                continue;
                        printf("%s: %s (%s) → %s (%s)%s\n", p, *v ? v : "unset", l,
                               *texts[i] ? texts[i] : "reset", target,
                               layer_rank(l) > layer_rank(target) ? ", but the higher layer stays in force"
                                                                  : "");
                }
        }
        if (r < 0)
                return ctl_fail(NULL, r, "parse the explanation of %s", unit);
        printf("Dry run: nothing changed.\n");
        return CTL_EXIT_SUCCESS;
}

typedef struct Assignments {
        PropValue *v;
        size_t n;
} Assignments;

static void assignments_done(Assignments *a) {
        for (size_t i = 0; i < a->n; i++)
                prop_value_done(&a->v[i]);
        free(a->v);
}

int verb_set_property(int argc, char *argv[]) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ const Property **props = NULL;
        _cleanup_strv_free_ char **texts = NULL;
        _cleanup_(assignments_done) Assignments vals = {};
        _cleanup_free_ char *unit = NULL;
        size_t n = (size_t)argc - 2;
        ParseContext ctx;
        int r;

        r = ctl_mangle_unit(argv[1], "set-property", &unit);
        if (r != 0)
                return r;

        if (n > BUS_PROPERTIES_MAX) {
                fprintf(stderr, "Too many properties (%zu, at most %u).\n", n, BUS_PROPERTIES_MAX);
                return CTL_EXIT_FAILURE;
        }
        props = calloc(n, sizeof(Property *));
        texts = calloc(n + 1, sizeof(char *));
        vals.v = calloc(n, sizeof(PropValue));
        if (!props || !texts || !vals.v)
                return CTL_EXIT_FAILURE;

        /* Everything is checked here first, so a typo never reaches the daemon. */
        parse_context_from_system(&ctx);
        for (size_t i = 0; i < n; i++) {
                _cleanup_(prop_value_done) PropValue v = {};
                _cleanup_free_ char *name = NULL, *err = NULL;
                const char *a = argv[i + 2], *eq = strchr(a, '=');

                if (!eq || eq == a) {
                        fprintf(stderr, "Invalid assignment \"%s\": expected PROPERTY=VALUE.\n", a);
                        return CTL_EXIT_FAILURE;
                }
                name = strndup(a, (size_t)(eq - a));
                if (!name)
                        return CTL_EXIT_FAILURE;
                props[i] = property_by_name(name);
                if (!props[i])
                        return unknown_property(name);
                if (!props[i]->runtime_settable) {
                        fprintf(stderr, "Property %s cannot be set at run time; set it in a policy.\n",
                                props[i]->name);
                        return CTL_EXIT_FAILURE;
                }
                if (arg.host && relative_value(props[i], eq + 1)) {
                        fprintf(stderr,
                                "Relative value \"%s\" for %s= cannot be resolved for a remote host; "
                                "give an absolute value.\n",
                                eq + 1, props[i]->name);
                        return CTL_EXIT_FAILURE;
                }
                r = prop_value_parse(props[i], eq + 1, &ctx, &v, &err);
                if (r < 0) {
                        if (err)
                                fprintf(stderr, "%s\n", err);
                        else
                                fprintf(stderr, "Invalid %s= value \"%s\": %s\n", props[i]->name, eq + 1,
                                        strerror(-r));
                        return CTL_EXIT_FAILURE;
                }
                r = prop_value_format(props[i], &v, &texts[i]);
                if (r < 0)
                        return CTL_EXIT_FAILURE;
                vals.v[vals.n++] = v;
                v = (PropValue){};
        }

        if (ctl_bus_open(&bus) < 0)
                return CTL_EXIT_FAILURE;

        if (arg.dry_run)
                return dry_run(bus, unit, props, texts, n);

        r = sd_bus_message_new_method_call(bus, &m, CGPOLICY_BUS_NAME, CGPOLICY_MANAGER_PATH,
                                           CGPOLICY_MANAGER_INTERFACE, "SetUnitProperties");
        if (r >= 0)
                r = sd_bus_message_append(m, "sb", unit, (int)arg.runtime);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "(sv)");
        /* Every assignment in order, as systemctl sends them: the daemon takes a
         * later one of the same property as systemd does (device lists gain
         * entries, an empty assignment clears them). */
        for (size_t i = 0; r >= 0 && i < vals.n; i++) {
                r = sd_bus_message_open_container(m, 'r', "sv");
                if (r >= 0)
                        r = sd_bus_message_append(m, "s", props[i]->dbus_name);
                if (r >= 0)
                        r = bus_append_prop_variant(m, props[i], &vals.v[i]);
                if (r >= 0)
                        r = sd_bus_message_close_container(m);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r < 0)
                return ctl_fail(NULL, r, "build the request for %s", unit);

        r = sd_bus_call(bus, m, 0, &error, NULL);
        if (r < 0)
                return ctl_fail(&error, r, "set properties on %s", unit);
        return CTL_EXIT_SUCCESS;
}

int verb_revert(int argc, char *argv[]) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *unit = NULL;
        int r;

        r = ctl_mangle_unit(argv[1], "revert", &unit);
        if (r != 0)
                return r;
        for (int i = 2; i < argc; i++)
                if (!property_by_name(argv[i]))
                        return unknown_property(argv[i]);

        if (ctl_bus_open(&bus) < 0)
                return CTL_EXIT_FAILURE;
        r = sd_bus_message_new_method_call(bus, &m, CGPOLICY_BUS_NAME, CGPOLICY_MANAGER_PATH,
                                           CGPOLICY_MANAGER_INTERFACE, "RevertUnitProperties");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", unit);
        if (r >= 0)
                r = sd_bus_message_append_strv(m, argv + 2);
        if (r < 0)
                return ctl_fail(NULL, r, "build the request for %s", unit);
        r = sd_bus_call(bus, m, 0, &error, NULL);
        if (r < 0)
                return ctl_fail(&error, r, "revert properties of %s", unit);
        return CTL_EXIT_SUCCESS;
}

int verb_reload(int argc, char *argv[]) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        if (ctl_bus_open(&bus) < 0)
                return CTL_EXIT_FAILURE;
        r = sd_bus_call_method(bus, CGPOLICY_BUS_NAME, CGPOLICY_MANAGER_PATH, CGPOLICY_MANAGER_INTERFACE,
                               "Reload", &error, NULL, NULL);
        if (r < 0 && sd_bus_error_has_name(&error, BUS_ERROR_POLICY_INVALID) && error.message &&
            strchr(error.message, '\n')) {
                /* "what happened:\nfile:line:column: message\n...": each problem on
                 * a line of its own, as check prints them */
                const char *nl = strchr(error.message, '\n');
                fprintf(stderr, "Failed to reload policies: %.*s\n%s\n", (int)(nl - error.message),
                        error.message, nl + 1);
                return CTL_EXIT_FAILURE;
        }
        if (r < 0)
                return ctl_fail(&error, r, "reload policies");
        return CTL_EXIT_SUCCESS;
}
