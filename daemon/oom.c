/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* OOMScoreAdjust is a property of processes, not of the cgroup: write it to
 * /proc/PID/oom_score_adj of every process listed in cgroup.procs, and again
 * whenever cgroup.procs changes. The value each process had first is recorded
 * ("oom_score_adj:PID" in the originals, with the process's start time) and put
 * back on stop, to that process only: not once it left the cgroup, nor to a later
 * process that got the same PID. */

#include <fcntl.h>
#include <stdio.h>

#include "fileio.h"
#include "journal.h"
#include "log.h"
#include "manager-private.h"
#include "plan.h"

static int pid_file(int pid, char path[static 64]) {
        return snprintf(path, 64, "/proc/%d/oom_score_adj", pid);
}

static int proc_starttime(int pid, uint64_t *ret) {
        _cleanup_free_ char *stat = NULL;
        char path[64];
        int r;

        snprintf(path, sizeof(path), "/proc/%d/stat", pid);
        r = read_full_file(path, &stat);
        if (r < 0)
                return r == -ESRCH ? -ENOENT : r;
        return plan_proc_stat_starttime(stat, ret);
}

int oom_restore(Unit *u, int pid, const char *content, const char *procs) {
        uint64_t recorded, now;
        char path[64], value[16];
        int v, r;

        r = plan_oom_original_parse(content, &v, &recorded);
        if (r < 0) {
                log_warning_errno(r, "%s: unparsable original oom_score_adj of PID %d, dropping it", u->name, pid);
                return -ENOENT;
        }
        /* only what is still ours: moved elsewhere, it belongs to its new unit now */
        if (!plan_procs_contains(procs, pid)) {
                log_debug("%s: PID %d left the unit, leaving its oom_score_adj alone", u->name, pid);
                return -ENOENT;
        }
        if (recorded > 0 && (proc_starttime(pid, &now) < 0 || now != recorded)) {
                log_debug("%s: PID %d is another process than the one recorded, leaving it alone", u->name, pid);
                return -ENOENT;
        }

        pid_file(pid, path);
        snprintf(value, sizeof(value), "%d", v);
        r = write_one_at(AT_FDCWD, path, value, false);
        if (r == -ESRCH)
                r = -ENOENT; /* exited meanwhile */
        return r;
}

/* Records cur as the original of pid unless one is recorded for this very
 * process; one recorded for an earlier process with that PID is replaced. */
static int record_one(Unit *u, int pid, const char *key, const char *cur) {
        State *state = &u->manager->priv->state;
        const char *old = state_get_original(state, u->name, key);
        _cleanup_free_ char *content = NULL;
        uint64_t start = 0, recorded;
        int v;

        (void)proc_starttime(pid, &start);
        if (old) {
                if (plan_oom_original_parse(old, &v, &recorded) >= 0 && (recorded == 0 || recorded == start))
                        return 0;
                log_debug("%s: PID %d was reused since its original oom_score_adj was recorded", u->name, pid);
                (void)state_drop_original(state, u->name, key);
        }
        content = plan_oom_original_format(cur, start);
        if (!content)
                return -EINVAL;
        return state_put_original(state, u->name, u->priv->cgroup_id, key, content);
}

/* Records the original of every PID in procs that will be written, in memory, so
 * that one save of originals.json covers the whole cgroup, not one per PID. */
static void record_all(Unit *u, const char *procs, int32_t want) {
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
                (void)record_one(u, pid, key, cur);
        }
}

int oom_apply(Unit *u) {
        Manager *m = u->manager;
        UnitProp *up = &u->props[PROP_OOM_SCORE_ADJUST];
        const ResolvedProp *rp = &u->resolved.props[PROP_OOM_SCORE_ADJUST];
        _cleanup_free_ char *procs = NULL, *failure = NULL, *first_old = NULL;
        _cleanup_strv_free_ char **keys = NULL;
        int32_t want = rp->value.reset ? 0 : rp->value.i;
        size_t n_ok = 0, n_fail = 0, n_written = 0;
        int first_pid = 0;
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
                r = record_one(u, pid, key, cur);
                if (r >= 0) /* a PID the pre-pass did not see; a no-op otherwise */
                        r = state_flush_originals(&m->priv->state);
                if (r < 0) {
                        n_fail++;
                        continue;
                }
                r = write_one_at(AT_FDCWD, path, want_text, false);
                if (r == -ESRCH || r == -ENOENT)
                        continue;
                if (r < 0) {
                        n_fail++;
                        if (!failure)
                                (void)asprintf(&failure,
                                               "writing oom_score_adj of PID %d failed: %s",
                                               pid, strerror(-r));
                        log_warning_errno(r, "%s: cannot set oom_score_adj of PID %d to %s: %m", u->name,
                                          pid, want_text);
                        continue;
                }
                log_debug("%s: OOMScoreAdjust=%s written to PID %d", u->name, want_text, pid);
                if (n_written++ == 0) {
                        first_pid = pid;
                        first_old = strdup(strstrip_trailing(cur));
                }
                n_ok++;
        }
        /* one journal entry per pass, not per process: the unit's processes
         * fork with the value already (children inherit it), so a pass that
         * writes is a start, a change, or a process moved in from outside */
        if (n_written > 0) {
                _cleanup_free_ char *reason = apply_reason(rp);

                log_decision(&(Decision){.kind = DECISION_APPLY, .priority = LOG_INFO, .unit = u->name,
                                         .property = "OOMScoreAdjust", .old_value = first_old,
                                         .new_value = want_text, .layer = layer_to_string(rp->layer),
                                         .reason = reason},
                             "%s: setting OOMScoreAdjust=%s of %zu process%s (PID %d%s, was %s; %s)", u->name,
                             want_text, n_written, n_written == 1 ? "" : "es", first_pid,
                             n_written == 1 ? "" : " first", strna(first_old), strna(reason));
        }

        /* forget originals of processes that exited; one that moved out keeps its
         * record (it may come back), and oom_restore() skips it while it is away */
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
        PropValue v = {.i = want};
        (void)unit_prop_set_applied(up, up->effective_text ? &v : NULL);
        return n_fail > 0 ? -EPERM : 0;
}
