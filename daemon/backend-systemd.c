/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Applies values through PID 1: SetUnitProperties(name, runtime=true, a(sv)),
 * asynchronously, all properties of one unit in one call, so systemd stays the
 * single writer of the cgroups it owns. OOMScoreAdjust never goes this way.
 *
 * PID 1 keeps each runtime property as a drop-in, SYSTEMD_CONTROL_DIR/UNIT.d/
 * 50-NAME.conf, which outlives the cgroup and our restore: the next start of a
 * unit stopped while squeezed would run squeezed, and a later edit of the unit
 * file would stay shadowed until reboot. So a restore removes the drop-ins of
 * what it put back, once PID 1 has answered, so that the next daemon-reload
 * (after an edit of the unit file, say) finds nothing of ours. */

#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "manager-private.h"
#include "plan.h"
#include "value.h"

#define SYSTEMD_CONTROL_DIR "/run/systemd/system.control"

typedef struct SystemdBackend {
        Backend backend;
        sd_bus *bus;
} SystemdBackend;

typedef struct Pending {
        SystemdBackend *backend;
        Manager *manager;
        bool readback;
        bool counted; /* in manager_bus_call_begin()'s count */
        char **dropins; /* to remove once PID 1 has answered (a restore) */
        char name[];
} Pending;

static void pending_free(void *userdata) {
        Pending *p = userdata;

        if (p->counted)
                manager_bus_call_end(p->manager);
        strv_freep(&p->dropins);
        free(p);
}

/* Removes the drop-ins PID 1 wrote for a restore it has done. PID 1 keeps the
 * restored value (we just set it) and forgets the file at its next
 * daemon-reload, which we leave to the administrator: ours would reload every
 * unit each time a batch job ends, and at our stop it hung the stop job in the
 * VM. Until then `systemctl show -p NeedDaemonReload` says yes for that unit. */
static void remove_dropins(SystemdBackend *s, const char *unit, char **dropins) {
        for (char **d = dropins; d && *d; d++) {
                if (unlink(*d) < 0) {
                        if (errno != ENOENT)
                                log_warning_errno(-errno, "%s: cannot remove %s, it shadows the unit file until "
                                                  "reboot: %m", unit, *d);
                        continue;
                }
                log_debug("%s: removed %s", unit, *d);
        }
}

sd_bus *backend_systemd_bus(Backend *b) {
        return b && streq(b->name, "systemd") ? ((SystemdBackend *) b)->bus : NULL;
}

static int append_value(sd_bus_message *msg, const Property *p, const PropValue *v) {
        int r;

        /* systemd adds each device entry to the unit's list: clear the list first in
         * the same call, so entries we no longer want do not stay behind. */
        if (streq(p->signature, "a(st)") && !v->reset && v->n_devs > 0) {
                r = append_value(msg, p, &(const PropValue){.reset = true});
                if (r < 0)
                        return r;
        }

        r = sd_bus_message_open_container(msg, 'r', "sv");
        if (r >= 0)
                r = sd_bus_message_append(msg, "s", p->dbus_name);
        if (r >= 0)
                r = sd_bus_message_open_container(msg, 'v', p->signature);
        if (r < 0)
                return r;
        if (streq(p->signature, "t"))
                r = sd_bus_message_append(msg, "t", v->reset ? p->dbus_reset : v->u);
        else if (streq(p->signature, "ay"))
                r = sd_bus_message_append_array(msg, 'y', v->reset ? NULL : v->mask, v->reset ? 0 : v->mask_size);
        else if (streq(p->signature, "a(st)")) {
                r = sd_bus_message_open_container(msg, 'a', "(st)");
                for (size_t i = 0; r >= 0 && !v->reset && i < v->n_devs; i++) {
                        /* PID 1 takes a device as a path: MAJ:MIN alone it would stat()
                         * as a file name, /dev/block/MAJ:MIN it reads as the number */
                        char path[64];
                        unsigned maj, min;
                        const char *d = v->devs[i].device;

                        if (parse_devnum(d, &maj, &min) >= 0) {
                                snprintf(path, sizeof(path), "/dev/block/%u:%u", maj, min);
                                d = path;
                        }
                        r = sd_bus_message_append(msg, "(st)", d, v->devs[i].value);
                }
                if (r >= 0)
                        r = sd_bus_message_close_container(msg);
        } else if (streq(p->signature, "i"))
                r = sd_bus_message_append(msg, "i", v->reset ? 0 : v->i);
        else
                r = -EOPNOTSUPP;
        if (r >= 0)
                r = sd_bus_message_close_container(msg);
        if (r >= 0)
                r = sd_bus_message_close_container(msg);
        return r;
}

static int on_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Pending *p = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        int error = 0;

        if (e) {
                error = -sd_bus_error_get_errno(e) ?: -EIO;
                log_warning("%s: SetUnitProperties failed: %s: %s", p->name, e->name, strna(e->message));
        } else if (p->dropins)
                remove_dropins(p->backend, p->name, p->dropins);
        if (p->readback)
                manager_unit_apply_done(p->manager, p->name, error);
        return 0;
}

/* Takes dropins (removed once PID 1 has answered without error). */
static int send(SystemdBackend *s, Unit *u, sd_bus_message *msg, bool readback, char **dropins) {
        sd_bus_slot *slot = NULL;
        Pending *p;
        int r;

        p = malloc(sizeof(Pending) + strlen(u->name) + 1);
        if (!p) {
                strv_freep(&dropins);
                return -ENOMEM;
        }
        p->backend = s;
        p->manager = u->manager;
        p->readback = readback;
        p->dropins = dropins;
        p->counted = false;
        strcpy(p->name, u->name);
        r = sd_bus_call_async(s->bus, &slot, msg, on_reply, p, 0);
        if (r < 0) {
                pending_free(p);
                return r;
        }
        manager_bus_call_begin(u->manager);
        p->counted = true;
        (void) sd_bus_slot_set_destroy_callback(slot, pending_free);
        (void) sd_bus_slot_set_floating(slot, true);
        sd_bus_slot_unref(slot);
        return 0;
}

static int new_call(SystemdBackend *s, Unit *u, sd_bus_message **ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *msg = NULL;
        int r;

        r = sd_bus_message_new_method_call(s->bus, &msg, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                           "org.freedesktop.systemd1.Manager", "SetUnitProperties");
        if (r >= 0)
                r = sd_bus_message_append(msg, "sb", u->name, true);
        if (r >= 0)
                r = sd_bus_message_open_container(msg, 'a', "(sv)");
        if (r < 0)
                return r;
        *ret = TAKE_PTR(msg);
        return 0;
}

static int record_file(Unit *u, const char *file) {
        int r = manager_record_original(u, file);

        if (r == -ENOENT)
                /* No file yet: systemd turns the controller on only when a unit asks,
                 * so the unit had the property unset; "" restores that. */
                r = state_put_original(&u->manager->priv->state, u->name, u->priv->cgroup_id, file, "");
        return r;
}

/* The originals of every file the SetUnitProperties for todo will change. */
static void systemd_record(Backend *b, Unit *u, const bool todo[_PROP_MAX]) {
        for (PropertyId id = 0; id < _PROP_MAX; id++) {
                const char *files[PLAN_MAX_FILES];
                size_t nf;

                if (!todo[id] || id == PROP_OOM_SCORE_ADJUST)
                        continue;
                nf = plan_property_files(id, files);
                for (size_t i = 0; i < nf; i++)
                        (void)record_file(u, files[i]);
        }
}

static int systemd_apply(Backend *b, Unit *u, const bool todo[_PROP_MAX], int errors[_PROP_MAX]) {
        SystemdBackend *s = (SystemdBackend *) b;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *msg = NULL;
        size_t n = 0;
        int r;

        r = new_call(s, u, &msg);
        if (r < 0)
                return r;
        for (PropertyId id = 0; id < _PROP_MAX; id++) {
                const Property *p = property_get(id);
                const char *files[PLAN_MAX_FILES];
                size_t nf;
                bool ok = true;

                if (!todo[id] || id == PROP_OOM_SCORE_ADJUST)
                        continue;
                nf = plan_property_files(id, files);
                for (size_t i = 0; i < nf; i++) {
                        r = record_file(u, files[i]);
                        if (r < 0) {
                                errors[id] = r;
                                ok = false;
                        }
                }
                if (!ok)
                        continue;
                r = append_value(msg, p, &u->resolved.props[id].value);
                if (r < 0)
                        return log_error_errno(r, "%s: cannot encode %s: %m", u->name, p->name);
                log_info("%s: %s=%s (%s%s%s) via systemd", u->name, p->name, strna(u->props[id].desired_text),
                         layer_to_string(u->resolved.props[id].layer), u->resolved.props[id].source ? " " : "",
                         u->resolved.props[id].source ?: "");
                n++;
        }
        if (n == 0)
                return 0;
        /* one save covers every original of this call; without it nothing is sent */
        r = state_flush_originals(&u->manager->priv->state);
        if (r < 0) {
                for (PropertyId id = 0; id < _PROP_MAX; id++)
                        if (todo[id] && errors[id] == 0)
                                errors[id] = r;
                return 0;
        }
        r = sd_bus_message_close_container(msg);
        if (r < 0)
                return r;
        r = send(s, u, msg, true, NULL);
        if (r < 0)
                return log_error_errno(r, "%s: SetUnitProperties could not be sent: %m", u->name);
        return 1;
}

static int systemd_restore(Backend *b, Unit *u, const char *file, const char *content) {
        SystemdBackend *s = (SystemdBackend *) b;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *msg = NULL;
        _cleanup_strv_free_ char **dropins = NULL;
        size_t n = 0;
        int r;

        dropins = calloc(_PROP_MAX + 1, sizeof(char *));
        if (!dropins)
                return -ENOMEM;
        r = new_call(s, u, &msg);
        if (r < 0)
                return r;
        /* systemd wants values, not file contents: parse the original back */
        for (PropertyId id = 0; id < _PROP_MAX; id++) {
                const Property *p = property_get(id);
                PropValue v = {};

                if (!p->cgroup_file || !streq(p->cgroup_file, file))
                        continue;
                if (content[strspn(content, " \t\n")] == 0)
                        v.reset = true; /* recorded before the controller was on: unset */
                else if (property_parse_cgroup(p, content, &v) < 0) {
                        log_warning("%s: cannot turn original %s contents into %s=, leaving it", u->name, file,
                                    p->name);
                        continue;
                }
                r = append_value(msg, p, &v);
                prop_value_done(&v);
                if (r < 0)
                        return r;
                if (asprintf(&dropins[n], SYSTEMD_CONTROL_DIR "/%s.d/50-%s.conf", u->name, p->dbus_name) < 0) {
                        dropins[n] = NULL;
                        return -ENOMEM;
                }
                n++;
        }
        if (n == 0)
                return 0;
        r = sd_bus_message_close_container(msg);
        if (r < 0)
                return r;
        if (u->manager->priv->stopping) {
                /* We lack CAP_SYS_ADMIN, so PID 1 asks polkit about each call, by our bus
                 * name: exiting before the reply makes that check, and the restore, fail. */
                _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;

                r = sd_bus_call(s->bus, msg, 10 * 1000 * 1000, &error, NULL);
                if (r < 0)
                        return log_warning_errno(r, "%s: SetUnitProperties to restore %s failed: %s", u->name,
                                                 file, error.message ?: strerror(-r));
                remove_dropins(s, u->name, dropins);
                return 0;
        }
        return send(s, u, msg, false, TAKE_PTR(dropins));
}

static void systemd_free(Backend *b) {
        SystemdBackend *s = (SystemdBackend *) b;

        sd_bus_flush_close_unref(s->bus);
        free(s);
}

bool backend_systemd_usable(void) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_free_ char *version = NULL;

        if (access("/run/systemd/system", F_OK) < 0)
                return false;
        if (sd_bus_open_system(&bus) < 0)
                return false;
        return sd_bus_get_property_string(bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                          "org.freedesktop.systemd1.Manager", "Version", NULL, &version) >= 0;
}

int backend_systemd_new(Manager *m, Backend **ret) {
        SystemdBackend *s;
        int r;

        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        r = sd_bus_open_system(&s->bus);
        if (r >= 0) {
                (void) sd_bus_set_description(s->bus, "systemd-backend");
                r = sd_bus_attach_event(s->bus, m->event, SD_EVENT_PRIORITY_NORMAL);
        }
        if (r < 0) {
                sd_bus_flush_close_unref(s->bus);
                free(s);
                return log_error_errno(r, "Cannot connect to systemd on the system bus: %m");
        }
        s->backend = (Backend){
                .name = "systemd",
                .apply = systemd_apply,
                .record = systemd_record,
                .restore = systemd_restore,
                .free = systemd_free,
                .manager = m,
        };
        *ret = &s->backend;
        return 0;
}
