/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* OOMScoreAdjust is a property of processes, not of the cgroup: write it to
 * /proc/PID/oom_score_adj of every process listed in cgroup.procs, and again
 * whenever cgroup.procs changes. The value each process had first is recorded
 * ("oom_score_adj:PID" in the originals) and put back on stop. */

#include <fcntl.h>
#include <stdio.h>

#include "fileio.h"
#include "log.h"
#include "manager-private.h"
#include "plan.h"

static int pid_file(int pid, char path[static 64]) {
        return snprintf(path, 64, "/proc/%d/oom_score_adj", pid);
}

int oom_restore(Unit *u, int pid, const char *content) {
        char path[64];
        int r;

        pid_file(pid, path);
        r = write_one_at(AT_FDCWD, path, content, false);
        if (r == -ESRCH)
                r = -ENOENT; /* exited meanwhile */
        return r;
}

/* Records the original of every PID in procs that will be written, in memory, so
 * that one save of originals.json covers the whole cgroup, not one per PID. */
static void record_all(Unit *u, const char *procs, int32_t want) {
        State *state = &u->manager->priv->state;

        for (const char *line = procs; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
                _cleanup_free_ char *cur = NULL, *key = NULL;
                char path[64];
                int pid = atoi(line);

                if (pid <= 0)
                        continue;
                pid_file(pid, path);
                if (read_full_file(path, &cur) < 0 || atoi(cur) == want)
                        continue;
                if (asprintf(&key, PLAN_OOM_PREFIX "%d", pid) < 0)
                        return;
                if (!state_get_original(state, u->name, key))
                        (void)state_put_original(state, u->name, u->priv->cgroup_id, key, cur);
        }
}

int oom_apply(Unit *u) {
        Manager *m = u->manager;
        UnitProp *up = &u->props[PROP_OOM_SCORE_ADJUST];
        const ResolvedProp *rp = &u->resolved.props[PROP_OOM_SCORE_ADJUST];
        _cleanup_free_ char *procs = NULL, *failure = NULL;
        _cleanup_strv_free_ char **keys = NULL;
        int32_t want = rp->value.reset ? 0 : rp->value.i;
        size_t n_ok = 0, n_fail = 0;
        char want_text[16];
        int r;

        snprintf(want_text, sizeof(want_text), "%d", (int)want);
        r = read_full_file_at(u->priv->dirfd, "cgroup.procs", &procs);
        if (r < 0)
                return log_debug_errno(r, "%s: cannot read cgroup.procs: %m", u->name);
        record_all(u, procs, want);
        r = state_flush_originals(&m->priv->state);
        if (r < 0)
                return log_error_errno(r, "%s: cannot save original oom_score_adj values, not changing them: %m",
                                       u->name);

        for (char *line = procs, *next; line && *line; line = next) {
                _cleanup_free_ char *cur = NULL, *key = NULL;
                char path[64];
                int pid;

                next = strchr(line, '\n');
                if (next)
                        *next++ = 0;
                pid = atoi(line);
                if (pid <= 0)
                        continue;
                pid_file(pid, path);
                r = read_full_file(path, &cur);
                if (r < 0)
                        continue; /* exited meanwhile */
                if (atoi(cur) == want) {
                        n_ok++;
                        continue;
                }
                if (asprintf(&key, PLAN_OOM_PREFIX "%d", pid) < 0)
                        return log_oom();
                if (!state_get_original(&m->priv->state, u->name, key)) {
                        r = state_put_original(&m->priv->state, u->name, u->priv->cgroup_id, key, cur);
                        if (r >= 0) /* a PID the pre-pass did not see */
                                r = state_flush_originals(&m->priv->state);
                        if (r < 0) {
                                n_fail++;
                                continue;
                        }
                }
                r = write_one_at(AT_FDCWD, path, want_text, false);
                if (r == -ESRCH || r == -ENOENT)
                        continue;
                if (r < 0) {
                        n_fail++;
                        if (!failure)
                                (void)asprintf(&failure,
                                               "not applied: writing oom_score_adj of PID %d failed: %s",
                                               pid, strerror(-r));
                        log_warning_errno(r, "%s: cannot set oom_score_adj of PID %d to %s: %m", u->name,
                                          pid, want_text);
                        continue;
                }
                log_info("%s: OOMScoreAdjust=%s written to PID %d", u->name, want_text, pid);
                n_ok++;
        }

        /* forget originals of processes that left the cgroup (exited or moved) */
        if (state_list_originals(&m->priv->state, u->name, &keys) >= 0)
                for (char **k = keys; *k; k++) {
                        char path[64];
                        int pid;

                        if (!plan_is_oom_key(*k, &pid))
                                continue;
                        pid_file(pid, path);
                        if (access(path, F_OK) < 0)
                                (void)state_drop_original(&m->priv->state, u->name, *k);
                }

        free(up->reason);
        up->reason = TAKE_PTR(failure);
        up->status = n_fail > 0 ? APPLY_NOT_APPLIED : APPLY_OK;
        free(up->effective_text);
        up->effective_text = n_fail == 0 && n_ok > 0 ? strdup(want_text) : NULL;
        /* EffectiveOOMScoreAdjust and explain read the parsed value, as for cgroup files */
        prop_value_done(&up->applied);
        up->applied = (PropValue){.i = want};
        up->has_applied = up->effective_text != NULL;
        return n_fail > 0 ? -EPERM : 0;
}
