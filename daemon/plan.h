/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Pure decisions of the apply step: which cgroup files a property touches, which
 * recorded originals must be put back, cpu.max parameters, and the reason text
 * for a value that did not take. No I/O; tested by daemon/test-plan.c. */

#include <stdbool.h>
#include <stdint.h>

#include "property.h"
#include "resolve.h"

#define PLAN_MAX_FILES 3
#define PLAN_OOM_PREFIX "oom_score_adj:"

/* cgroup files property `id` may write (its table file plus e.g. cpu.idle for
 * CPUWeight=idle). Returns how many were stored in ret (0 for OOMScoreAdjust). */
size_t plan_property_files(PropertyId id, const char *ret[PLAN_MAX_FILES]);

/* Whether some managed property may write `file` (an "oom_score_adj:PID" key
 * belongs to OOMScoreAdjust). */
bool plan_file_claimed(const char *file, const bool managed[_PROP_MAX]);

/* Whether a key of the originals map is an oom_score_adj one; ret_pid optional. */
bool plan_is_oom_key(const char *key, int *ret_pid);

/* A process's start time, field 22 of /proc/PID/stat (clock ticks since boot):
 * with the PID it tells a process from a later one that got the same PID. The
 * comm field may hold spaces and parentheses, so fields count from the last ')'. */
int plan_proc_stat_starttime(const char *stat, uint64_t *ret);

/* The recorded original oom_score_adj of a process: "VALUE STARTTIME\n". Records
 * of older versions hold "VALUE\n" only: parsed with *ret_starttime = 0. */
char *plan_oom_original_format(const char *value, uint64_t starttime);
int plan_oom_original_parse(const char *content, int *ret_value, uint64_t *ret_starttime);

/* Whether cgroup.procs text lists pid. */
bool plan_procs_contains(const char *procs, int pid);

/* cpu.max holds quota and period together: what to pass to
 * property_cgroup_writes() for it, from the resolved values (defaults: period
 * 100ms, quota unlimited). */
void plan_cpu_max(const Resolved *r, uint64_t *ret_period_usec, uint64_t *ret_quota_per_sec_usec);

/* Why a property did not take, for the status text:
 *   write_error    negative errno of the write (0 when the write succeeded or none was made)
 *   file_present   whether the attribute file exists
 *   controller_available  whether the controller is listed in the cgroup's cgroup.controllers
 *   cause          what the backend knows of the failure (a device not found, originals.json
 *                  not saved), taken as it is; NULL when only the errno is known
 *   effective/desired     canonical text (may be NULL)
 * Returns the why alone ("io.max absent"; the status says "not-applied"),
 * malloc'ed, NULL on OOM. */
char *plan_reason(const Property *p, int write_error, const char *cause, bool file_present, bool controller_available,
                  const char *effective, const char *desired);

/* Whether unit_apply() must write property p:
 *   desired       the resolved value, desired_text its canonical text
 *   applied       the value read back from the cgroup (NULL when unreadable)
 *   satisfied     property_cgroup_satisfies() of the two: the read back status,
 *                 tolerant of the kernel's rounding (cpu.weight ±1, pages, ...)
 *   written_text  desired_text of our last successful write (NULL if none)
 * The tolerance is for judging what a write left behind, not for deciding to
 * write: a change of desired value (100 → 101) is written even when the old
 * value would "satisfy" the new one. */
bool plan_needs_write(const Property *p, const PropValue *desired, const PropValue *applied, bool satisfied,
                      const char *desired_text, const char *written_text);

/* Unit names: "name.service", ".scope", ".slice"; no '/', not "." or "..". */
bool plan_unit_name_valid(const char *name);
/* Ends like a unit (.service/.scope/.slice): worth a warning when it is not valid. */
bool plan_unit_name_looks_like_unit(const char *name);

/* systemd's slice nesting: "a-b.slice" → "/a.slice/a-b.slice", "system.slice" →
 * "/system.slice", "-.slice" → "/". -EINVAL for anything else. */
int plan_slice_path(const char *slice, char **ret);
