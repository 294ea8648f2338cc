/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Persistence (jansson): override layers and the original values of the files the
 * daemon changed. Every change is written atomically before it takes effect.
 *   <state_dir>/overrides.json    persistent layer  {"units": {"db.service": {"CPUWeight": "300"}}}
 *   <runtime_dir>/overrides.json  runtime layer     (same format)
 *   <runtime_dir>/originals.json  {"units": {"db.service": {"cgroup-id": N, "files": {"cpu.weight":
 * "100\n"}}}} Originals live in the runtime dir: after a reboot every cgroup is new, so old originals would
 * be wrong; after a daemon crash they are exactly what we need.
 *   <runtime_dir>/originals.log   a batch's originals, appended (state-log.c)
 *   <runtime_dir>/revert.json     a revert in progress {"unit": "db.service", "properties": [...] | null}:
 * written (atomically) before either layer, removed after both. Its rename is the
 * commit point: a daemon killed after it finishes the revert at the next start,
 * one killed before it never began. (A reboot in between loses it with the
 * runtime layer, which leaves the persistent one either reverted or untouched:
 * both are states the revert could have left.) */

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "policy.h"

typedef struct State {
        char *persistent_path, *runtime_path, *originals_path, *revert_path;
        json_t *persistent, *runtime, *originals; /* the "units" objects */
        /* set when the file on disk could be neither used nor moved aside: never overwrite it */
        bool persistent_locked, runtime_locked, originals_locked;
        /* originals.json existed but could not be read (kept aside): the cgroups
         * present now may hold our values, which must not pass for originals */
        bool originals_lost;
        /* originals changed in memory since the last save; n_originals_saves counts saves */
        bool originals_dirty;
        unsigned n_originals_saves;
        /* a batch (state_originals_batch()) appends to originals.log (state-log.c) */
        char *originals_log_path;
        json_int_t originals_generation; /* of originals.json; the log carries it too */
        json_t *originals_touched;       /* units changed since the last save or append */
        bool originals_appending;        /* in a batch: flushes append */
        bool originals_logged;           /* the log holds what originals.json does not */
        bool originals_log_found;        /* a log was there at the load: the first flush saves whole, so
                                          * nothing is appended after a torn line or an old header */
} State;

/* Missing files are empty state. A malformed file, or anything not a regular file,
 * is moved aside to <file>.corrupt-<UTC time> with an error naming file:line:column,
 * and the daemon goes on without its entries; one that cannot be moved is never
 * written. Temp files of interrupted atomic writes are removed. */
int state_load(State *s, const char *state_dir, const char *runtime_dir);
void state_done(State *s);

/* The unit's persistent (runtime=false) or runtime layer, parsed through the
 * property table. Entries that no longer parse are logged and skipped. */
int state_get_layer(State *s, bool runtime, const char *unit, const ParseContext *ctx, PropSet *ret);
/* Replaces the unit's layer and saves; on failure the old layer stays (memory and disk). */
int state_set_layer(State *s, bool runtime, const char *unit, const PropSet *set);
/* Drops the named properties (NULL: all) of the unit from both layers as one step
 * (see revert.json above); on failure neither layer changed. */
int state_revert(State *s, const char *unit, const char *const *props);

/* Originals. get returns NULL when none recorded. */
const char *state_get_original(State *s, const char *unit, const char *file);
/* Originals are changed in memory and saved by state_flush_originals(), so a unit's
 * (or a pass's) originals cost one write, not one per file: whoever records an
 * original must flush, and succeed, before changing the file it belongs to. A drop
 * may wait for the next flush: a crash before it only restores a value that is
 * already there. */
int state_flush_originals(State *s);
/* Between on and off, flushes append the units they changed to originals.log
 * instead of rewriting originals.json (O(N) per flush); off folds the log into
 * one full save. */
int state_originals_batch(State *s, bool on);
/* Records (if not yet recorded), in memory. cgroup_id identifies the cgroup
 * instance the originals belong to. */
int state_put_original(State *s, const char *unit, uint64_t cgroup_id, const char *file,
                       const char *content);
int state_drop_original(State *s, const char *unit, const char *file);
int state_drop_unit_originals(State *s, const char *unit);
/* Drops the unit's originals if they were recorded for another cgroup instance. */
int state_check_cgroup_id(State *s, const char *unit, uint64_t cgroup_id);
/* Drops the originals of every unit for which keep() returns false (units gone
 * while the daemon was not running); saves if anything changed. */
int state_prune_originals(State *s, bool (*keep)(const char *unit, void *userdata), void *userdata);
/* NULL-terminated malloc'ed list of the units with recorded originals. */
int state_list_original_units(State *s, char ***ret);
/* NULL-terminated malloc'ed list of the unit's recorded file keys (may be empty). */
int state_list_originals(State *s, const char *unit, char ***ret);
