/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Daemon-internal parts of Manager and Unit, shared by the manager-*.c, discovery,
 * backend and oom files. The D-Bus side does not include this. */

#include "backend.h"
#include "backoff.h"
#include "manager.h"
#include "metrics-daemon.h"
#include "state.h"
#include "wd-index.h"

/* A unit's fights with other writers: 1 KB that the units nobody fights
 * over do without (issue 10: memory per unit). */
typedef struct UnitDrift {
        DriftBackoff backoff[_PROP_MAX]; /* another writer keeps changing the file: wait longer */
        bool reasserting[_PROP_MAX];     /* drift seen: the next write of it is a re-assertion */
        uint64_t reasserts[_PROP_MAX];   /* re-assertions written (metrics) */
} UnitDrift;

struct UnitPrivate {
        int dirfd;               /* the unit's cgroup directory; -1 if not open */
        int wd;                  /* inotify watch on it; -1 if none */
        uint64_t cgroup_id;      /* inode of the directory: tells instances apart */
        bool discover_children;  /* a (watched) slice: its child cgroups are units too */
        bool managed[_PROP_MAX]; /* some layer set it at the last apply */
        char *seen[_PROP_MAX];   /* file contents at the last read back (drift detection) */
        char *written[_PROP_MAX]; /* desired text of our last successful write (NULL: none) */
        bool dirty;              /* re-check for drift on the next defer run */
        bool procs_dirty;        /* cgroup.procs changed: OOMScoreAdjust for new PIDs */
        bool apply_in_flight;    /* systemd backend: SetUnitProperties pending */
        bool reapply;            /* unit_apply() wanted to write while a call was in flight */
        bool cover_dirty;        /* a slice: protection given below it changed (hierarchy.c) */
        bool gone;               /* its cgroup went away: being removed */
        bool todo[_PROP_MAX];    /* the plan of unit_apply_prepare() for unit_apply_commit() */
        bool planned;            /* todo is fresh */
        bool queued;             /* in ManagerPrivate.apply_queue */
        bool on_work_list;       /* in ManagerPrivate.work_list (dirty, procs_dirty or cover_dirty) */
        char *cause[_PROP_MAX];  /* why the backend's last apply of a property failed, when it knows
                                  * better than the errno (a device not found, a state file not saved) */
        unsigned retries;        /* applies in a row that failed for a cause that may pass */
        bool originals_unknown;  /* there at a start that found originals.json damaged: its files
                                  * may hold our values, none is recorded as an original */
        bool originals_unknown_warned;
        bool exe_warned;         /* said once that /proc/PID/exe could not be read */
        UnitDrift *drift;        /* allocated at the first drift: most units never see one */
        sd_event_source *reassert_timer; /* a backed-off re-assert; off while none is due */
        uint64_t settle_until;   /* systemd backend: PID 1 may still write what we asked before this */
        sd_event_source *settle_timer; /* re-check of a file read while PID 1 was still writing */
        uint64_t apply_since_usec; /* a change decided, not yet written: since when (0: none) */
        uint64_t usage_read_usec;  /* CLOCK_MONOTONIC of the last unit_read_usage() (0: never) */
        uint64_t usage_read_realtime; /* the same, CLOCK_REALTIME: the bus's UsageTimestamp */
};

/* PID 1 answers SetUnitProperties before it writes the cgroup (its realize
 * queue runs later), and under load the write of an earlier call can land after
 * our next one: a file that differs from what we want this soon after a call is
 * looked at again later, not taken for someone else's write. */
#define PID1_SETTLE_USEC (3 * USEC_PER_SEC)

typedef struct PressureLoop PressureLoop;

struct ManagerPrivate {
        State state;
        PressureLoop *pressure;
        int inotify_fd;
        WdIndex wd_index; /* inotify watches → units */
        sd_event_source *inotify_source;
        sd_event_source *work_source; /* defer: dirty units; off while nothing is dirty */
        Unit **work_list;             /* the units with something to look at (manager_mark_work) */
        size_t n_work_list, work_list_alloc;
        Unit **work_busy;             /* the list on_work is going through; removed units are NULLed */
        size_t n_work_busy;
        Unit **apply_queue;           /* units waiting for their apply (manager_queue_apply) */
        size_t n_apply_queue, apply_queue_alloc;
        sd_event_source *apply_source; /* defer, low priority: works through apply_queue in slices */
        size_t applied_since_drain;    /* units the queue applied since it last ran empty */
        bool stopping;
        bool ready_pending; /* READY=1 once the apply queue drains */
        bool ready_sent;    /* READY=1 said: units found from now on are new to us */
        uint64_t protected_claims; /* MemoryLow/Min given to protected units, summed (hierarchy.c) */
        bool headroom_dirty;       /* protected_claims changed: re-resolve sheddable units */
        uint64_t meminfo_usec;     /* loop iteration of the /proc/meminfo read below; 0 = none */
        uint64_t mem_available, mem_total, swap_total;
        unsigned bus_in_flight; /* our async calls to PID 1 awaiting a reply (manager_bus_room()) */
        MetricsCounters metrics;
        MetricsFile *metrics_file; /* --metrics-file; NULL without */
        struct Fetch **fetch_queue; /* systemd discovery: GetAll calls waiting for room */
        size_t n_fetch_queue, fetch_queue_alloc;
        struct Found *found;        /* cgroupfs discovery: child cgroups a scan found, not yet added */
        size_t found_head, n_found, found_alloc;
        sd_event_source *found_source; /* defer: adds them in slices, so the bus is served meanwhile */
        bool discovering;              /* the first discovery has not finished */
        bool started;                  /* run() has set everything up and enters the loop */
};

/* apply-queue.c: dbus-daemon allows 128 pending replies per connection and fails
 * every call beyond (seen in the VM after a daemon-reload: "ListUnits failed"),
 * so async calls to PID 1 are held to MANAGER_BUS_MAX_IN_FLIGHT; apply and
 * discovery wait for room and resume when replies come in. */
#define MANAGER_BUS_MAX_IN_FLIGHT 64u
size_t manager_bus_room(Manager *m); /* SIZE_MAX without the systemd backend */
void manager_bus_call_begin(Manager *m);
void manager_bus_call_end(Manager *m); /* resumes the apply queue and discovery */
void discover_systemd_pump(Manager *m); /* discover-systemd.c: send queued fetches while there is room */
void discover_systemd_free(Manager *m);

/* manager.c */
int manager_new(Manager **ret);
Manager *manager_free(Manager *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(Manager *, manager_free);
int manager_startup(Manager *m);
void manager_shutdown(Manager *m); /* restores originals of every unit */
/* user and main_pid come from systemd (NULL/0 with cgroupfs). Returns 1 if added,
 * 0 if it existed (info updated, re-applied when it changed), negative errno. */
int manager_add_unit(Manager *m, const char *name, const char *slice, const char *cgroup_path,
                     bool discover_children, const char *user, pid_t main_pid, Unit **ret);
void manager_remove_unit(Manager *m, const char *name);
void manager_schedule_work(Manager *m);
/* u has something for on_work (a flag of dirty, procs_dirty, cover_dirty set):
 * on the list that on_work goes through, so that one event costs O(1), not a
 * scan of every unit. */
void manager_mark_work(Unit *u);
/* Applies u soon, in a batch with others (apply-queue.c): start-up, reload and
 * discovery of many units at once save originals once per batch, and the bus is
 * served between batches. */
void manager_queue_apply(Unit *u);
void manager_unqueue_apply(Unit *u); /* u is going away */
bool manager_apply_pending(Manager *m);
void manager_apply_queue_drained(Manager *m); /* called by the queue when it runs empty */
void manager_discovery_done(Manager *m);      /* the first discovery is over: say so, prune */
void manager_log_running(Manager *m);         /* "cgpolicyd VERSION running: ..., N units" */
void manager_notify_ready(Manager *m);        /* sd_notify READY=1 and STATUS= */
/* READY=1 now, or once what is queued has been applied (start-up, reload) */
void manager_notify_ready_when_applied(Manager *m);
void manager_apply_queue_free(Manager *m);

/* unit.c */
int unit_new(Manager *m, const char *name, Unit **ret);
Unit *unit_free(Unit *u);
void unit_prop_done(UnitProp *p);
/* The cgroup was removed under us (its path is gone or names another
 * directory): failures are expected then, worth a debug line at most. */
bool unit_vanished(Unit *u);

/* manager-apply.c */
int unit_apply(Unit *u);        /* resolve + restore + write + read back + emit */
/* unit_apply() in two halves, so that many units share one save of originals.json:
 * prepare (plan, record originals in memory) all, state_flush_originals(), commit
 * all. Nothing may change a unit in between. */
int unit_apply_prepare(Unit *u);
int unit_resolve(Unit *u); /* desired values and class only, no I/O */
/* u's value of a numeric property without us: its recorded original, else what it
 * holds while we leave it alone, else fallback */
uint64_t unit_own_value(Unit *u, PropertyId id, uint64_t fallback);
void unit_apply_commit(Unit *u);
void unit_restore_all(Unit *u); /* stop: put every original back */
void unit_forget_pressure(Unit *u); /* systemd, cgroup gone: no squeeze left in PID 1 for the next start */
void unit_read_usage(Unit *u);  /* memory.current and *.pressure only */
int unit_check_drift(Unit *u);  /* re-read managed files, re-assert changed ones */
int unit_refresh_info(Unit *u); /* populated, exe from first PID */
char *apply_reason(const ResolvedProp *rp); /* an apply's journal REASON: "policy db", "set-property" */

/* hierarchy.c */
void hierarchy_cover(Unit *u, Resolved *r); /* a slice: raise MemoryLow/Min to what is below */
/* after c's resolve: re-apply its slice if the protection c is given changed
 * (before: the previous Resolved, NULL for a new unit) */
void hierarchy_child_changed(Unit *c, const Resolved *before);
void hierarchy_child_gone(Unit *c); /* c left: its slice's sum drops */
void hierarchy_headroom(Unit *u, Resolved *r); /* sheddable, no swap: MemoryHigh within what protected units leave */

/* oom.c */
int oom_apply(Unit *u); /* every PID of the cgroup → desired oom_score_adj */
/* Puts content back on pid if it is still in the unit (procs: its cgroup.procs,
 * NULL when unreadable) and the process recorded; -ENOENT when it is not. */
int oom_restore(Unit *u, int pid, const char *content, const char *procs);

/* discover-cgroupfs.c */
int discover_inotify_setup(Manager *m); /* before any unit is added */
/* Adds the watched slices; their children are added in slices from the event
 * loop, and manager_discovery_done() is called once the first pass is over. */
int discover_cgroupfs_start(Manager *m);
void discover_cgroupfs_free(Manager *m);
bool discover_cgroupfs_pending(Manager *m);
void discover_cgroupfs_prune(Manager *m); /* drop originals of units that are gone */
int discover_unit_watch(Unit *u);
void discover_unit_unwatch(Unit *u);

/* pressure-loop.c */
int pressure_loop_setup(Manager *m); /* (re)arm PSI triggers for m->policies, then tick */
void pressure_loop_kick(Manager *m, int resource, bool triggered); /* tick soon; resource -1: none */
void pressure_loop_woken(Manager *m); /* a PSI trigger (or its stand-in) fired: the reaction clock starts */
void pressure_loop_free(Manager *m);
/* arm (or drop) the unit's PSI triggers when it is the watched slice or protected */
void pressure_loop_unit_added(Manager *m, Unit *u);
void pressure_loop_unit_removed(Manager *m, const char *name);

/* discover-systemd.c */
int discover_systemd_start(Manager *m);
