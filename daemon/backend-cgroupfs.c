/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Writes the cgroup v2 files directly: one write() per value so the kernel's
 * errno for that value comes back. */

#include <fcntl.h>
#include <stdio.h>

#include "fileio.h"
#include "log.h"
#include "manager-private.h"
#include "plan.h"

static bool has_word(char *text, const char *word) {
        char *saveptr = NULL;

        for (char *t = strtok_r(text, " \t\n", &saveptr); t; t = strtok_r(NULL, " \t\n", &saveptr))
                if (streq(t, word))
                        return true;
        return false;
}

/* Turns controller c on in `dir`'s cgroup.subtree_control unless it is on. */
static int enable_in(Unit *u, const char *dir, const char *name) {
        _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        _cleanup_free_ char *cur = NULL, *text = NULL;
        int r;

        if (dfd < 0)
                return -errno;
        if (read_full_file_at(dfd, "cgroup.subtree_control", &cur) >= 0 && has_word(cur, name))
                return 0;
        if (asprintf(&text, "+%s", name) < 0)
                return -ENOMEM;
        r = write_one_at(dfd, "cgroup.subtree_control", text, false);
        if (r < 0)
                return log_debug_errno(r, "%s: enabling controller %s in %s failed: %m", u->name, name, dir);
        log_info("%s: enabled controller %s in %s/cgroup.subtree_control", u->name, name, dir);
        return 1;
}

/* A controller's files appear in a cgroup only when every ancestor passes the
 * controller down (systemd enables them on demand, so on a real system
 * system.slice often has only "memory pids"): enable it from the root down to
 * the unit's parent. */
static void enable_controller(Unit *u, Controller c) {
        Manager *m = u->manager;
        const char *name = controller_to_string(c);
        _cleanup_free_ char *rel = NULL;
        char *last;

        if (c == CTRL_NONE || !name)
                return;
        rel = strdup(u->cgroup_path);
        if (!rel)
                return;
        last = strrchr(rel, '/');
        if (!last)
                return;
        *last = 0; /* rel is now the parent, "" for the root */

        for (char *p = rel;; p++) {
                if (*p == '/' || *p == 0) {
                        _cleanup_free_ char *dir = NULL;
                        char saved = *p;

                        *p = 0;
                        dir = path_join(m->cgroup_root, rel);
                        *p = saved;
                        if (!dir || enable_in(u, dir, name) < 0)
                                return;
                }
                if (*p == 0)
                        break;
        }
}

/* Records the originals of every file this apply will write, so that one save of
 * originals.json covers the whole unit. Files that do not exist yet (controller off)
 * are recorded, and saved, just before their write. */
static void record_all_originals(Backend *b, Unit *u, const bool todo[_PROP_MAX], uint64_t period,
                                 uint64_t quota) {
        for (PropertyId id = 0; id < _PROP_MAX; id++) {
                const Property *p = property_get(id);
                const PropValue *old = u->props[id].applied;
                _cleanup_free_ char *err = NULL;
                CgroupWrite *w = NULL;
                size_t n = 0;

                if (!todo[id] || !p->cgroup_file)
                        continue;
                if (property_cgroup_writes(p, &u->resolved.props[id].value, old, period, quota, device_resolve,
                                           b->manager, &w, &n, &err) < 0)
                        continue;
                for (size_t i = 0; i < n; i++)
                        (void)manager_record_original(u, w[i].file);
                cgroup_writes_free(w, n);
        }
}

static void cgroupfs_record(Backend *b, Unit *u, const bool todo[_PROP_MAX]) {
        uint64_t period, quota;

        plan_cpu_max(&u->resolved, &period, &quota);
        record_all_originals(b, u, todo, period, quota);
}

static void set_cause(Unit *u, PropertyId id, char *cause) {
        free(u->priv->cause[id]);
        u->priv->cause[id] = cause;
}

static int cgroupfs_apply(Backend *b, Unit *u, const bool todo[_PROP_MAX], int errors[_PROP_MAX]) {
        State *state = &b->manager->priv->state;
        uint64_t period, quota;

        plan_cpu_max(&u->resolved, &period, &quota);
        record_all_originals(b, u, todo, period, quota);
        for (PropertyId id = 0; id < _PROP_MAX; id++) {
                const Property *p = property_get(id);
                const PropValue *v = &u->resolved.props[id].value;
                const PropValue *old = u->props[id].applied;
                _cleanup_free_ char *err = NULL;
                CgroupWrite *w = NULL;
                size_t n = 0;
                int r;

                if (!todo[id] || !p->cgroup_file)
                        continue;
                r = property_cgroup_writes(p, v, old, period, quota, device_resolve, b->manager, &w, &n,
                                           &err);
                if (r < 0) {
                        errors[id] = r;
                        log_warning_errno(r, "%s: cannot apply %s: %s", u->name, p->name,
                                          err ?: "invalid value");
                        set_cause(u, id, err ? strdup(err) : NULL);
                        continue;
                }
                for (size_t i = 0; i < n; i++) {
                        if (faccessat(u->priv->dirfd, w[i].file, F_OK, 0) < 0 && errno == ENOENT)
                                enable_controller(u, p->controller);
                        r = manager_record_original(u, w[i].file);
                        if (r >= 0) {
                                r = state_flush_originals(state);
                                if (r < 0) {
                                        /* the cgroup file is fine: name the file that failed */
                                        char *c = NULL;
                                        (void)asprintf(&c, "original value of %s not saved to %s, not changing it: %s",
                                                       w[i].file, state->originals_path, strerror(-r));
                                        set_cause(u, id, c);
                                }
                        } else if (r != -ENOENT) {
                                char *c = NULL;
                                (void)asprintf(&c, "original value of %s not recorded, not changing it: %s",
                                               w[i].file, strerror(-r));
                                set_cause(u, id, c);
                        }
                        if (r < 0 && r != -ENOENT) {
                                errors[id] = r;
                                break;
                        }
                        r = write_one_at(u->priv->dirfd, w[i].file, w[i].content,
                                         p->controller == CTRL_MEMORY);
                        if (r == -ENODEV || (r == -ENOENT && unit_vanished(u))) {
                                log_debug_errno(r, "%s: vanished while applying %s: %m", u->name, p->name);
                                errors[id] = r;
                                break;
                        }
                        if (r < 0) {
                                log_warning_errno(r, "%s: writing \"%s\" to %s failed: %m", u->name,
                                                  w[i].content, w[i].file);
                                errors[id] = r;
                                continue;
                        }
                        log_info("%s: %s=%s (%s%s%s): wrote \"%s\" to %s", u->name, p->name,
                                 strna(u->props[id].desired_text),
                                 layer_to_string(u->resolved.props[id].layer),
                                 u->resolved.props[id].source ? " " : "", u->resolved.props[id].source ?: "",
                                 w[i].content, w[i].file);
                }
                cgroup_writes_free(w, n);
        }
        return 0;
}

/* What to write to drop one device entry from an io.* file. */
static const char *device_reset_suffix(const char *file) {
        if (streq(file, "io.max"))
                return "rbps=max wbps=max riops=max wiops=max";
        if (streq(file, "io.latency"))
                return "target=max";
        if (streq(file, "io.weight") || streq(file, "io.bfq.weight"))
                return "default";
        return NULL;
}

static bool has_device_line(const char *text, const char *dev) {
        size_t l = strlen(dev);

        for (const char *s = text; s && *s; s = strchr(s, '\n') ? strchr(s, '\n') + 1 : NULL)
                if (strncmp(s, dev, l) == 0 && (s[l] == ' ' || s[l] == '\t'))
                        return true;
        return false;
}

static int cgroupfs_restore(Backend *b, Unit *u, const char *file, const char *content) {
        _cleanup_free_ char *orig = strdup(content), *cur = NULL;
        const char *reset = device_reset_suffix(file);
        bool nonblock = strncmp(file, "memory.", 7) == 0, wrote = false;
        int r, ret = 0;

        if (!orig)
                return -ENOMEM;
        r = read_full_file_at(u->priv->dirfd, file, &cur);
        if (r < 0)
                return r;

        /* device entries we added that were not there before */
        if (reset)
                for (char *line = cur, *next; line && *line; line = next) {
                        _cleanup_free_ char *cmd = NULL;
                        char dev[32];

                        next = strchr(line, '\n');
                        if (next)
                                *next++ = 0;
                        if (sscanf(line, "%31s", dev) != 1 || !strchr(dev, ':') ||
                            has_device_line(orig, dev))
                                continue;
                        if (asprintf(&cmd, "%s %s", dev, reset) < 0)
                                return -ENOMEM;
                        r = write_one_at(u->priv->dirfd, file, cmd, nonblock);
                        if (r < 0 && ret == 0)
                                ret = r;
                }

        for (char *line = orig, *next; line && *line; line = next) {
                next = strchr(line, '\n');
                if (next)
                        *next++ = 0;
                if (!*line)
                        continue;
                r = write_one_at(u->priv->dirfd, file, line, nonblock);
                wrote = true;
                if (r < 0 && ret == 0)
                        ret = r;
        }
        /* an empty original (cpuset.cpus "") is restored by writing an empty line */
        if (!wrote && !reset) {
                r = write_one_at(u->priv->dirfd, file, "\n", nonblock);
                if (r < 0 && ret == 0)
                        ret = r;
        }
        return ret;
}

static void cgroupfs_free(Backend *b) {
        free(b);
}

int backend_cgroupfs_new(Manager *m, Backend **ret) {
        Backend *b = calloc(1, sizeof(*b));

        if (!b)
                return -ENOMEM;
        b->name = "cgroupfs";
        b->apply = cgroupfs_apply;
        b->record = cgroupfs_record;
        b->restore = cgroupfs_restore;
        b->free = cgroupfs_free;
        b->manager = m;
        *ret = b;
        return 0;
}
