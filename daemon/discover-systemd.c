/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Units from PID 1: ListUnits at start, then UnitRemoved/JobRemoved/
 * PropertiesChanged keep the set current (not UnitNew: asking about a unit
 * PID 1 has just loaded keeps it loaded, and a stopped one that PID 1 unloads
 * again came back with another UnitNew, for ever), and Reloading(false) (daemon-reload,
 * which puts unit-file values back) makes us re-assert every unit. For each unit
 * we read Slice, ControlGroup, User and MainPID with one GetAll. */

#include <stdio.h>

#include "bus.h"
#include "log.h"
#include "manager-private.h"
#include "plan.h"

typedef struct Fetch {
        Manager *manager;
        char *path; /* NULL: from the name */
        bool counted; /* in manager_bus_call_begin()'s count */
        char name[];
} Fetch;

static void fetch_free(void *userdata) {
        Fetch *f = userdata;

        if (f->counted)
                manager_bus_call_end(f->manager);
        free(f->path);
        free(f);
}

/* A watched slice or one nested in it ("system-getty.slice" in "system.slice"),
 * as the cgroupfs discovery descends into child slices too. */
static bool slice_watched(Manager *m, const char *slice) {
        if (!slice)
                return false;
        for (char **s = m->watched_slices; s && *s; s++) {
                size_t l = strlen(*s) - strlen(".slice");

                if (streq(*s, slice))
                        return true;
                if (streq(*s, "-.slice") || (strncmp(slice, *s, l) == 0 && slice[l] == '-'))
                        return true;
        }
        return false;
}

static int on_getall(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Fetch *f = userdata;
        Manager *m = f->manager;
        const char *slice = NULL, *cgroup = NULL, *user = NULL, *state = NULL;
        uint32_t main_pid = 0;
        int r;

        if (sd_bus_message_is_method_error(reply, NULL)) {
                log_debug("%s: GetAll failed: %s", f->name, sd_bus_message_get_error(reply)->message);
                manager_remove_unit(m, f->name);
                return 0;
        }
        r = sd_bus_message_enter_container(reply, 'a', "{sv}");
        if (r < 0)
                goto bad;
        while ((r = sd_bus_message_enter_container(reply, 'e', "sv")) > 0) {
                const char *key, **dst = NULL;

                r = sd_bus_message_read(reply, "s", &key);
                if (r < 0)
                        goto bad;
                if (streq(key, "Slice"))
                        dst = &slice;
                else if (streq(key, "ControlGroup"))
                        dst = &cgroup;
                else if (streq(key, "User"))
                        dst = &user;
                else if (streq(key, "ActiveState"))
                        dst = &state;
                if (dst)
                        r = sd_bus_message_read(reply, "v", "s", dst);
                else if (streq(key, "MainPID"))
                        r = sd_bus_message_read(reply, "v", "u", &main_pid);
                else
                        r = sd_bus_message_skip(reply, "v");
                if (r < 0)
                        goto bad;
                r = sd_bus_message_exit_container(reply);
                if (r < 0)
                        goto bad;
        }
        if (r < 0)
                goto bad;

        if (!(slice_watched(m, slice) || slice_watched(m, f->name)) || !cgroup || !*cgroup ||
            streq_ptr(state, "inactive") || streq_ptr(state, "failed")) {
                manager_remove_unit(m, f->name);
                return 0;
        }
        /* A service with an empty User= runs as root; say so, so that a policy's
         * "user": "root" matches it as the administrator means. Slices and scopes
         * have no User= (NULL: unknown). */
        if (user && !*user)
                user = "root";
        r = manager_add_unit(m, f->name, slice, cgroup, false, user, (pid_t)main_pid, NULL);
        if (r == -ENOMEM)
                log_oom();
        return 0;
bad:
        log_warning_errno(r, "%s: cannot parse unit properties from systemd: %m", f->name);
        return 0;
}

static int send_fetch(Fetch *f) {
        Manager *m = f->manager;
        _cleanup_free_ char *p = NULL;
        sd_bus *bus = backend_systemd_bus(m->backend);
        sd_bus_slot *slot = NULL;
        const char *path = f->path;
        int r;

        if (!path) {
                r = sd_bus_path_encode("/org/freedesktop/systemd1/unit", f->name, &p);
                if (r < 0)
                        return r;
                path = p;
        }
        /* "" = every interface: Unit (ActiveState), Service/Scope/Slice (Slice, ControlGroup, User, MainPID)
         */
        r = sd_bus_call_method_async(bus, &slot, "org.freedesktop.systemd1", path,
                                     "org.freedesktop.DBus.Properties", "GetAll", on_getall, f, "s", "");
        if (r < 0)
                return r;
        manager_bus_call_begin(m);
        f->counted = true;
        (void)sd_bus_slot_set_destroy_callback(slot, fetch_free);
        (void)sd_bus_slot_set_floating(slot, true);
        sd_bus_slot_unref(slot);
        return 0;
}

void discover_systemd_pump(Manager *m) {
        struct ManagerPrivate *p = m->priv;
        size_t taken = 0;

        while (taken < p->n_fetch_queue && manager_bus_room(m) > 0) {
                Fetch *f = p->fetch_queue[taken++];

                if (send_fetch(f) < 0) {
                        log_warning("%s: cannot ask systemd about it", f->name);
                        fetch_free(f);
                }
        }
        if (taken == 0)
                return; /* also: memmove() of an empty, maybe NULL, queue is undefined */
        memmove(p->fetch_queue, p->fetch_queue + taken, (p->n_fetch_queue - taken) * sizeof(Fetch *));
        p->n_fetch_queue -= taken;
}

void discover_systemd_free(Manager *m) {
        struct ManagerPrivate *p = m->priv;

        for (size_t i = 0; i < p->n_fetch_queue; i++)
                fetch_free(p->fetch_queue[i]);
        p->fetch_queue = mfree(p->fetch_queue);
        p->n_fetch_queue = p->fetch_queue_alloc = 0;
}

/* Queued, then sent while fewer than MANAGER_BUS_MAX_IN_FLIGHT calls wait. */
static int fetch_unit(Manager *m, const char *name, const char *path) {
        struct ManagerPrivate *p = m->priv;
        Fetch *f;

        if (!plan_unit_name_valid(name))
                return 0;
        if (p->n_fetch_queue == p->fetch_queue_alloc) {
                size_t k = p->fetch_queue_alloc ? p->fetch_queue_alloc * 2 : 64;
                Fetch **a = reallocarray(p->fetch_queue, k, sizeof(Fetch *));

                if (!a)
                        return -ENOMEM;
                p->fetch_queue = a;
                p->fetch_queue_alloc = k;
        }
        f = calloc(1, sizeof(Fetch) + strlen(name) + 1);
        if (!f)
                return -ENOMEM;
        f->manager = m;
        strcpy(f->name, name);
        if (path) {
                f->path = strdup(path);
                if (!f->path) {
                        free(f);
                        return -ENOMEM;
                }
        }
        p->fetch_queue[p->n_fetch_queue++] = f;
        discover_systemd_pump(m);
        return 0;
}

static int on_list_units(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Manager *m = userdata;
        const char *name, *path;
        int r;

        if (sd_bus_message_is_method_error(reply, NULL)) {
                log_error("ListUnits failed: %s", sd_bus_message_get_error(reply)->message);
                return 0;
        }
        r = sd_bus_message_enter_container(reply, 'a', "(ssssssouso)");
        if (r < 0)
                return log_warning_errno(r, "Cannot parse ListUnits reply: %m");
        while ((r = sd_bus_message_read(reply, "(ssssssouso)", &name, NULL, NULL, NULL, NULL, NULL, &path,
                                        NULL, NULL, NULL)) > 0)
                if (fetch_unit(m, name, path) == -ENOMEM)
                        return log_oom();
        if (r < 0)
                return log_warning_errno(r, "Cannot parse ListUnits reply: %m");
        return 0;
}

static int list_units(Manager *m) {
        sd_bus *bus = backend_systemd_bus(m->backend);

        return sd_bus_call_method_async(bus, NULL, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                        "org.freedesktop.systemd1.Manager", "ListUnits", on_list_units, m,
                                        NULL);
}

static int on_unit_removed(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        const char *name, *path;

        if (sd_bus_message_read(msg, "so", &name, &path) >= 0)
                manager_remove_unit(userdata, name);
        return 0;
}

static int on_job_removed(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        const char *job, *name, *result;
        uint32_t id;

        /* a start or stop finished: the cgroup may have appeared or gone */
        if (sd_bus_message_read(msg, "uoss", &id, &job, &name, &result) >= 0)
                (void)fetch_unit(userdata, name, NULL);
        return 0;
}

static bool fetched_key(const char *key) {
        static const char *const keys[] = {"ActiveState", "MainPID", "ControlGroup", "Slice", "User"};

        for (size_t i = 0; i < ELEMENTSOF(keys); i++)
                if (streq(key, keys[i]))
                        return true;
        return false;
}

/* Whether a PropertiesChanged of a unit we manage touches what GetAll gives us.
 * PID 1 sends every emits-change property of an interface at each change
 * (dependency lists, timestamps, ...): asking again each time kept it busy. */
static int properties_matter(sd_bus_message *msg, const Unit *u) {
        const char *key;
        int r;

        r = sd_bus_message_skip(msg, "s");
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(msg, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(msg, 'e', "sv")) > 0) {
                bool matters = false;

                r = sd_bus_message_read(msg, "s", &key);
                if (r < 0)
                        return r;
                if (streq(key, "ActiveState")) {
                        const char *state;

                        r = sd_bus_message_read(msg, "v", "s", &state);
                        matters = streq(state, "inactive") || streq(state, "failed");
                } else if (streq(key, "MainPID")) {
                        uint32_t pid;

                        r = sd_bus_message_read(msg, "v", "u", &pid);
                        matters = pid > 0 && (pid_t)pid != u->main_pid;
                } else if (streq(key, "ControlGroup")) {
                        const char *cg;

                        r = sd_bus_message_read(msg, "v", "s", &cg);
                        matters = !streq(cg, u->cgroup_path);
                } else if (fetched_key(key)) { /* Slice, User */
                        r = sd_bus_message_skip(msg, "v");
                        matters = true;
                } else
                        r = sd_bus_message_skip(msg, "v");
                if (r < 0)
                        return r;
                if (matters)
                        return 1;
                r = sd_bus_message_exit_container(msg);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(msg);
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(msg, 'a', "s");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_read(msg, "s", &key)) > 0)
                if (fetched_key(key))
                        return 1;
        return r;
}

static int on_properties_changed(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        Manager *m = userdata;
        _cleanup_free_ char *name = NULL;
        Unit *u;

        if (sd_bus_path_decode(sd_bus_message_get_path(msg), "/org/freedesktop/systemd1/unit", &name) <= 0)
                return 0;
        u = manager_get_unit(m, name);
        if (u && properties_matter(msg, u) != 0) /* unparsable: ask */
                (void)fetch_unit(m, name, sd_bus_message_get_path(msg));
        return 0;
}

static int on_reloading(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        Manager *m = userdata;
        int active;

        if (sd_bus_message_read(msg, "b", &active) < 0 || active)
                return 0;
        /* daemon-reload puts unit-file values back into the cgroups: re-assert */
        log_info("systemd reloaded, re-asserting all units.");
        bus_emit_reasserted(m, "", "", "", "", "systemd reloaded (daemon-reload puts unit-file values back)");
        for (size_t i = 0; i < m->n_units; i++)
                manager_queue_apply(m->units[i]);
        (void)list_units(m);
        return 0;
}

int discover_systemd_start(Manager *m) {
        sd_bus *bus = backend_systemd_bus(m->backend);
        static const struct {
                const char *member;
                sd_bus_message_handler_t handler;
        } signals[] = {
                {"UnitRemoved", on_unit_removed},
                {"JobRemoved", on_job_removed},
                {"Reloading", on_reloading},
        };
        int r;

        if (!bus)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(signals); i++) {
                r = sd_bus_match_signal_async(
                        bus, NULL, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                        "org.freedesktop.systemd1.Manager", signals[i].member, signals[i].handler, NULL, m);
                if (r < 0)
                        return log_error_errno(r, "Cannot subscribe to systemd's %s signal: %m",
                                               signals[i].member);
        }
        r = sd_bus_add_match_async(bus, NULL,
                                   "type='signal',sender='org.freedesktop.systemd1',"
                                   "interface='org.freedesktop.DBus.Properties',member='PropertiesChanged',"
                                   "path_namespace='/org/freedesktop/systemd1/unit'",
                                   on_properties_changed, NULL, m);
        if (r < 0)
                return log_error_errno(r, "Cannot subscribe to unit property changes: %m");
        r = sd_bus_call_method_async(bus, NULL, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                     "org.freedesktop.systemd1.Manager", "Subscribe", NULL, NULL, NULL);
        if (r < 0)
                return log_error_errno(r, "Cannot subscribe to systemd: %m");
        r = list_units(m);
        if (r < 0)
                return log_error_errno(r, "Cannot list systemd units: %m");
        return 0;
}
