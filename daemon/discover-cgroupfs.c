/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* One inotify fd for all unit directories. A slice's directory reports child
 * cgroups appearing (created, or moved in) and disappearing; every unit's
 * directory reports its own files being written: cgroup.events (populated),
 * cgroup.procs (new processes: OOMScoreAdjust) and the attribute files we manage
 * (drift). */

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/inotify.h>

#include "fileio.h"
#include "log.h"
#include "manager-private.h"
#include "plan.h"

#define DIR_MASK                                                                                            \
        (IN_CREATE | IN_MOVED_TO | IN_DELETE | IN_MOVED_FROM | IN_MODIFY | IN_CLOSE_WRITE |                 \
         IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)

static Unit *unit_by_wd(Manager *m, int wd) {
        return wd_index_get(&m->priv->wd_index, wd);
}

static bool is_slice_name(const char *name) {
        size_t l = strlen(name);

        return l > 6 && streq(name + l - 6, ".slice");
}

/* The name printed with every byte outside printable ASCII as \xNN. */
static void log_unit_name_skipped(const char *dir, const char *name) {
        _cleanup_free_ char *esc = malloc(strlen(name) * 4 + 1);
        char *o = esc;

        if (!esc)
                return;
        for (const unsigned char *c = (const unsigned char *)name; *c; c++)
                o += (*c < 0x20 || *c >= 0x7f) ? sprintf(o, "\\x%02x", *c) : sprintf(o, "%c", *c);
        log_warning("Skipping cgroup %s/%s: not a valid unit name", dir, esc);
}

static int add_child(Manager *m, Unit *parent, const char *name) {
        _cleanup_free_ char *path = NULL;

        if (!plan_unit_name_valid(name)) {
                if (plan_unit_name_looks_like_unit(name))
                        log_unit_name_skipped(parent->cgroup_path, name);
                return 0;
        }
        path = path_join(parent->cgroup_path, name);
        if (!path)
                return -ENOMEM;
        /* only slices hold units; a service's sub-cgroups (Delegate=) are its own business */
        return manager_add_unit(m, name, parent->name, path, is_slice_name(name), NULL, 0, NULL);
}

/* A child cgroup a scan found: added later, by name, as its slice may be gone
 * by then. */
typedef struct Found {
        char *slice;
        char *name;
} Found;

/* Found per event-loop iteration: a bus call waits at most one slice of them. */
#define FOUND_SLICE 256

static void found_done(Found *f) {
        free(f->slice);
        free(f->name);
}

static int on_found(sd_event_source *s, void *userdata) {
        Manager *m = userdata;
        struct ManagerPrivate *p = m->priv;

        for (size_t k = 0; k < FOUND_SLICE && p->found_head < p->n_found; k++) {
                Found f = p->found[p->found_head++];
                Unit *slice = manager_get_unit(m, f.slice);

                if (slice && slice->priv->discover_children && add_child(m, slice, f.name) == -ENOMEM)
                        log_oom();
                found_done(&f);
        }
        if (p->found_head < p->n_found)
                return 0;
        p->found_head = p->n_found = 0;
        (void)sd_event_source_set_enabled(s, SD_EVENT_OFF);
        if (p->discovering) {
                p->discovering = false;
                manager_discovery_done(m);
        }
        return 0;
}

static int found_push(Manager *m, const char *slice, const char *name) {
        struct ManagerPrivate *p = m->priv;
        int r;

        if (!p->found_source) {
                r = sd_event_add_defer(m->event, &p->found_source, on_found, m);
                if (r < 0)
                        return r;
                /* below the bus (NORMAL), above the apply queue (IDLE) */
                (void)sd_event_source_set_priority(p->found_source, SD_EVENT_PRIORITY_NORMAL + 1);
                (void)sd_event_source_set_description(p->found_source, "cgroup-discover");
        }
        if (p->n_found == p->found_alloc) {
                size_t k = p->found_alloc ? p->found_alloc * 2 : 256;
                Found *a = reallocarray(p->found, k, sizeof(Found));

                if (!a)
                        return -ENOMEM;
                p->found = a;
                p->found_alloc = k;
        }
        Found f = {.slice = strdup(slice), .name = strdup(name)};
        if (!f.slice || !f.name) {
                found_done(&f);
                return -ENOMEM;
        }
        p->found[p->n_found++] = f;
        return sd_event_source_set_enabled(p->found_source, SD_EVENT_ON);
}

/* Queues the child cgroups of parent (a slice) for on_found(): discovery
 * reports what it finds, the manager adds it later, so a scan never calls back
 * into manager_add_unit() from inside it. */
static int scan_children(Manager *m, Unit *parent) {
        _cleanup_close_ int fd = -1;
        DIR *d;
        struct dirent *de;
        int r = 0;

        fd = openat(parent->priv->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        d = fdopendir(fd);
        if (!d)
                return -errno;
        TAKE_FD(fd);
        while ((de = readdir(d))) {
                if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
                        continue;
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                r = found_push(m, parent->name, de->d_name);
                if (r < 0)
                        break;
        }
        closedir(d);
        return r;
}

bool discover_cgroupfs_pending(Manager *m) {
        return m->priv->found_head < m->priv->n_found;
}

void discover_cgroupfs_free(Manager *m) {
        struct ManagerPrivate *p = m->priv;

        for (size_t i = p->found_head; i < p->n_found; i++)
                found_done(&p->found[i]);
        p->found = mfree(p->found);
        p->found_head = p->n_found = p->found_alloc = 0;
        p->found_source = sd_event_source_disable_unref(p->found_source);
}

static bool endswith_pressure(const char *name) {
        size_t l = strlen(name);

        return l > 9 && streq(name + l - 9, ".pressure");
}

static bool is_managed_file(Unit *u, const char *name) {
        for (PropertyId id = 0; id < _PROP_MAX; id++) {
                const char *files[PLAN_MAX_FILES];
                size_t n;

                if (!u->priv->managed[id])
                        continue;
                n = plan_property_files(id, files);
                for (size_t i = 0; i < n; i++)
                        if (streq(files[i], name))
                                return true;
        }
        return false;
}

static void handle_event(Manager *m, const struct inotify_event *e) {
        Unit *u = unit_by_wd(m, e->wd);

        if (!u)
                return;

        if (e->mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF)) {
                if (e->mask & IN_IGNORED) {
                        wd_index_remove(&m->priv->wd_index, u->priv->wd);
                        u->priv->wd = -1;
                }
                manager_remove_unit(m, u->name);
                return;
        }
        if (e->len == 0)
                return;

        if (e->mask & IN_ISDIR) {
                if (!u->priv->discover_children)
                        return;
                if (e->mask & (IN_CREATE | IN_MOVED_TO)) {
                        if (add_child(m, u, e->name) == -ENOMEM)
                                log_oom();
                } else if (e->mask & (IN_DELETE | IN_MOVED_FROM)) {
                        Unit *c = manager_get_unit(m, e->name);
                        /* only a child of this slice, not a same-named unit elsewhere */
                        if (c && streq_ptr(c->slice, u->name))
                                manager_remove_unit(m, e->name);
                }
                return;
        }

        if (!(e->mask & (IN_MODIFY | IN_CLOSE_WRITE)))
                return;
        if (streq(e->name, "cgroup.events") || streq(e->name, "cgroup.procs"))
                u->priv->procs_dirty = true;
        else if (endswith_pressure(e->name) && ((m->watched_slices && streq(u->name, m->watched_slices[0])) ||
                                                 u->class == CLASS_PROTECTED)) {
                /* kernel PSI files never change this way; a plain test tree's do,
                 * standing in for a trigger with fresh numbers */
                pressure_loop_woken(m);
                pressure_loop_kick(m, -1, false);
                return;
        }
        else if (is_managed_file(u, e->name))
                u->priv->dirty = true;
        else
                return;
        manager_mark_work(u);
}

/* Events were lost: look at everything again (new children, drift, processes).
 * Units that vanished meanwhile are noticed through their IN_IGNORED. */
static void rescan_all(Manager *m) {
        log_warning("inotify queue overflowed, rescanning all watched cgroups.");
        for (size_t i = 0; i < m->n_units; i++) {
                Unit *u = m->units[i];

                u->priv->dirty = u->priv->procs_dirty = true;
                /* force the drift check to re-read every managed file */
                for (PropertyId id = 0; id < _PROP_MAX; id++) {
                        free(u->priv->seen[id]);
                        u->priv->seen[id] = NULL;
                }
                manager_mark_work(u);
        }
        for (size_t i = 0; i < m->n_units; i++)
                if (m->units[i]->priv->discover_children && scan_children(m, m->units[i]) == -ENOMEM) {
                        log_oom();
                        break;
                }
        manager_schedule_work(m);
}

static int on_inotify(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Manager *m = userdata;
        union {
                struct inotify_event ev;
                char raw[64 * 1024];
        } buf;
        ssize_t n;

        for (;;) {
                n = read(fd, &buf, sizeof(buf));
                if (n < 0) {
                        if (errno == EAGAIN || errno == EINTR)
                                return 0;
                        return log_error_errno(-errno, "Failed to read inotify events: %m");
                }
                for (char *p = buf.raw; p < buf.raw + n;) {
                        const struct inotify_event *e = (const struct inotify_event *)p;

                        if (e->mask & IN_Q_OVERFLOW)
                                rescan_all(m);
                        else
                                handle_event(m, e);
                        p += sizeof(struct inotify_event) + e->len;
                }
        }
}

int discover_unit_watch(Unit *u) {
        Manager *m = u->manager;
        char path[64];
        int wd;

        if (m->priv->inotify_fd < 0)
                return 0;
        /* watch through the open directory fd, so a renamed path cannot confuse us */
        snprintf(path, sizeof(path), "/proc/self/fd/%d", u->priv->dirfd);
        wd = inotify_add_watch(m->priv->inotify_fd, path, DIR_MASK);
        if (wd < 0)
                return -errno;
        if (wd_index_put(&m->priv->wd_index, wd, u) < 0) {
                (void)inotify_rm_watch(m->priv->inotify_fd, wd);
                return -ENOMEM;
        }
        u->priv->wd = wd;
        if (u->priv->discover_children)
                return scan_children(m, u);
        return 0;
}

void discover_unit_unwatch(Unit *u) {
        Manager *m = u->manager;

        if (u->priv->wd >= 0 && m->priv->inotify_fd >= 0)
                (void)inotify_rm_watch(m->priv->inotify_fd, u->priv->wd);
        if (u->priv->wd >= 0 && wd_index_get(&m->priv->wd_index, u->priv->wd) == u)
                wd_index_remove(&m->priv->wd_index, u->priv->wd);
        u->priv->wd = -1;
}

static bool unit_present(const char *unit, void *userdata) {
        return manager_get_unit(userdata, unit) != NULL;
}

int discover_cgroupfs_start(Manager *m) {
        int r;

        for (char **s = m->watched_slices; s && *s; s++) {
                _cleanup_free_ char *path = NULL, *parent = NULL;
                const char *dash;

                r = plan_slice_path(*s, &path);
                if (r < 0)
                        return log_error_errno(r, "Invalid slice name \"%s\" for --watch=.", *s);
                /* the slice's own slice: "a-b.slice" sits in "a.slice", top-level ones in "-.slice" */
                dash = strrchr(*s, '-');
                if (dash && dash != *s)
                        r = asprintf(&parent, "%.*s.slice", (int)(dash - *s), *s);
                else
                        r = asprintf(&parent, "-.slice");
                if (r < 0)
                        return log_oom();
                r = manager_add_unit(m, *s, parent, path, true, NULL, 0, NULL);
                if (r == -ENOMEM)
                        return r;
                if (!manager_get_unit(m, *s))
                        log_warning("Watched slice %s (%s%s) does not exist, ignoring it.", *s,
                                    m->cgroup_root, path);
        }
        if (discover_cgroupfs_pending(m))
                m->priv->discovering = true; /* on_found() finishes it */
        else
                manager_discovery_done(m);
        return 0;
}

/* Discovery is complete: originals of units that went away while we were not
 * running can never be restored. */
void discover_cgroupfs_prune(Manager *m) {
        (void)state_prune_originals(&m->priv->state, unit_present, m);
}

int discover_inotify_setup(Manager *m) {
        int r;

        m->priv->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (m->priv->inotify_fd < 0)
                return log_error_errno(-errno, "Failed to create inotify fd: %m");
        r = sd_event_add_io(m->event, &m->priv->inotify_source, m->priv->inotify_fd, EPOLLIN, on_inotify, m);
        if (r < 0)
                return log_error_errno(r, "Failed to watch inotify fd: %m");
        (void)sd_event_source_set_description(m->priv->inotify_source, "cgroup-inotify");
        return 0;
}
