/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The pressure controller (DESIGN.md "Pressure"), as a pure state machine: no
 * I/O, no clock. The daemon owns a PressureController, and on every wake-up
 * (PSI trigger fd readable, the timer it armed for next_tick_usec, a policy
 * reload, a unit appearing or going) calls pressure_controller_tick() with the
 * time, what the watched slice's *.pressure files say and the candidate units.
 * It gets back decisions to apply to each unit's pressure layer (Unit.pressure,
 * see pressure_decision_apply()) and when it wants to be called again.
 *
 * Per resource (memory, cpu, io) the controller is in one phase:
 *   idle        nothing adjusted, no timer: only a PSI trigger wakes us;
 *   throttling  pressure was seen: each `interval` while the trigger fires (or
 *               the trigger kind's avg10 exceeds the trigger's stall/window
 *               share) sheddable units are stepped down; between the trigger
 *               and `calm` we hold what we have;
 *   relaxing    pressure stayed under `calm` for `hold`: each `interval` the
 *               adjustments step back toward the configured values; once all
 *               are gone the resource goes idle.
 *
 * What is stepped:
 *   memory  sheddable: MemoryHigh down by `step` of min(limit in force, usage),
 *           page aligned, never below the floor (Resolved.floor MemoryHigh,
 *           default PRESSURE_DEFAULT_MEMORY_FLOOR), never below anonymous
 *           usage + PRESSURE_ANON_MARGIN when that cannot be swapped, and never
 *           above the configured value; protected: MemoryLow up by `step` of
 *           usage, from the configured MemoryLow, never above the usage, and
 *           only in changes of at least PRESSURE_MIN_LOW_STEP.
 *   cpu     sheddable: CPUWeight down by `step` (at least 1), floor from
 *           Resolved.floor CPUWeight or 1.
 *   io      sheddable: IOWeight likewise.
 * All sheddable units are stepped at each interval, largest memory_current
 * first (ties by name), so decisions come in that order.
 *
 * Relaxing raises (or for MemoryLow lowers) by `step` of the value in force
 * each interval; reaching the configured value drops the adjustment. A
 * MemoryHigh whose configured value is infinity cannot be reached step-wise:
 * it is dropped once usage sits more than one step below it (the limit no
 * longer holds the unit back) or usage is unknown.
 *
 * On every tick, whatever the phase, adjustments that no longer make sense are
 * dropped or clamped: configured value lowered to/below a MemoryHigh/weight
 * adjustment (or raised to/above a MemoryLow one), a floor raised above an
 * adjustment, the unit no longer of the class, mode "off" or the resource's
 * pressure section gone. The daemon should therefore also tick after a reload.
 *
 * Mode dry-run runs the same machine with every decision flagged dry_run: the
 * daemon signals them but writes nothing. To simulate a whole episode it should
 * keep the dry-run values as a shadow adjustment and pass that in as
 * PressureUnit.adjustment; passing none simply repeats the first step.
 *
 * Optional escalation (PressureController.freeze, off by default): when a
 * resource has been throttling with pressure not calm for `hold` while every
 * sheddable unit sits at its floor, those units are frozen (cgroup.freeze);
 * they are thawed when that resource starts relaxing, its handling is turned
 * off, or escalation is disabled. Freeze/thaw decisions have property
 * _PROP_INVALID, old/new value 0/1 and a reason starting "freeze:"/"thaw:".
 *
 * Deterministic: same state and inputs, same outputs. Missing PSI data counts
 * as calm (only a trigger firing is pressure), so units are never left
 * squeezed because a file could not be read. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy.h"
#include "property.h"
#include "psi.h"

/* memory.high is kept in pages by the kernel; we decide page-aligned values so
 * the read back matches what was asked for. */
#define PRESSURE_PAGE_SIZE UINT64_C(4096)
/* Floor for MemoryHigh when no policy gives one: low enough to shed almost all
 * of a batch job's page cache, high enough that the job can still make progress
 * instead of thrashing. */
#define PRESSURE_DEFAULT_MEMORY_FLOOR (UINT64_C(64) << 20)
/* Room above a unit's anonymous memory that a squeeze leaves it when there is no
 * swap: below anon + this, memory.high reclaims nothing and only throttles (the
 * unit freezes in reclaim and stalls everyone it shares a lock with); with this
 * much room it can still run and keep a little page cache. */
#define PRESSURE_ANON_MARGIN (UINT64_C(32) << 20)
/* Smallest MemoryLow change worth a write: the protected unit's usage creeps,
 * and following it page by page is a call through PID 1 per tick for nothing. */
#define PRESSURE_MIN_LOW_STEP (UINT64_C(16) << 20)
/* What the headroom leaves the rest of the host (its binaries' page cache, the
 * kernel's slack): at least this, or PRESSURE_HEADROOM_RESERVE_PERMYRIAD of RAM. */
#define PRESSURE_HEADROOM_MIN_RESERVE (UINT64_C(128) << 20)
#define PRESSURE_HEADROOM_RESERVE_PERMYRIAD UINT64_C(200)
/* Floor for CPUWeight/IOWeight when no policy gives one: the smallest weight. */
#define PRESSURE_DEFAULT_WEIGHT_FLOOR UINT64_C(1)

typedef enum PressurePhase {
        PRESSURE_PHASE_IDLE,
        PRESSURE_PHASE_THROTTLING,
        PRESSURE_PHASE_RELAXING,
        _PRESSURE_PHASE_MAX,
} PressurePhase;

/* "idle", "throttling", "relaxing"; NULL when out of range. */
const char *pressure_phase_to_string(PressurePhase p);

/* What the watched cgroups say for one resource since the last tick: psi is the
 * slice's, or when there are protected units, theirs (the worst of them), and
 * then the slice comes separately: it decides only what they cannot see.
 *   - The slice's `full` (no task in it making progress) is pressure always.
 *   - Its trigger kind (trigger fired, or avg10 above the trigger's share) is
 *     pressure only while no sheddable unit is squeezed for this resource: a
 *     real shortage protection pushes onto everyone else before the protected
 *     units feel it; once we throttle, it includes the stall we cause.
 *   - Calm needs the slice calm too: a batch held back while it still wants
 *     more stalls in its limit, and giving back then only starts it again. */
typedef struct PressureSignal {
        bool has_psi; /* psi holds a fresh read of memory|cpu|io.pressure */
        PsiPressure psi;
        bool triggered; /* the PSI trigger fd fired since the last tick */
        bool has_slice; /* slice holds the slice's read, psi the protected units' */
        PsiPressure slice;
        bool slice_triggered; /* the slice's trigger fired since the last tick */
} PressureSignal;

/* One candidate unit. Only CLASS_SHEDDABLE and CLASS_PROTECTED units are acted
 * on; others only have leftover adjustments dropped. */
typedef struct PressureUnit {
        const char *name; /* required, non-empty */
        PolicyClass class;
        uint64_t memory_current; /* bytes; UINT64_MAX when unknown */
        /* memory.stat anon, bytes; UINT64_MAX when unknown. Without swap it cannot be
         * reclaimed: MemoryHigh is never stepped below it plus PRESSURE_ANON_MARGIN. */
        uint64_t memory_anon;
        bool swap; /* anonymous memory can go to swap (swap on, MemorySwapMax not 0) */
        /* Configured values: what policies and overrides resolve to without the
         * pressure layer (or the unit's own value when no layer sets it). */
        uint64_t memory_high; /* bytes; UINT64_MAX = infinity */
        uint64_t memory_low;  /* bytes */
        uint64_t cpu_weight;  /* 0 = idle */
        uint64_t io_weight;
        const PropSet *floor;      /* Resolved.floor; NULL = default floors */
        const PropSet *adjustment; /* the values this controller set last (Unit.pressure); NULL = none */
        bool frozen;               /* frozen by an earlier freeze decision (not by anyone else) */
        bool held;                 /* MemoryHigh held to the headroom (pressure_headroom()): held back
                                      already, so the slice's stall is partly its own */
} PressureUnit;

/* Name, class and usage as given; configured values at their defaults
 * (pressure_default_value()); anonymous usage unknown; no floor, adjustment or
 * freeze. */
void pressure_unit_init(PressureUnit *u, const char *name, PolicyClass class, uint64_t memory_current);

/* The resource whose loop decides property id (MemoryHigh/MemoryLow: memory,
 * CPUWeight: cpu, IOWeight: io); -1 for every other property. */
int pressure_property_resource(PropertyId id);

/* Value of a property nobody set: MemoryHigh UINT64_MAX, MemoryLow 0,
 * CPUWeight/IOWeight 100; 0 for properties the controller does not handle. */
uint64_t pressure_default_value(PropertyId id);

typedef struct PressureDecision {
        char *unit;        /* unit name (copy) */
        size_t unit_index; /* index into the units array passed in */
        PressureResource resource;
        PropertyId property; /* MemoryHigh, MemoryLow, CPUWeight, IOWeight; _PROP_INVALID = freeze/thaw */
        uint64_t old_value;  /* value in force before: the adjustment, else the configured value */
        uint64_t new_value;  /* value in force after */
        bool drop;           /* new_value is the configured value: remove the adjustment */
        bool dry_run;        /* decided in mode dry-run: signal, do not write */
        char *reason;        /* one line for the journal and the Rebalanced signal */
} PressureDecision;

typedef struct PressureResult {
        PressureDecision *decisions;
        size_t n_decisions;
        PressurePhase phase[_RES_MAX];
        uint64_t next_tick_usec; /* tick again at this time; USEC_INFINITY: only on a PSI trigger */
} PressureResult;

void pressure_result_done(PressureResult *r);

typedef struct PressureResourceState {
        PressurePhase phase;
        uint64_t last_step_usec;   /* last step in the current phase; USEC_INFINITY = none yet */
        uint64_t calm_since_usec;  /* first tick of the current calm stretch; USEC_INFINITY = not calm */
        uint64_t floor_since_usec; /* all sheddable units at their floor under pressure since; USEC_INFINITY
                                      = no */
        bool escalated;            /* freeze in force for this resource */
} PressureResourceState;

typedef struct PressureController {
        PressureResourceState res[_RES_MAX];
        bool freeze; /* allow the freeze escalation */
} PressureController;

/* All resources idle. */
void pressure_controller_init(PressureController *c, bool freeze);

/* One step of the machine at now_usec (CLOCK_MONOTONIC µs). config, signal:
 * indexed by PressureResource. units may be NULL when n_units is 0.
 * Returns 0 and fills *ret (which the caller frees with pressure_result_done),
 * or -EINVAL for a NULL argument or a unit without a name, -ENOMEM; on error
 * neither *c nor *ret is changed. */
int pressure_controller_tick(PressureController *c, uint64_t now_usec, const PressureConfig config[_RES_MAX],
                             const PressureSignal signal[_RES_MAX], const PressureUnit *units,
                             size_t n_units, PressureResult *ret);

/* Headroom: without swap, what a sheddable unit takes in anonymous memory
 * cannot be given back. Growing into what protected units claim, it finds
 * nothing to reclaim but their cache and every binary's, and the host thrashes
 * before PSI shows a stall (seen on the test bed: slice `some` 0.00% until the
 * guest froze). So its MemoryHigh is held to what they leave:
 *   available + own_anon - claims - reserve
 * available: MemAvailable (bytes); own_anon: the unit's memory.stat anon (in use
 * by it, not in MemAvailable); claims: the protection given to protected units;
 * reserve: max(PRESSURE_HEADROOM_MIN_RESERVE, total * PERMYRIAD / 10000).
 * Page aligned, never below floor. Unlike a squeeze it may sit at or below the
 * unit's anonymous usage: as the unit grows, available falls by what own_anon
 * gains, so the limit stays put, and lifting it to anon + margin would let a
 * batch that presses past its soft limit ratchet it up for ever (seen in the
 * VM). Held there, the unit is throttled only when it allocates more. */
uint64_t pressure_headroom(uint64_t available, uint64_t total, uint64_t own_anon, uint64_t claims, uint64_t floor);

/* Applies one decision to a unit's pressure layer: drop → unset, else set
 * the property to new_value. Freeze/thaw decisions leave it alone. Returns 0,
 * or -EINVAL for a property the controller never decides. */
int pressure_decision_apply(const PressureDecision *d, PropSet *adjustment);
