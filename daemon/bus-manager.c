/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* org.cgpolicy1.Manager on /org/cgpolicy1. Every state-changing method runs in
 * the same order: validate all arguments → no-op check → authorize → change →
 * (the manager emits) → reply. A rejected call changes nothing. */

#include <errno.h>
#include <inttypes.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-bus.h>

#include "bus-errors.h"
#include "bus-unit.h"
#include "bus-value.h"
#include "bus-work.h"
#include "bus.h"
#include "clock.h"
#include "config.h"
#include "log.h"
#include "macro.h"
#include "metrics-daemon.h"
#include "polkit.h"
#include "ratelimit.h"

/* CheckPolicy parses up to this much JSON for root, and for everyone else a
 * tenth of it, at most CHECK_POLICY_BURST calls at once and CHECK_POLICY_PER_SEC a
 * second per uid: a parse of 1 MiB takes tens of ms, and calls are answered in
 * order, so 64 of them queued made an admin's GetUnit wait for seconds. */
#define CHECK_POLICY_MAX (1024U * 1024U)
#define CHECK_POLICY_MAX_UNPRIVILEGED (64U * 1024U)
#define CHECK_POLICY_BURST 8U
#define CHECK_POLICY_PER_SEC 4U

static const char *strempty(const char *s) {
        return s ?: "";
}

static const sd_bus_error_map cgpolicy_errors[] = {
        SD_BUS_ERROR_MAP(BUS_ERROR_NO_SUCH_UNIT, ENOENT),
        SD_BUS_ERROR_MAP(BUS_ERROR_INVALID_PROPERTY, ENXIO),
        SD_BUS_ERROR_MAP(BUS_ERROR_INVALID_VALUE, EINVAL),
        SD_BUS_ERROR_MAP(BUS_ERROR_NOT_RUNTIME_SETTABLE, EPERM),
        SD_BUS_ERROR_MAP(BUS_ERROR_POLICY_INVALID, EBADMSG),
        SD_BUS_ERROR_MAP(BUS_ERROR_ACCESS_DENIED, EACCES),
        SD_BUS_ERROR_MAP_END,
};

static PolkitRegistry **polkit_registry(Manager *m) {
        return (PolkitRegistry **)&m->bus_data.polkit;
}

/* Unit name checks shared by every method taking one. */
static int lookup_unit(Manager *m, const char *name, Unit **ret, sd_bus_error *error) {
        Unit *u;
        size_t n = strlen(name);

        if (n == 0)
                return sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS, "Unit name is empty.");
        if (n > BUS_NAME_MAX)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "Unit name is too long (%zu characters, at most %u).", n,
                                         BUS_NAME_MAX);
        u = manager_get_unit(m, name);
        if (!u)
                return sd_bus_error_setf(error, BUS_ERROR_NO_SUCH_UNIT,
                                         "Unit %s is not managed by cgpolicyd.", name);
        *ret = u;
        return 0;
}

static int lookup_property(const Unit *u, const char *name, const Property **ret, sd_bus_error *error) {
        size_t n = strlen(name);
        const Property *p;

        if (n > BUS_NAME_MAX)
                return sd_bus_error_setf(
                        error, SD_BUS_ERROR_INVALID_ARGS,
                        "Property name is too long (%zu characters, at most %u) for unit %s.", n,
                        BUS_NAME_MAX, u->name);
        p = property_by_name(name);
        if (!p)
                return sd_bus_error_setf(error, BUS_ERROR_INVALID_PROPERTY,
                                         "Unknown property \"%s\" for unit %s.", name, u->name);
        *ret = p;
        return 0;
}

static int error_from_errno(sd_bus_error *error, int r, const char *unit, const char *msg,
                            const char *what) {
        if (r == -ENOENT)
                return sd_bus_error_setf(error, BUS_ERROR_NO_SUCH_UNIT, "Unit %s: %s", unit,
                                         msg ?: "not managed by cgpolicyd");
        if (r == -EINVAL && msg)
                return sd_bus_error_setf(error, BUS_ERROR_INVALID_PROPERTY, "Unit %s: %s", unit, msg);
        return sd_bus_error_setf(error, SD_BUS_ERROR_FAILED, "Failed to %s %s: %s", what, unit,
                                 msg ?: strerror(-r));
}

static int method_list_units(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Manager *m = userdata;
        Unit *u;
        int r;

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "(ssso)");
        if (r < 0)
                return r;
        MANAGER_FOREACH_UNIT(u, m) {
                _cleanup_free_ char *pol = NULL;

                if (!u->object_path)
                        continue;
                r = bus_unit_policies_joined(u, &pol);
                if (r < 0)
                        return r;
                r = sd_bus_message_append(reply, "(ssso)", u->name, strna(policy_class_to_string(u->class)),
                                          pol, u->object_path);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_get_unit(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *name;
        Unit *u;
        int r;

        r = sd_bus_message_read(msg, "s", &name);
        if (r < 0)
                return r;
        r = lookup_unit(m, name, &u, error);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(msg, "o", u->object_path);
}

static int method_explain(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Manager *m = userdata;
        const char *name;
        Unit *u;
        int r;

        r = sd_bus_message_read(msg, "s", &name);
        if (r < 0)
                return r;
        r = lookup_unit(m, name, &u, error);
        if (r < 0)
                return r;

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "(ssss)");
        if (r < 0)
                return r;
        for (PropertyId id = 0; id < _PROP_MAX; id++) {
                const ResolvedProp *rp = &u->resolved.props[id];
                const UnitProp *up = &u->props[id];
                _cleanup_free_ char *layer = NULL, *applied = NULL;

                /* layer: "policy:NAME" names the policy that won; applied: the
                 * apply status, with the reason when the cgroup does not hold it. */
                if (asprintf(&layer, "%s%s%s", layer_to_string(rp->layer), rp->source ? ":" : "",
                             rp->source ?: "") < 0)
                        return -ENOMEM;
                if (asprintf(&applied, "%s%s%s", apply_status_to_string(up->status), up->reason ? ": " : "",
                             up->reason ?: "") < 0)
                        return -ENOMEM;
                r = sd_bus_message_append(
                        reply, "(ssss)", property_get(id)->name,
                        rp->layer != LAYER_NONE && up->desired_text ? up->desired_text : "", layer, applied);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

/* An authorized costly call goes to its caller's queue (bus-work.c) instead of
 * running now, so that a flood from one caller does not hold up the others.
 * Takes userdata; on a refusal it is freed here. */
static int queue_run(Manager *m, sd_bus_message *msg, polkit_run_t run, void *userdata,
                     void (*free_userdata)(void *), sd_bus_error *error) {
        BusWork **w = (BusWork **)&m->bus_data.work;
        int r;

        r = bus_work_submit(w, m->event, msg, run, userdata, free_userdata, error);
        if (r < 0) {
                if (free_userdata)
                        free_userdata(userdata);
                return r;
        }
        return 1;
}

static bool caller_has_queued(Manager *m, sd_bus_message *msg) {
        return bus_work_queued_for(m->bus_data.work, sd_bus_message_get_sender(msg)) > 0;
}

/* Whether assigning set (device lists add entries) would leave the layer as it is. */
static bool layer_holds(const PropSet *layer, const PropSet *set, const bool *replace) {
        _cleanup_(prop_set_done) PropSet merged = {};

        if (prop_set_copy(&merged, layer) < 0 || prop_set_assign(&merged, set, replace) < 0)
                return false;
        for (PropertyId id = 0; id < _PROP_MAX; id++) {
                if (!set->has[id])
                        continue;
                if (!layer->has[id] || !prop_value_equal(property_get(id), &layer->v[id], &merged.v[id]))
                        return false;
        }
        return true;
}

/* What a SetUnitProperties call asks for, parsed: all that is kept while polkit thinks. */
typedef struct SetRequest {
        Manager *manager;
        char *name;
        bool runtime;
        PropSet set;
        bool replace[_PROP_MAX]; /* the call cleared this device list before adding to it */
        char *names;             /* D-Bus names, comma-separated, for polkit and the log */
} SetRequest;

static void set_request_free(void *p) {
        SetRequest *req = p;

        if (!req)
                return;
        free(req->name);
        prop_set_done(&req->set);
        free(req->names);
        free(req);
}

static void set_request_freep(SetRequest **p) {
        set_request_free(*p);
}

/* The caller learns when what it set did not take (issue 9 item 7): the
 * override is saved and will be retried, but success would be a lie. A
 * systemd apply still in flight (pending) is not known to have failed. */
static int reply_set_result(SetRequest *req, sd_bus_message *reply_to, sd_bus_error *error) {
        _cleanup_free_ char *why = NULL;
        Unit *u = manager_get_unit(req->manager, req->name);

        for (PropertyId id = 0; u && id < _PROP_MAX; id++) {
                const UnitProp *up = &u->props[id];
                char *n = NULL;

                if (!req->set.has[id] || up->status != APPLY_NOT_APPLIED)
                        continue;
                if (asprintf(&n, "%s%s%s=%s: %s", why ?: "", why ? "; " : "", property_get(id)->name,
                             strna(up->desired_text), strna(up->reason)) < 0)
                        return -ENOMEM;
                free(why);
                why = n;
        }
        if (!why)
                return sd_bus_reply_method_return(reply_to, NULL);
        log_warning("%s: %s override saved but not applied: %s", req->name, req->runtime ? "runtime" : "persistent",
                    why);
        return sd_bus_error_setf(error, BUS_ERROR_NOT_APPLIED,
                                 "Unit %s: saved as a %s override, but not applied: %s (retried later).", req->name,
                                 req->runtime ? "runtime" : "persistent", why);
}

static int set_request_run(sd_bus_message *reply_to, void *userdata, sd_bus_error *error) {
        SetRequest *req = userdata;
        _cleanup_free_ char *err = NULL;
        int r;

        /* the unit may have gone while polkit thought: this looks it up again */
        r = manager_set_unit_properties(req->manager, req->name, req->runtime, &req->set, req->replace,
                                        &err);
        if (r < 0) {
                log_info("Setting properties on %s failed: %s", req->name, err ?: strerror(-r));
                return error_from_errno(error, r, req->name, err, "set properties on");
        }
        log_info("Set %s%s on %s", req->names, req->runtime ? " (runtime)" : "", req->name);
        return reply_set_result(req, reply_to, error);
}

static int method_set_unit_properties(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(set_request_freep) SetRequest *req = NULL;
        _cleanup_(prop_set_done) PropSet set = {};
        _cleanup_free_ char *names = NULL, *err = NULL;
        bool replace[_PROP_MAX] = {};
        size_t n = 0, names_len = 0, n_devs = 0;
        Manager *m = userdata;
        const char *name;
        int runtime, r;
        Unit *u;

        r = sd_bus_message_read(msg, "sb", &name, &runtime);
        if (r < 0)
                return r;
        r = lookup_unit(m, name, &u, error);
        if (r < 0)
                return r;

        r = sd_bus_message_enter_container(msg, 'a', "(sv)");
        if (r < 0)
                return r;
        for (;;) {
                _cleanup_(prop_value_done) PropValue v = {};
                const Property *p;
                const char *pname;

                r = sd_bus_message_enter_container(msg, 'r', "sv");
                if (r < 0)
                        return r;
                if (r == 0)
                        break;
                if (++n > BUS_PROPERTIES_MAX)
                        return sd_bus_error_setf(error, SD_BUS_ERROR_LIMITS_EXCEEDED,
                                                 "Too many properties for unit %s in one call (at most %u).",
                                                 name, BUS_PROPERTIES_MAX);
                r = sd_bus_message_read(msg, "s", &pname);
                if (r < 0)
                        return r;
                r = lookup_property(u, pname, &p, error);
                if (r < 0)
                        return r;
                if (!p->runtime_settable)
                        return sd_bus_error_setf(
                                error, BUS_ERROR_NOT_RUNTIME_SETTABLE,
                                "Property %s cannot be set at run time on unit %s (only policies "
                                "set it).",
                                p->name, name);

                free(err);
                err = NULL;
                r = bus_read_prop_variant(msg, p, BUS_READ_STRICT, &v, &err);
                if (r == -ENXIO)
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Unit %s: %s", name,
                                                 err ?: "wrong D-Bus type");
                if (r == -EINVAL || r == -ERANGE || r == -E2BIG)
                        return sd_bus_error_setf(error, BUS_ERROR_INVALID_VALUE, "Unit %s: %s", name,
                                                 err ?: "invalid value");
                if (r < 0)
                        return r;
                n_devs += v.n_devs;
                if (n_devs > BUS_CALL_DEVICES_MAX)
                        return sd_bus_error_setf(error, SD_BUS_ERROR_LIMITS_EXCEEDED,
                                                 "Too many devices for unit %s in one call (at most %u).", name,
                                                 BUS_CALL_DEVICES_MAX);
                r = sd_bus_message_exit_container(msg);
                if (r < 0)
                        return r;

                /* polkit details: the D-Bus names, comma-separated, each once. */
                if (!set.has[p->id]) {
                        size_t l = strlen(p->dbus_name);
                        char *nn = realloc(names, names_len + l + 2);
                        if (!nn)
                                return -ENOMEM;
                        names = nn;
                        if (names_len > 0)
                                names[names_len++] = ',';
                        memcpy(names + names_len, p->dbus_name, l + 1);
                        names_len += l;
                }
                /* Assignments in order, as systemd takes them: one of a device list
                 * adds or updates entries, an empty one clears the list. */
                if (v.reset || v.n_devs == 0)
                        replace[p->id] = true;
                if (set.has[p->id]) {
                        r = prop_value_assign(p, &set.v[p->id], true, &v);
                        if (r < 0)
                                return r;
                } else {
                        prop_set_put(&set, p->id, &v);
                        if (!set.has[p->id])
                                return -ENOMEM;
                }
        }
        r = sd_bus_message_exit_container(msg);
        if (r < 0)
                return r;
        if (n == 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "No properties given for unit %s.", name);

        /* Nothing would change: succeed without asking anyone (unless calls of this
         * caller are still queued: this one would be judged on the state before them). */
        if (!caller_has_queued(m, msg) && layer_holds(runtime ? &u->runtime : &u->persistent, &set, replace))
                return sd_bus_reply_method_return(msg, NULL);

        req = calloc(1, sizeof(*req));
        if (!req)
                return -ENOMEM;
        req->manager = m;
        req->runtime = runtime;
        req->set = set;
        set = (PropSet){};
        memcpy(req->replace, replace, sizeof(replace));
        req->name = strdup(name);
        if (!req->name)
                return -ENOMEM;
        req->names = TAKE_PTR(names);

        const char *details[] = {"unit", req->name, "property", req->names, NULL};
        r = polkit_authorize(msg, POLKIT_ACTION_MANAGE, details, polkit_registry(m), set_request_run, req,
                             set_request_free, error);
        if (r < 0)
                return r;
        if (r == 0) {
                req = NULL; /* the registry's now */
                return 1;
        }
        log_debug("Queued %s%s on %s", req->names, runtime ? " (runtime)" : "", req->name);
        return queue_run(m, msg, set_request_run, TAKE_PTR(req), set_request_free, error);
}

typedef struct RevertRequest {
        Manager *manager;
        char *name;
        char **props; /* NULL: every override */
        char *names;
} RevertRequest;

static void revert_request_free(void *p) {
        RevertRequest *req = p;

        if (!req)
                return;
        free(req->name);
        strv_freep(&req->props);
        free(req->names);
        free(req);
}

static void revert_request_freep(RevertRequest **p) {
        revert_request_free(*p);
}

static int revert_request_run(sd_bus_message *reply_to, void *userdata, sd_bus_error *error) {
        RevertRequest *req = userdata;
        _cleanup_free_ char *err = NULL;
        int r;

        r = manager_revert_unit_properties(req->manager, req->name, req->props, &err);
        if (r < 0)
                return error_from_errno(error, r, req->name, err, "revert properties of");
        log_info("Reverted %s on %s", req->props ? req->names : "all overrides", req->name);
        return sd_bus_reply_method_return(reply_to, NULL);
}

static int method_revert_unit_properties(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(revert_request_freep) RevertRequest *req = NULL;
        _cleanup_strv_free_ char **props = NULL;
        _cleanup_free_ char *err = NULL, *names = NULL;
        Manager *m = userdata;
        const char *name;
        size_t n = 0, names_len = 0;
        bool any = false;
        Unit *u;
        int r;

        r = sd_bus_message_read(msg, "s", &name);
        if (r < 0)
                return r;
        r = lookup_unit(m, name, &u, error);
        if (r < 0)
                return r;

        props = calloc(BUS_PROPERTIES_MAX + 1, sizeof(char *));
        if (!props)
                return -ENOMEM;
        r = sd_bus_message_enter_container(msg, 'a', "s");
        if (r < 0)
                return r;
        for (;;) {
                const Property *p;
                const char *pname;

                r = sd_bus_message_read(msg, "s", &pname);
                if (r < 0)
                        return r;
                if (r == 0)
                        break;
                if (n >= BUS_PROPERTIES_MAX)
                        return sd_bus_error_setf(error, SD_BUS_ERROR_LIMITS_EXCEEDED,
                                                 "Too many properties for unit %s in one call (at most %u).",
                                                 name, BUS_PROPERTIES_MAX);
                r = lookup_property(u, pname, &p, error);
                if (r < 0)
                        return r;
                props[n] = strdup(p->name);
                if (!props[n])
                        return -ENOMEM;
                n++;
                if (u->persistent.has[p->id] || u->runtime.has[p->id])
                        any = true;

                size_t l = strlen(p->dbus_name);
                char *nn = realloc(names, names_len + l + 2);
                if (!nn)
                        return -ENOMEM;
                names = nn;
                if (names_len > 0)
                        names[names_len++] = ',';
                memcpy(names + names_len, p->dbus_name, l + 1);
                names_len += l;
        }
        r = sd_bus_message_exit_container(msg);
        if (r < 0)
                return r;
        if (n == 0)
                for (PropertyId id = 0; id < _PROP_MAX; id++)
                        if (u->persistent.has[id] || u->runtime.has[id])
                                any = true;

        /* No override to drop: nothing to do, nothing to authorize. */
        if (!any && !caller_has_queued(m, msg))
                return sd_bus_reply_method_return(msg, NULL);

        req = calloc(1, sizeof(*req));
        if (!req)
                return -ENOMEM;
        req->manager = m;
        req->name = strdup(name);
        req->names = strdup(names ?: "");
        if (!req->name || !req->names)
                return -ENOMEM;
        if (n > 0)
                req->props = TAKE_PTR(props);

        const char *details[] = {"unit", req->name, "property", req->names, NULL};
        r = polkit_authorize(msg, POLKIT_ACTION_MANAGE, details, polkit_registry(m), revert_request_run, req,
                             revert_request_free, error);
        if (r < 0)
                return r;
        if (r == 0) {
                req = NULL;
                return 1;
        }
        return queue_run(m, msg, revert_request_run, TAKE_PTR(req), revert_request_free, error);
}

static int join_diags(const Diags *d, char **ret) {
        size_t len = 1;
        char *s;

        char **lines = calloc(d->n + 1, sizeof(char *));
        if (!lines)
                return -ENOMEM;
        for (size_t i = 0; i < d->n; i++) {
                lines[i] = diag_format(&d->items[i]);
                if (!lines[i]) {
                        strv_freep(&lines);
                        return -ENOMEM;
                }
                len += strlen(lines[i]) + 2;
        }
        s = malloc(len);
        if (!s) {
                strv_freep(&lines);
                return -ENOMEM;
        }
        *s = 0;
        char *p = s;
        for (size_t i = 0; i < d->n; i++)
                p = stpcpy(stpcpy(p, i > 0 ? "\n" : ""), lines[i]);
        strv_freep(&lines);
        *ret = s;
        return 0;
}

static int reload_run(sd_bus_message *reply_to, void *userdata, sd_bus_error *error) {
        _cleanup_(diags_done) Diags diags = {};
        Manager *m = userdata;
        int r;

        r = manager_reload(m, &diags);
        if (r < 0) {
                _cleanup_free_ char *text = NULL;

                if (diags.n > 0 && join_diags(&diags, &text) >= 0)
                        return sd_bus_error_setf(
                                error, BUS_ERROR_POLICY_INVALID,
                                "Policies not reloaded, the previous ones stay in force:\n%s", text);
                return sd_bus_error_setf(error, SD_BUS_ERROR_FAILED, "Failed to reload policies: %s",
                                         strerror(-r));
        }
        return sd_bus_reply_method_return(reply_to, NULL);
}

static int method_reload(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        int r;

        const char *details[] = {"unit", "", "property", "", NULL};
        r = polkit_authorize(msg, POLKIT_ACTION_MANAGE, details, polkit_registry(m), reload_run, m, NULL,
                             error);
        if (r <= 0)
                return r < 0 ? r : 1;
        return queue_run(m, msg, reload_run, m, NULL, error);
}

static int caller_uid(sd_bus_message *msg, uid_t *ret) {
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        int r;

        r = sd_bus_query_sender_creds(msg, SD_BUS_CREDS_EUID | SD_BUS_CREDS_UID, &creds);
        if (r < 0)
                return r;
        r = sd_bus_creds_get_euid(creds, ret);
        if (r < 0)
                r = sd_bus_creds_get_uid(creds, ret);
        return r;
}

/* Whether an unprivileged uid may have one more CheckPolicy now. Refusals are
 * logged at most once per CHECK_POLICY_LOG_USEC, with the count since the last
 * line, however slowly the flood comes in. */
#define CHECK_POLICY_LOG_USEC (30 * USEC_PER_SEC)
static int check_policy_admit(Manager *m, uid_t uid, sd_bus_error *error) {
        static uint64_t last_log = 0;
        RateLimit *rl = m->bus_data.check_limit;
        uint64_t now = now_usec(CLOCK_MONOTONIC);

        if (!rl) {
                rl = calloc(1, sizeof(*rl));
                if (!rl)
                        return -ENOMEM;
                *rl = RATELIMIT_INIT(CHECK_POLICY_BURST, CHECK_POLICY_PER_SEC);
                m->bus_data.check_limit = rl;
        }
        if (ratelimit_take(rl, (uint32_t)uid, now))
                return 0;
        if (last_log == 0 || now - last_log >= CHECK_POLICY_LOG_USEC) {
                last_log = now;
                log_warning("CheckPolicy: uid %u is over its rate limit (%u at once, %u/s), refusing its calls "
                            "(%" PRIu64 " refused since the last such line)",
                            (unsigned)uid, CHECK_POLICY_BURST, CHECK_POLICY_PER_SEC, ratelimit_take_refused(rl));
        }
        return sd_bus_error_setf(error, SD_BUS_ERROR_LIMITS_EXCEEDED,
                                 "Too many CheckPolicy calls (at most %u at once and %u a second per user); "
                                 "try again later, or use cgpolicyctl check, which needs no daemon.",
                                 CHECK_POLICY_BURST, CHECK_POLICY_PER_SEC);
}

static int method_check_policy(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(diags_done) Diags diags = {};
        Manager *m = userdata;
        const char *json;
        size_t len, max;
        uid_t uid;
        int r;

        r = sd_bus_message_read(msg, "s", &json);
        if (r < 0)
                return r;
        r = caller_uid(msg, &uid);
        if (r < 0)
                return r;
        max = uid == 0 ? CHECK_POLICY_MAX : CHECK_POLICY_MAX_UNPRIVILEGED;
        len = strnlen(json, max + 1);
        if (len > max)
                return sd_bus_error_setf(error, SD_BUS_ERROR_LIMITS_EXCEEDED,
                                         "Policy document too large (more than %zu bytes%s); cgpolicyctl check "
                                         "checks files of any size without the daemon.",
                                         max, uid == 0 ? "" : " from an unprivileged caller");
        if (uid != 0) {
                r = check_policy_admit(m, uid, error);
                if (r < 0)
                        return r;
        }

        r = manager_check_policy(json, &diags);
        if (r < 0 && diags.n == 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_FAILED, "Failed to check policy: %s",
                                         strerror(-r));

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "s");
        if (r < 0)
                return r;
        for (size_t i = 0; i < diags.n; i++) {
                _cleanup_free_ char *line = diag_format(&diags.items[i]);
                if (!line)
                        return -ENOMEM;
                r = sd_bus_message_append(reply, "s", line);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

/* The metrics, as `cgpolicyctl metrics` prints them: "openmetrics" (also "") or
 * "prometheus" (the textfile's format); memory.current and PSI read now. */
static int method_get_metrics(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_free_ char *text = NULL;
        Manager *m = userdata;
        const char *format;
        MetricsFormat f;
        int r;

        r = sd_bus_message_read(msg, "s", &format);
        if (r < 0)
                return r;
        f = format[0] ? metrics_format_from_string(format) : METRICS_OPENMETRICS;
        if (f < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "Unknown metrics format \"%s\": expected openmetrics or prometheus.",
                                         format);
        r = manager_metrics_render(m, f, true, &text);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(msg, "s", text);
}

static int property_get_manager_string(sd_bus *bus, const char *path, const char *interface,
                                       const char *property, sd_bus_message *reply, void *userdata,
                                       sd_bus_error *error) {
        Manager *m = userdata;
        const char *s = NULL;

        if (streq(property, "Version"))
                s = PACKAGE_VERSION;
        else if (streq(property, "Backend"))
                s = m->backend_name;
        else if (streq(property, "CgroupRoot"))
                s = m->cgroup_root;
        else if (streq(property, "RebalanceState"))
                s = m->rebalance_state ?: "idle";
        else if (streq(property, "PressureMode")) {
                /* --dry-run wins; else the mode of the first configured resource. */
                s = "off";
                if (m->dry_run)
                        s = "dry-run";
                else if (m->policies)
                        for (PressureResource res = 0; res < _RES_MAX; res++)
                                if (m->policies->pressure[res].enabled) {
                                        s = pressure_mode_to_string(m->policies->pressure[res].mode);
                                        break;
                                }
        }
        return sd_bus_message_append(reply, "s", s ?: "");
}

static int property_get_manager_strv(sd_bus *bus, const char *path, const char *interface,
                                     const char *property, sd_bus_message *reply, void *userdata,
                                     sd_bus_error *error) {
        Manager *m = userdata;
        char **l = streq(property, "WatchedSlices") ? m->watched_slices
                   : m->policies                    ? m->policies->files
                                                    : NULL;
        int r;

        r = sd_bus_message_open_container(reply, 'a', "s");
        if (r < 0)
                return r;
        for (char **i = l; i && *i; i++) {
                r = sd_bus_message_append(reply, "s", *i);
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(reply);
}

static int property_get_manager_pressure(sd_bus *bus, const char *path, const char *interface,
                                         const char *property, sd_bus_message *reply, void *userdata,
                                         sd_bus_error *error) {
        Manager *m = userdata;
        PressureResource res = streq(property, "MemoryPressure") ? RES_MEMORY
                               : streq(property, "CPUPressure")  ? RES_CPU
                                                                 : RES_IO;

        manager_unit_usage_fresh(manager_pressure_slice(m)); /* its figures are ours */
        return bus_append_psi(reply, m->psi[res].has_some ? &m->psi[res].some : NULL);
}

static const sd_bus_vtable manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Version", "s", property_get_manager_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Backend", "s", property_get_manager_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("CgroupRoot", "s", property_get_manager_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("WatchedSlices", "as", property_get_manager_strv, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("PolicyFiles", "as", property_get_manager_strv, 0,
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("PressureMode", "s", property_get_manager_string, 0,
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        /* Change every few seconds under load: read them, no signal. */
        SD_BUS_PROPERTY("MemoryPressure", "(dddt)", property_get_manager_pressure, 0, 0),
        SD_BUS_PROPERTY("CPUPressure", "(dddt)", property_get_manager_pressure, 0, 0),
        SD_BUS_PROPERTY("IOPressure", "(dddt)", property_get_manager_pressure, 0, 0),
        SD_BUS_PROPERTY("RebalanceState", "s", property_get_manager_string, 0,
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),

        SD_BUS_METHOD_WITH_ARGS("ListUnits", SD_BUS_NO_ARGS, SD_BUS_RESULT("a(ssso)", units),
                                method_list_units, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetUnit", SD_BUS_ARGS("s", name), SD_BUS_RESULT("o", unit), method_get_unit,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("SetUnitProperties",
                                SD_BUS_ARGS("s", name, "b", runtime, "a(sv)", properties), SD_BUS_NO_RESULT,
                                method_set_unit_properties, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("RevertUnitProperties", SD_BUS_ARGS("s", name, "as", properties),
                                SD_BUS_NO_RESULT, method_revert_unit_properties, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Explain", SD_BUS_ARGS("s", name), SD_BUS_RESULT("a(ssss)", properties),
                                method_explain, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Reload", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, method_reload,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("CheckPolicy", SD_BUS_ARGS("s", json), SD_BUS_RESULT("as", diagnostics),
                                method_check_policy, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetMetrics", SD_BUS_ARGS("s", format), SD_BUS_RESULT("s", text),
                                method_get_metrics, SD_BUS_VTABLE_UNPRIVILEGED),

        SD_BUS_SIGNAL_WITH_ARGS("UnitNew", SD_BUS_ARGS("s", id, "o", path), 0),
        SD_BUS_SIGNAL_WITH_ARGS("UnitRemoved", SD_BUS_ARGS("s", id, "o", path), 0),
        SD_BUS_SIGNAL_WITH_ARGS("Rebalanced",
                                SD_BUS_ARGS("s", unit, "s", property, "s", old, "s", new, "s", reason), 0),
        SD_BUS_SIGNAL_WITH_ARGS("PolicyReloaded", SD_BUS_NO_ARGS, 0),
        SD_BUS_SIGNAL_WITH_ARGS("Reasserted",
                                SD_BUS_ARGS("s", unit, "s", property, "s", found, "s", value, "s", reason), 0),
        SD_BUS_VTABLE_END,
};

int bus_setup(Manager *m) {
        int r;

        if (!m || !m->bus)
                return -EINVAL;

        r = sd_bus_error_add_map(cgpolicy_errors);
        if (r < 0)
                return log_error_errno(r, "Failed to register D-Bus error map: %m");
        r = sd_bus_add_object_vtable(m->bus, (sd_bus_slot **)&m->bus_data.slot_manager,
                                     CGPOLICY_MANAGER_PATH, CGPOLICY_MANAGER_INTERFACE, manager_vtable, m);
        if (r < 0)
                return log_error_errno(r, "Failed to register manager object: %m");
        r = bus_unit_setup(m);
        if (r < 0)
                return r;
        /* org.freedesktop.DBus.ObjectManager: GetManagedObjects returns every unit
         * with its properties, InterfacesAdded/Removed follow UnitNew/UnitRemoved.
         * Floating: it lives as long as the connection. */
        r = sd_bus_add_object_manager(m->bus, NULL, CGPOLICY_MANAGER_PATH);
        if (r < 0)
                return log_error_errno(r, "Failed to register object manager: %m");
        r = sd_bus_request_name(m->bus, CGPOLICY_BUS_NAME, 0);
        if (r < 0)
                return log_error_errno(r, "Failed to acquire bus name %s: %m", CGPOLICY_BUS_NAME);
        return 0;
}

void bus_done(Manager *m) {
        if (!m)
                return;
        m->bus_data.slot_manager = sd_bus_slot_unref(m->bus_data.slot_manager);
        m->bus_data.slot_units = sd_bus_slot_unref(m->bus_data.slot_units);
        m->bus_data.slot_enumerator = sd_bus_slot_unref(m->bus_data.slot_enumerator);
        m->bus_data.polkit = polkit_registry_free(m->bus_data.polkit);
        m->bus_data.work = bus_work_free(m->bus_data.work);
        if (m->bus_data.check_limit) {
                ratelimit_done(m->bus_data.check_limit);
                free(m->bus_data.check_limit);
                m->bus_data.check_limit = NULL;
        }
}

void bus_emit_policy_reloaded(Manager *m) {
        int r;

        if (!m || !m->bus || !m->bus_data.slot_manager)
                return;
        r = sd_bus_emit_signal(m->bus, CGPOLICY_MANAGER_PATH, CGPOLICY_MANAGER_INTERFACE, "PolicyReloaded",
                               "");
        if (r < 0)
                log_debug_errno(r, "Failed to emit PolicyReloaded: %m");
        r = sd_bus_emit_properties_changed(m->bus, CGPOLICY_MANAGER_PATH, CGPOLICY_MANAGER_INTERFACE,
                                           "PolicyFiles", "PressureMode", NULL);
        if (r < 0)
                log_debug_errno(r, "Failed to emit PropertiesChanged: %m");
}

void bus_emit_reasserted(Manager *m, const char *unit, const char *property, const char *found,
                         const char *value, const char *reason) {
        int r;

        if (!m || !m->bus || !m->bus_data.slot_manager)
                return;
        r = sd_bus_emit_signal(m->bus, CGPOLICY_MANAGER_PATH, CGPOLICY_MANAGER_INTERFACE, "Reasserted",
                               "sssss", strempty(unit), strempty(property), strempty(found), strempty(value),
                               strempty(reason));
        if (r < 0)
                log_debug_errno(r, "Failed to emit Reasserted: %m");
}

void bus_emit_rebalanced(Manager *m, const char *unit, const char *property, const char *old_value,
                         const char *new_value, const char *reason) {
        static const char *last_state = NULL;
        int r;

        if (!m || !m->bus || !m->bus_data.slot_manager)
                return;
        r = sd_bus_emit_signal(m->bus, CGPOLICY_MANAGER_PATH, CGPOLICY_MANAGER_INTERFACE, "Rebalanced",
                               "sssss", strempty(unit), strempty(property), strempty(old_value),
                               strempty(new_value), strempty(reason));
        if (r < 0)
                log_debug_errno(r, "Failed to emit Rebalanced: %m");

        /* rebalance_state points at static strings: comparing pointers is enough. */
        if (m->rebalance_state != last_state) {
                last_state = m->rebalance_state;
                r = sd_bus_emit_properties_changed(m->bus, CGPOLICY_MANAGER_PATH, CGPOLICY_MANAGER_INTERFACE,
                                                   "RebalanceState", NULL);
                if (r < 0)
                        log_debug_errno(r, "Failed to emit PropertiesChanged: %m");
        }
}
