/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The pressure controller over simulated time: a small simulator plays the
 * daemon (applies decisions to each unit's pressure layer, models usage as
 * min(demand, MemoryHigh in force)) and each scenario is a table of ticks with
 * the exact decisions, phase and next wake-up expected. Expected sizes were
 * worked out by hand from the rules in pressure.h (step = 10% of the value,
 * rounded down to a 4096-byte page, at least one page). */

#include <errno.h>

#include "pressure.h"
#include "tests.h"

#define M (UINT64_C(1) << 20)
#define INF UINT64_MAX
#define NEVER USEC_INFINITY
#define NO_PSI (-1)
#define MAX_UNITS 8

typedef struct SimUnit {
        const char *name;
        PolicyClass class;
        uint64_t demand; /* what it would use; INF = usage unknown */
        uint64_t memory_high, memory_low, cpu_weight, io_weight;
        PropSet floor;
        PropSet adj;
        uint64_t anon; /* memory.stat anon; INF = unknown */
        bool swap;
        bool frozen;
        bool present;
} SimUnit;

typedef struct Sim {
        PressureController c;
        PressureConfig cfg[_RES_MAX];
        PressureSignal sig[_RES_MAX];
        SimUnit u[MAX_UNITS];
        size_t n;
        bool apply; /* play the daemon: feed decisions back (dry-run ones as a shadow) */
        bool held_batch; /* sheddable units held to the headroom */
        PressureResult r;
} Sim;

static void sim_init(Sim *s, bool freeze) {
        *s = (Sim){.apply = true};
        pressure_controller_init(&s->c, freeze);
        for (PressureResource r = 0; r < _RES_MAX; r++) {
                pressure_config_default(&s->cfg[r]);
                s->cfg[r].enabled = true;
        }
}

static void sim_done(Sim *s) {
        pressure_result_done(&s->r);
        for (size_t i = 0; i < s->n; i++) {
                prop_set_done(&s->u[i].floor);
                prop_set_done(&s->u[i].adj);
        }
}

static SimUnit *sim_add(Sim *s, const char *name, PolicyClass class, uint64_t demand) {
        ASSERT_TRUE(s->n < MAX_UNITS);
        SimUnit *u = &s->u[s->n++];
        *u = (SimUnit){
                .name = name,
                .class = class,
                .demand = demand,
                .memory_high = INF,
                .memory_low = 0,
                .cpu_weight = 100,
                .io_weight = 100,
                .anon = INF,
                .present = true,
        };
        return u;
}

static SimUnit *sim_find(Sim *s, const char *name) {
        for (size_t i = 0; i < s->n; i++)
                if (streq(s->u[i].name, name))
                        return &s->u[i];
        ASSERT_TRUE(!"no such unit");
        return NULL;
}

static void set_floor(SimUnit *u, PropertyId id, uint64_t value) {
        PropValue v = {.u = value};
        prop_set_put(&u->floor, id, &v);
}

/* The value in force: the adjustment if any, else the configured one. */
static uint64_t in_force(const SimUnit *u, PropertyId id) {
        if (u->adj.has[id])
                return u->adj.v[id].u;
        switch (id) {
        case PROP_MEMORY_HIGH:
                return u->memory_high;
        case PROP_MEMORY_LOW:
                return u->memory_low;
        case PROP_CPU_WEIGHT:
                return u->cpu_weight;
        default:
                return u->io_weight;
        }
}

static uint64_t usage(const SimUnit *u) {
        uint64_t h = in_force(u, PROP_MEMORY_HIGH);
        return u->demand < h ? u->demand : h;
}

static void sim_signal(Sim *s, PressureResource res, bool triggered, int64_t some_avg10) {
        s->sig[res] = (PressureSignal){.triggered = triggered};
        if (some_avg10 >= 0) {
                s->sig[res].has_psi = true;
                s->sig[res].psi.has_some = s->sig[res].psi.has_full = true;
                s->sig[res].psi.some.avg10 = (uint64_t)some_avg10;
                s->sig[res].psi.full.avg10 = (uint64_t)some_avg10 / 2;
        }
}

static void sim_tick(Sim *s, uint64_t now_ms) {
        PressureUnit units[MAX_UNITS];
        SimUnit *map[MAX_UNITS];
        size_t n = 0;

        for (size_t i = 0; i < s->n; i++) {
                SimUnit *su = &s->u[i];
                if (!su->present)
                        continue;
                PressureUnit *u = &units[n];
                pressure_unit_init(u, su->name, su->class, su->demand == INF ? INF : usage(su));
                u->memory_high = su->memory_high;
                u->memory_low = su->memory_low;
                u->cpu_weight = su->cpu_weight;
                u->io_weight = su->io_weight;
                u->floor = &su->floor;
                u->adjustment = &su->adj;
                u->frozen = su->frozen;
                u->memory_anon = su->anon;
                u->swap = su->swap;
                u->held = s->held_batch && su->class == CLASS_SHEDDABLE;
                map[n++] = su;
        }

        pressure_result_done(&s->r);
        ASSERT_EQ_INT(
                pressure_controller_tick(&s->c, now_ms * USEC_PER_MSEC, s->cfg, s->sig, units, n, &s->r), 0);

        for (size_t i = 0; i < s->r.n_decisions; i++) {
                const PressureDecision *d = &s->r.decisions[i];
                ASSERT_TRUE(d->unit_index < n);
                ASSERT_STREQ(d->unit, map[d->unit_index]->name);
                ASSERT_TRUE(d->reason && d->reason[0]);
                if (d->property == _PROP_INVALID) {
                        ASSERT_EQ_U64(d->old_value, map[d->unit_index]->frozen);
                } else {
                        /* old is what was in force, whatever produced the decision */
                        ASSERT_EQ_U64(d->old_value, in_force(map[d->unit_index], d->property));
                }
                if (!s->apply)
                        continue;
                if (d->property == _PROP_INVALID)
                        map[d->unit_index]->frozen = d->new_value;
                else
                        ASSERT_EQ_INT(pressure_decision_apply(d, &map[d->unit_index]->adj), 0);
        }
}

typedef struct Expect {
        const char *unit; /* NULL ends the list */
        PropertyId prop;
        uint64_t old_value, new_value;
        bool drop;
} Expect;

static void expect_decisions(const PressureResult *r, const Expect *e, bool dry_run, unsigned line) {
        size_t n = 0;
        while (e[n].unit)
                n++;
        if (r->n_decisions != n) {
                fprintf(stderr, "step at line %u: %zu decisions, expected %zu\n", line, r->n_decisions, n);
                for (size_t i = 0; i < r->n_decisions; i++)
                        fprintf(stderr, "  %s %d %" PRIu64 " -> %" PRIu64 " drop=%d: %s\n",
                                r->decisions[i].unit, r->decisions[i].property, r->decisions[i].old_value,
                                r->decisions[i].new_value, r->decisions[i].drop, r->decisions[i].reason);
        }
        ASSERT_EQ_INT(r->n_decisions, n);
        for (size_t i = 0; i < n; i++) {
                const PressureDecision *d = &r->decisions[i];
                if (!streq(d->unit, e[i].unit) || d->property != e[i].prop || d->new_value != e[i].new_value)
                        fprintf(stderr,
                                "step at line %u, decision %zu: %s %d %" PRIu64 " -> %" PRIu64 ": %s\n",
                                line, i, d->unit, d->property, d->old_value, d->new_value, d->reason);
                ASSERT_STREQ(d->unit, e[i].unit);
                ASSERT_EQ_INT(d->property, e[i].prop);
                ASSERT_EQ_U64(d->old_value, e[i].old_value);
                ASSERT_EQ_U64(d->new_value, e[i].new_value);
                ASSERT_EQ_INT(d->drop, e[i].drop);
                ASSERT_EQ_INT(d->dry_run, dry_run);
        }
}

typedef struct Step {
        unsigned line;
        uint64_t at_ms;
        bool triggered;
        int64_t avg10; /* memory "some" avg10, permyriad; NO_PSI = not read */
        PressurePhase phase;
        uint64_t next_ms; /* NEVER = no timer */
        Expect d[4];
} Step;

static void run_steps(Sim *s, PressureResource res, const Step *steps, size_t n, bool dry_run) {
        for (size_t i = 0; i < n; i++) {
                const Step *st = &steps[i];
                sim_signal(s, res, st->triggered, st->avg10);
                sim_tick(s, st->at_ms);
                expect_decisions(&s->r, st->d, dry_run, st->line);
                if (s->r.phase[res] != st->phase)
                        fprintf(stderr, "step at line %u: phase %s\n", st->line,
                                pressure_phase_to_string(s->r.phase[res]));
                ASSERT_EQ_INT(s->r.phase[res], st->phase);
                ASSERT_EQ_U64(s->r.next_tick_usec,
                              st->next_ms == NEVER ? NEVER : st->next_ms * USEC_PER_MSEC);
        }
}

#define HI PROP_MEMORY_HIGH
#define LO PROP_MEMORY_LOW
#define T PRESSURE_PHASE_THROTTLING
#define R PRESSURE_PHASE_RELAXING
#define I PRESSURE_PHASE_IDLE

/* The whole memory episode: idle, trigger, steps down (largest first, floor
 * held), an early trigger that must not step, neutral band, calm broken before
 * hold, calm for hold, relax back to configured, idle with no timer. */
/* clang-format off */
static const Step memory_episode[] = {
        { __LINE__, 0, false, 100, I, NEVER, {} },
        { __LINE__, 1000, true, 2340, T, 2000,
          { { "batch-a.service", HI, INF, 943718400 },         /* min(inf, 1000M) - 100M = 900M */
            { "batch-b.service", HI, 400 * M, 377487360 },     /* 400M - 40M = 360M */
            { "db.service", LO, 200 * M, 241172480 } } },      /* 200M + 10% of 300M = 230M */
        { __LINE__, 1500, true, 2340, T, 2000, {} },           /* interval not over yet */
        { __LINE__, 2000, false, 2340, T, 3000,                /* avg10 23.4% > 15% without a trigger */
          { { "batch-a.service", HI, 943718400, 849346560 },   /* 810M */
            { "batch-b.service", HI, 377487360, 339738624 },   /* 324M */
            { "db.service", LO, 241172480, 272629760 } } },    /* 260M */
        { __LINE__, 3000, true, 2340, T, 4000,
          { { "batch-a.service", HI, 849346560, 764411904 },   /* 729M */
            { "batch-b.service", HI, 339738624, 305766400 },   /* 324M - page_down(32.4M) */
            { "db.service", LO, 272629760, 304087040 } } },    /* 290M */
        { __LINE__, 4000, true, 2340, T, 5000,
          { { "batch-a.service", HI, 764411904, 734003200 },   /* 729M - 72.9M < floor 700M */
            { "batch-b.service", HI, 305766400, 275189760 } } }, /* db: 10M short of usage, under the 16M
                                                                   minimum MemoryLow step: no write */
        { __LINE__, 5000, true, 2340, T, 6000,                 /* a at floor, db within 16M of usage: only b moves */
          { { "batch-b.service", HI, 275189760, 247672832 } } },
        { __LINE__, 6000, false, 1000, T, 7000, {} },          /* 10%: between calm and trigger, hold */
        { __LINE__, 7000, false, 300, T, 8000, {} },           /* calm starts */
        { __LINE__, 10000, false, 1000, T, 11000, {} },        /* calm broken before hold */
        { __LINE__, 11000, false, 300, T, 12000, {} },         /* calm starts again */
        { __LINE__, 20000, false, 300, T, 21000, {} },         /* 9s of calm: not yet */
        { __LINE__, 20500, false, 300, T, 21000, {} },         /* wake-up at calm start + hold */
        { __LINE__, 21000, false, 300, R, 22000,
          { { "batch-a.service", HI, 734003200, 807403520 },   /* 700M + 70M */
            { "batch-b.service", HI, 247672832, 272437248 },
            { "db.service", LO, 304087040, 272629760 } } },    /* 290M - 30M */
        { __LINE__, 21500, true, 300, T, 22500, /* pressure is back: squeeze at once */
          { { "batch-a.service", HI, 807403520, 734003200 },   /* 770M - 77M < floor */
            { "batch-b.service", HI, 272437248, 245194752 },
            { "db.service", LO, 272629760, 304087040 } } },    /* 260M + 30M */
        { __LINE__, 22000, false, 300, T, 23000, {} },         /* calm again */
        { __LINE__, 32000, false, 300, R, 33000,
          { { "batch-a.service", HI, 734003200, 807403520 },
            { "batch-b.service", HI, 245194752, 269713408 },
            { "db.service", LO, 304087040, 272629760 } } },
        { __LINE__, 33000, false, 300, R, 34000,
          { { "batch-a.service", HI, 807403520, 888143872 },   /* 847M */
            { "batch-b.service", HI, 269713408, 296681472 },
            { "db.service", LO, 272629760, 241172480 } } },    /* 230M */
        { __LINE__, 34000, false, NO_PSI, R, 35000,            /* no PSI read: counts as calm */
          { { "batch-a.service", HI, 888143872, 976957440 },
            { "batch-b.service", HI, 296681472, 326348800 },
            { "db.service", LO, 241172480, 200 * M, true } } }, /* within a step of configured: drop */
        { __LINE__, 35000, false, 300, R, 36000,
          { { "batch-a.service", HI, 976957440, 1074651136 },
            { "batch-b.service", HI, 326348800, 358981632 } } },
        { __LINE__, 36000, false, 300, R, 37000,
          { { "batch-a.service", HI, 1074651136, 1182113792 }, /* usage 1000M still within a step */
            { "batch-b.service", HI, 358981632, 394878976 } } },
        { __LINE__, 37000, false, 300, I, NEVER,
          /* a: usage 1000M < 1127M - 112.7M, the limit no longer holds it back */
          { { "batch-a.service", HI, 1182113792, INF, true },
            { "batch-b.service", HI, 394878976, 400 * M, true } } }, /* +10% passes configured 400M */
        { __LINE__, 38000, true, 2340, T, 39000,               /* a new episode starts from scratch */
          { { "batch-a.service", HI, INF, 943718400 },
            { "batch-b.service", HI, 400 * M, 377487360 },
            { "db.service", LO, 200 * M, 241172480 } } },
};
/* clang-format on */

static void setup_memory_units(Sim *s) {
        /* Listed smallest first on purpose: decisions must come largest first. */
        SimUnit *b = sim_add(s, "batch-b.service", CLASS_SHEDDABLE, 500 * M);
        b->memory_high = 400 * M;                          /* default floor 64M */
        sim_add(s, "web.service", CLASS_NORMAL, 2000 * M); /* biggest, but not ours to squeeze */
        SimUnit *db = sim_add(s, "db.service", CLASS_PROTECTED, 300 * M);
        db->memory_low = 200 * M;
        SimUnit *a = sim_add(s, "batch-a.service", CLASS_SHEDDABLE, 1000 * M);
        set_floor(a, PROP_MEMORY_HIGH, 700 * M);
}

static void test_memory_episode(void) {
        Sim s;
        sim_init(&s, false);
        setup_memory_units(&s);
        run_steps(&s, RES_MEMORY, memory_episode, ELEMENTSOF(memory_episode), false);
        /* cpu and io never saw pressure: idle all along */
        ASSERT_EQ_INT(s.r.phase[RES_CPU], I);
        ASSERT_EQ_INT(s.r.phase[RES_IO], I);
        sim_done(&s);
}

/* The same episode in dry-run: the same decisions, all flagged, when the daemon
 * keeps them as a shadow; the real layer is never touched. */
static void test_memory_dry_run(void) {
        Sim s;
        sim_init(&s, false);
        setup_memory_units(&s);
        s.cfg[RES_MEMORY].mode = PRESSURE_DRY_RUN;
        run_steps(&s, RES_MEMORY, memory_episode, ELEMENTSOF(memory_episode), true);
        sim_done(&s);

        /* Without a shadow every interval proposes the same first step again. */
        /* clang-format off */
        static const Step repeat[] = {
                { __LINE__, 1000, true, 2340, T, 2000,
                  { { "batch-a.service", HI, INF, 943718400 },
                    { "batch-b.service", HI, 400 * M, 377487360 },
                    { "db.service", LO, 200 * M, 241172480 } } },
                { __LINE__, 2000, true, 2340, T, 3000,
                  { { "batch-a.service", HI, INF, 943718400 },
                    { "batch-b.service", HI, 400 * M, 377487360 },
                    { "db.service", LO, 200 * M, 241172480 } } },
                { __LINE__, 3000, false, 300, T, 4000, {} },
                { __LINE__, 13000, false, 300, I, NEVER, {} }, /* nothing to relax: straight to idle */
        };
        /* clang-format on */
        sim_init(&s, false);
        setup_memory_units(&s);
        s.cfg[RES_MEMORY].mode = PRESSURE_DRY_RUN;
        s.apply = false;
        run_steps(&s, RES_MEMORY, repeat, ELEMENTSOF(repeat), true);
        for (size_t i = 0; i < s.n; i++)
                for (PropertyId p = 0; p < _PROP_MAX; p++)
                        ASSERT_TRUE(!s.u[i].adj.has[p]);
        sim_done(&s);
}

/* Off (and a missing section) decide nothing and keep no timer; switching to
 * off mid-throttle gives everything back at once. */
static void test_mode_off(void) {
        for (int variant = 0; variant < 2; variant++) {
                Sim s;
                sim_init(&s, false);
                setup_memory_units(&s);
                if (variant == 0)
                        s.cfg[RES_MEMORY].mode = PRESSURE_OFF;
                else
                        s.cfg[RES_MEMORY].enabled = false;
                /* clang-format off */
                static const Step off[] = {
                        { __LINE__, 1000, true, 9000, I, NEVER, {} },
                        { __LINE__, 2000, true, 9000, I, NEVER, {} },
                        { __LINE__, 30000, false, 0, I, NEVER, {} },
                };
                /* clang-format on */
                run_steps(&s, RES_MEMORY, off, ELEMENTSOF(off), false);
                sim_done(&s);
        }

        Sim s;
        sim_init(&s, false);
        setup_memory_units(&s);
        run_steps(&s, RES_MEMORY, memory_episode + 1, 1, false);
        s.cfg[RES_MEMORY].mode = PRESSURE_OFF;
        /* clang-format off */
        static const Step switched[] = {
                { __LINE__, 1200, true, 2340, I, NEVER,
                  { { "batch-a.service", HI, 943718400, INF, true },
                    { "batch-b.service", HI, 377487360, 400 * M, true },
                    { "db.service", LO, 241172480, 200 * M, true } } },
                { __LINE__, 2000, true, 2340, I, NEVER, {} },
        };
        /* clang-format on */
        run_steps(&s, RES_MEMORY, switched, 1, false);
        ASSERT_CONTAINS(s.r.decisions[0].reason,
                        "memory pressure handling is off: back to configured MemoryHigh=infinity");
        run_steps(&s, RES_MEMORY, switched + 1, 1, false);
        sim_done(&s);
}

/* CPU: sheddable CPUWeight down by 10% (at least 1) to the floor and back;
 * memory meanwhile stays idle, and an idle weight is left alone. */
static void test_cpu_loop(void) {
        Sim s;
        sim_init(&s, false);
        SimUnit *a = sim_add(&s, "batch-a.service", CLASS_SHEDDABLE, 10 * M);
        a->cpu_weight = 20;
        set_floor(a, PROP_CPU_WEIGHT, 15);
        SimUnit *b = sim_add(&s, "batch-b.service", CLASS_SHEDDABLE, 5 * M); /* floor 1 */
        b->cpu_weight = 10;
        SimUnit *idle = sim_add(&s, "idle.service", CLASS_SHEDDABLE, 1 * M);
        idle->cpu_weight = 0;
        SimUnit *db = sim_add(&s, "db.service", CLASS_PROTECTED, 50 * M);
        db->cpu_weight = 800; /* protected units' weights are not raised */
        s.cfg[RES_CPU].hold_usec = 2 * USEC_PER_SEC;
        sim_signal(&s, RES_MEMORY, false, 0);

#define W PROP_CPU_WEIGHT
        /* clang-format off */
        static const Step cpu[] = {
                { __LINE__, 100, true, 5000, T, 1100,
                  { { "batch-a.service", W, 20, 18 }, { "batch-b.service", W, 10, 9 } } },
                { __LINE__, 1100, true, 5000, T, 2100,
                  { { "batch-a.service", W, 18, 17 }, { "batch-b.service", W, 9, 8 } } },
                { __LINE__, 2100, true, 5000, T, 3100,
                  { { "batch-a.service", W, 17, 16 }, { "batch-b.service", W, 8, 7 } } },
                { __LINE__, 3100, true, 5000, T, 4100,
                  { { "batch-a.service", W, 16, 15 }, { "batch-b.service", W, 7, 6 } } },
                { __LINE__, 4100, true, 5000, T, 5100, { { "batch-b.service", W, 6, 5 } } },
                { __LINE__, 5100, false, 0, T, 6100, {} },
                { __LINE__, 6100, false, 0, T, 7100, {} },
                { __LINE__, 7100, false, 0, R, 8100,
                  { { "batch-a.service", W, 15, 16 }, { "batch-b.service", W, 5, 6 } } },
                { __LINE__, 8100, false, 0, R, 9100,
                  { { "batch-a.service", W, 16, 17 }, { "batch-b.service", W, 6, 7 } } },
                { __LINE__, 9100, false, 0, R, 10100,
                  { { "batch-a.service", W, 17, 18 }, { "batch-b.service", W, 7, 8 } } },
                { __LINE__, 10100, false, 0, R, 11100,
                  { { "batch-a.service", W, 18, 19 }, { "batch-b.service", W, 8, 9 } } },
                { __LINE__, 11100, false, 0, I, NEVER,
                  { { "batch-a.service", W, 19, 20, true }, { "batch-b.service", W, 9, 10, true } } },
        };
        /* clang-format on */
#undef W
        run_steps(&s, RES_CPU, cpu, ELEMENTSOF(cpu), false);
        ASSERT_EQ_INT(s.r.phase[RES_MEMORY], I);
        ASSERT_TRUE(!idle->adj.has[PROP_CPU_WEIGHT]);
        ASSERT_TRUE(!db->adj.has[PROP_CPU_WEIGHT]);
        sim_done(&s);
}

/* IO: IOWeight, default configured 100 and default floor 1; memory and cpu
 * pressure are independent (memory calm, cpu pressured at the same time). */
static void test_io_loop(void) {
        Sim s;
        sim_init(&s, false);
        SimUnit *a = sim_add(&s, "batch-a.service", CLASS_SHEDDABLE, 10 * M);
        set_floor(a, PROP_IO_WEIGHT, 70);
        sim_add(&s, "batch-b.service", CLASS_SHEDDABLE, 5 * M);
        s.cfg[RES_IO].step = 2500; /* 25% */
        s.cfg[RES_IO].interval_usec = 500 * USEC_PER_MSEC;
        s.cfg[RES_CPU].mode = PRESSURE_OFF;
        sim_signal(&s, RES_CPU, true, 9000);
        sim_signal(&s, RES_MEMORY, false, 0);

#define W PROP_IO_WEIGHT
        /* clang-format off */
        static const Step io[] = {
                { __LINE__, 0, true, NO_PSI, T, 500,
                  { { "batch-a.service", W, 100, 75 }, { "batch-b.service", W, 100, 75 } } },
                { __LINE__, 500, true, NO_PSI, T, 1000,
                  { { "batch-a.service", W, 75, 70 }, /* 75 - 18 = 57 < floor 70 */
                    { "batch-b.service", W, 75, 57 } } },
                { __LINE__, 1000, true, NO_PSI, T, 1500, { { "batch-b.service", W, 57, 43 } } },
                /* no PSI data and no trigger counts as calm */
                { __LINE__, 1500, false, NO_PSI, T, 2000, {} },
                { __LINE__, 11500, false, NO_PSI, R, 12000,
                  { { "batch-a.service", W, 70, 87 }, { "batch-b.service", W, 43, 53 } } },
                { __LINE__, 12000, false, NO_PSI, R, 12500,
                  { { "batch-a.service", W, 87, 100, true }, /* 87 + 21 passes 100 */
                    { "batch-b.service", W, 53, 66 } } },
                { __LINE__, 12500, false, NO_PSI, R, 13000, { { "batch-b.service", W, 66, 82 } } },
                { __LINE__, 13000, false, NO_PSI, I, NEVER, { { "batch-b.service", W, 82, 100, true } } },
        };
        /* clang-format on */
#undef W
        run_steps(&s, RES_IO, io, ELEMENTSOF(io), false);
        ASSERT_EQ_INT(s.r.phase[RES_CPU], I); /* cpu off although it was pressured throughout */
        ASSERT_EQ_INT(s.r.phase[RES_MEMORY], I);
        ASSERT_EQ_U64(s.r.next_tick_usec, NEVER);
        sim_done(&s);
}

/* Units come and go between ticks: a newcomer is squeezed from its own
 * configured value at the next interval, a unit that left is simply absent. */
static void test_units_come_and_go(void) {
        Sim s;
        sim_init(&s, false);
        SimUnit *a = sim_add(&s, "a.service", CLASS_SHEDDABLE, 100 * M);
        SimUnit *b = sim_add(&s, "b.service", CLASS_SHEDDABLE, 200 * M);
        SimUnit *c = sim_add(&s, "c.service", CLASS_SHEDDABLE, 300 * M);
        c->present = false;

        /* clang-format off */
        static const Step steps[] = {
                { __LINE__, 0, true, 2000, T, 1000,
                  { { "b.service", HI, INF, 180 * M }, { "a.service", HI, INF, 90 * M } } },
                { __LINE__, 1000, true, 2000, T, 2000,
                  { { "c.service", HI, INF, 270 * M }, /* new, and now the largest */
                    { "a.service", HI, 90 * M, 81 * M } } },
                { __LINE__, 2000, true, 2000, T, 3000, /* b is back, with its old layer */
                  { { "c.service", HI, 270 * M, 243 * M },
                    { "b.service", HI, 180 * M, 162 * M },
                    { "a.service", HI, 81 * M, 76443648 } } }, /* 81M - page_down(8.1M) */
        };
        /* clang-format on */
        run_steps(&s, RES_MEMORY, steps, 1, false);
        b->present = false;
        c->present = true;
        run_steps(&s, RES_MEMORY, steps + 1, 1, false);
        b->present = true;
        run_steps(&s, RES_MEMORY, steps + 2, 1, false);

        /* All gone: nothing to decide; calm for hold then idle without a timer. */
        a->present = b->present = c->present = false;
        sim_signal(&s, RES_MEMORY, false, 0);
        sim_tick(&s, 3000);
        ASSERT_EQ_INT(s.r.n_decisions, 0);
        ASSERT_EQ_INT(s.r.phase[RES_MEMORY], T);
        sim_tick(&s, 13000);
        ASSERT_EQ_INT(s.r.n_decisions, 0);
        ASSERT_EQ_INT(s.r.phase[RES_MEMORY], I);
        ASSERT_EQ_U64(s.r.next_tick_usec, NEVER);
        sim_done(&s);
}

/* The configuration moves under a throttled unit: the adjustment never ends up
 * above the new configured value nor below a new floor; a changed class gives
 * everything back. */
static void test_config_changes(void) {
        Sim s;
        sim_init(&s, false);
        SimUnit *a = sim_add(&s, "a.service", CLASS_SHEDDABLE, 1000 * M);
        a->memory_high = 500 * M;
        SimUnit *b = sim_add(&s, "b.service", CLASS_SHEDDABLE, 800 * M);
        b->memory_high = 400 * M;
        SimUnit *c = sim_add(&s, "c.service", CLASS_SHEDDABLE, 600 * M);
        c->memory_high = 300 * M;
        SimUnit *d = sim_add(&s, "d.service", CLASS_PROTECTED, 200 * M);
        d->memory_low = 100 * M;
        SimUnit *e = sim_add(&s, "e.service", CLASS_SHEDDABLE, 100 * M);

        sim_signal(&s, RES_MEMORY, true, 2000);
        sim_tick(&s, 0);
        ASSERT_EQ_INT(s.r.n_decisions, 5);
        ASSERT_EQ_U64(in_force(a, HI), 450 * M);
        ASSERT_EQ_U64(in_force(b, HI), 360 * M);
        ASSERT_EQ_U64(in_force(c, HI), 270 * M);
        ASSERT_EQ_U64(in_force(d, LO), 120 * M);
        ASSERT_EQ_U64(in_force(e, HI), 90 * M);

        a->memory_high = 480 * M;                /* still above the adjustment: kept */
        b->memory_high = 300 * M;                /* below it: back to the new configured value */
        set_floor(c, HI, 280 * M);               /* floor above it: raised to the floor */
        d->memory_low = 120 * M;                 /* configured low now equal to the raise: dropped */
        e->class = CLASS_NORMAL;                 /* no longer sheddable: dropped */
        sim_signal(&s, RES_MEMORY, false, 1000); /* neutral: no step this tick */
        sim_tick(&s, 500);
        /* clang-format off */
        static const Expect fixes[] = {
                { "b.service", HI, 360 * M, 300 * M, true },
                { "c.service", HI, 270 * M, 280 * M },
                { "e.service", HI, 90 * M, INF, true },
                { "d.service", LO, 120 * M, 120 * M, true },
                {},
        };
        /* clang-format on */
        expect_decisions(&s.r, fixes, false, __LINE__);
        ASSERT_CONTAINS(s.r.decisions[0].reason, "configured MemoryHigh=300M");
        ASSERT_CONTAINS(s.r.decisions[1].reason, "floor MemoryHigh=280M");
        ASSERT_CONTAINS(s.r.decisions[2].reason, "no longer sheddable");

        /* Relax: a rises by steps but never past its new configured 400M. */
        sim_signal(&s, RES_MEMORY, false, 0);
        sim_tick(&s, 1000);
        sim_tick(&s, 11000); /* relaxing starts: a 450M + 45M passes 480M, c 280M + 28M passes 300M */
        /* clang-format off */
        static const Expect relax[] = {
                { "a.service", HI, 450 * M, 480 * M, true },
                { "c.service", HI, 280 * M, 300 * M, true },
                {},
        };
        /* clang-format on */
        expect_decisions(&s.r, relax, false, __LINE__);
        ASSERT_EQ_INT(s.r.phase[RES_MEMORY], I);

        /* A floor above the configured value: nothing to squeeze. */
        c->memory_high = 200 * M;
        set_floor(c, HI, 250 * M);
        sim_signal(&s, RES_MEMORY, true, 2000);
        sim_tick(&s, 12000);
        for (size_t i = 0; i < s.r.n_decisions; i++)
                ASSERT_TRUE(!streq(s.r.decisions[i].unit, "c.service"));
        sim_done(&s);
}

/* Protected MemoryLow: raised toward usage, never above it, never when usage
 * is unknown; a usage below configured MemoryLow leaves it alone. */
static void test_protected_bounds(void) {
        Sim s;
        sim_init(&s, false);
        SimUnit *p = sim_add(&s, "p.service", CLASS_PROTECTED, 100 * M + 123); /* not page aligned */
        p->memory_low = 50 * M;
        SimUnit *q = sim_add(&s, "q.service", CLASS_PROTECTED, INF);
        q->memory_low = 10 * M;
        SimUnit *r = sim_add(&s, "r.service", CLASS_PROTECTED, 10 * M);
        r->memory_low = 20 * M;
        s.cfg[RES_MEMORY].step = 3000; /* 30% of 100M = 30M */

        uint64_t expect[] = {80 * M, 100 * M, 100 * M}; /* 50+30, capped at page_down(usage) */
        for (size_t i = 0; i < ELEMENTSOF(expect); i++) {
                sim_signal(&s, RES_MEMORY, true, 5000);
                sim_tick(&s, 1000 * i);
                ASSERT_EQ_INT(s.r.n_decisions, i < 2 ? 1 : 0);
                ASSERT_EQ_U64(in_force(p, LO), expect[i]);
        }
        ASSERT_TRUE(!q->adj.has[LO]);
        ASSERT_TRUE(!r->adj.has[LO]);

        /* usage falls: the raise stays (bound applies to raising), relax walks
         * down by 30% of usage */
        p->demand = 40 * M;
        sim_signal(&s, RES_MEMORY, false, 0);
        sim_tick(&s, 5000);
        sim_tick(&s, 15000);
        ASSERT_EQ_INT(s.r.n_decisions, 1);
        ASSERT_EQ_U64(in_force(p, LO), 100 * M - 12 * M);
        sim_done(&s);
}

/* Without swap a squeeze stops at anonymous usage + PRESSURE_ANON_MARGIN: below
 * it memory.high reclaims nothing and only freezes the unit in reclaim. Held
 * there, the unit counts as exhausted, so the (opt-in) freeze can follow. With
 * swap the normal step applies. A protected unit within PRESSURE_MIN_LOW_STEP
 * of its usage gets no MemoryLow write. */
static void test_property_resource(void) {
        ASSERT_EQ_INT(pressure_property_resource(PROP_MEMORY_HIGH), RES_MEMORY);
        ASSERT_EQ_INT(pressure_property_resource(PROP_MEMORY_LOW), RES_MEMORY);
        ASSERT_EQ_INT(pressure_property_resource(PROP_CPU_WEIGHT), RES_CPU);
        ASSERT_EQ_INT(pressure_property_resource(PROP_IO_WEIGHT), RES_IO);
        ASSERT_EQ_INT(pressure_property_resource(PROP_MEMORY_MAX), -1);
        ASSERT_EQ_INT(pressure_property_resource(_PROP_INVALID), -1);
}

static void test_anon_floor(void) {
        Sim s;
        sim_init(&s, true);
        SimUnit *b = sim_add(&s, "batch.service", CLASS_SHEDDABLE, 1000 * M);
        b->anon = 900 * M;
        SimUnit *w = sim_add(&s, "swapper.service", CLASS_SHEDDABLE, 500 * M);
        w->anon = 500 * M;
        w->swap = true;
        SimUnit *db = sim_add(&s, "db.service", CLASS_PROTECTED, 300 * M);
        db->memory_low = 290 * M;

        sim_signal(&s, RES_MEMORY, true, 5000);
        sim_tick(&s, 0);
        ASSERT_EQ_INT(s.r.n_decisions, 2);
        ASSERT_EQ_U64(in_force(b, HI), 932 * M); /* 1000M - 10% = 900M < 900M anon + 32M */
        ASSERT_TRUE(strstr(s.r.decisions[0].reason, "anonymous usage 900M"));
        ASSERT_EQ_U64(in_force(w, HI), 450 * M); /* swap takes anon: the normal step */
        ASSERT_TRUE(!db->adj.has[LO]);           /* 10M short of usage: not worth a write */

        /* held there while pressure lasts; then frozen (escalation is on) */
        bool frozen = false;
        for (uint64_t t = 1000; t <= 60000 && !frozen; t += 1000) {
                sim_signal(&s, RES_MEMORY, true, 5000);
                sim_tick(&s, t);
                ASSERT_EQ_U64(in_force(b, HI), 932 * M);
                frozen = b->frozen;
        }
        ASSERT_TRUE(frozen);

        /* anon unknown: the old rule, down to the default floor */
        Sim u;
        sim_init(&u, false);
        SimUnit *x = sim_add(&u, "x.service", CLASS_SHEDDABLE, 100 * M);
        for (uint64_t t = 0; t < 30000; t += 1000) {
                sim_signal(&u, RES_MEMORY, true, 5000);
                sim_tick(&u, t);
        }
        ASSERT_EQ_U64(in_force(x, HI), PRESSURE_DEFAULT_MEMORY_FLOOR);
        sim_done(&u);
        sim_done(&s);
}

/* Ties in usage go by name; usage unknown sorts last; a sheddable unit with an
 * infinite limit and unknown usage cannot be squeezed. */
static void test_ordering(void) {
        Sim s;
        sim_init(&s, false);
        sim_add(&s, "z.service", CLASS_SHEDDABLE, INF)->memory_high = 100 * M;
        sim_add(&s, "y.service", CLASS_SHEDDABLE, INF);
        sim_add(&s, "c.service", CLASS_SHEDDABLE, 100 * M);
        sim_add(&s, "b.service", CLASS_SHEDDABLE, 200 * M);
        sim_add(&s, "a.service", CLASS_SHEDDABLE, 100 * M);
        sim_add(&s, "u.service", CLASS_SHEDDABLE, 80 * M + 5000); /* usage not page aligned */
        sim_signal(&s, RES_MEMORY, true, 5000);
        sim_tick(&s, 0);
        /* clang-format off */
        static const Expect e[] = {
                { "b.service", HI, INF, 180 * M },
                { "a.service", HI, INF, 90 * M },
                { "c.service", HI, INF, 90 * M },
                { "u.service", HI, INF, 75501568 }, /* page_down(83891080 - page_down(8389108)) */
                { "z.service", HI, 100 * M, 90 * M },
                {},
        };
        /* clang-format on */
        expect_decisions(&s.r, e, false, __LINE__);
        ASSERT_CONTAINS(s.r.decisions[0].reason,
                        "memory some trigger fired (150ms in 1s), avg10=50.00%: step 10% (floor 64M)");
        sim_done(&s);
}

/* The bands: avg10 exactly at the trigger's share is not above it (hold),
 * exactly at the calm threshold is not under it (hold); "full" is read when
 * the trigger asks for it, and a missing full line never counts as pressure. */
static void test_bands(void) {
        Sim s;
        sim_init(&s, false);
        SimUnit *a = sim_add(&s, "a.service", CLASS_SHEDDABLE, 100 * M);
        sim_signal(&s, RES_MEMORY, false, 1500); /* 150ms in 1s = 15.00% */
        sim_tick(&s, 0);
        ASSERT_EQ_INT(s.r.n_decisions, 0);
        ASSERT_EQ_INT(s.r.phase[RES_MEMORY], I);
        sim_signal(&s, RES_MEMORY, false, 1501);
        sim_tick(&s, 100);
        ASSERT_EQ_INT(s.r.n_decisions, 1);
        sim_signal(&s, RES_MEMORY, false, 500); /* calm is "< 5%": 5.00% holds */
        sim_tick(&s, 1100);
        ASSERT_EQ_U64(s.c.res[RES_MEMORY].calm_since_usec, NEVER);
        sim_signal(&s, RES_MEMORY, false, 499);
        sim_tick(&s, 2100);
        ASSERT_EQ_U64(s.c.res[RES_MEMORY].calm_since_usec, 2100 * USEC_PER_MSEC);

        s.cfg[RES_MEMORY].trigger_kind = PSI_FULL;
        sim_signal(&s, RES_MEMORY, false, 4000); /* full = some / 2 = 20% */
        sim_tick(&s, 3100);
        ASSERT_EQ_INT(s.r.n_decisions, 1);
        ASSERT_CONTAINS(s.r.decisions[0].reason, "memory full avg10=20.00% > trigger 15%");
        s.sig[RES_MEMORY].psi.has_full = false; /* e.g. cpu.pressure before 5.13 */
        sim_tick(&s, 4100);
        ASSERT_EQ_INT(s.r.n_decisions, 0);
        ASSERT_EQ_U64(in_force(a, HI), 81 * M);
        sim_done(&s);
}

/* Reason texts name the cause, the step and the floor. */
static void test_reasons(void) {
        Sim s;
        sim_init(&s, false);
        SimUnit *a = sim_add(&s, "a.service", CLASS_SHEDDABLE, 1024 * M);
        set_floor(a, HI, 256 * M);
        sim_signal(&s, RES_MEMORY, false, 2340);
        sim_tick(&s, 0);
        ASSERT_EQ_INT(s.r.n_decisions, 1);
        ASSERT_STREQ(s.r.decisions[0].reason,
                     "memory some avg10=23.40% > trigger 15%: step 10% (floor 256M)");

        s.cfg[RES_MEMORY].calm_kind = PSI_FULL;
        s.cfg[RES_MEMORY].calm_avg = 60;
        s.cfg[RES_MEMORY].calm_threshold = 250;
        s.cfg[RES_MEMORY].hold_usec = 0;
        sim_signal(&s, RES_MEMORY, false, 400);
        s.sig[RES_MEMORY].psi.full.avg10 = 900; /* only avg60 counts */
        s.sig[RES_MEMORY].psi.full.avg60 = 120;
        sim_tick(&s, 1000);
        ASSERT_EQ_INT(s.r.n_decisions, 1);
        ASSERT_STREQ(s.r.decisions[0].reason,
                     "memory full avg60=1.20% < 2.5% for 0: relax 10% (configured infinity)");
        sim_done(&s);
}

/* Escalation: with freeze allowed, units that sit at their floor while pressure
 * stays for another hold are frozen, and thawed when relaxing begins. Without
 * it, nothing is ever frozen. */
static void test_freeze(void) {
        for (int allowed = 0; allowed < 2; allowed++) {
                Sim s;
                sim_init(&s, allowed);
                SimUnit *a = sim_add(&s, "a.service", CLASS_SHEDDABLE, 100 * M);
                set_floor(a, HI, 90 * M);
                SimUnit *n = sim_add(&s, "n.service", CLASS_NORMAL, 100 * M);
                s.cfg[RES_MEMORY].hold_usec = 3 * USEC_PER_SEC;

                sim_signal(&s, RES_MEMORY, true, 5000);
                sim_tick(&s, 0); /* 100M → 90M: at floor */
                ASSERT_EQ_INT(s.r.n_decisions, 1);
                ASSERT_EQ_U64(s.r.next_tick_usec, 1 * USEC_PER_SEC);
                sim_tick(&s, 1000); /* at floor since 1s */
                ASSERT_EQ_INT(s.r.n_decisions, 0);
                sim_signal(&s, RES_MEMORY, false, 1000); /* neutral still counts as pressure persisting */
                sim_tick(&s, 2000);
                ASSERT_EQ_INT(s.r.n_decisions, 0);
                ASSERT_EQ_U64(s.r.next_tick_usec, 3 * USEC_PER_SEC);
                sim_tick(&s, 3000); /* 3s at floor under pressure */
                if (!allowed) {
                        ASSERT_EQ_INT(s.r.n_decisions, 0);
                        ASSERT_TRUE(!a->frozen);
                        sim_done(&s);
                        continue;
                }
                ASSERT_EQ_INT(s.r.n_decisions, 1);
                ASSERT_EQ_INT(s.r.decisions[0].property, _PROP_INVALID);
                ASSERT_EQ_U64(s.r.decisions[0].new_value, 1);
                ASSERT_CONTAINS(s.r.decisions[0].reason, "freeze: memory pressure persisted for 3s");
                ASSERT_TRUE(a->frozen);
                ASSERT_TRUE(!n->frozen);
                sim_tick(&s, 4000); /* stays frozen, no repeat */
                ASSERT_EQ_INT(s.r.n_decisions, 0);

                sim_signal(&s, RES_MEMORY, false, 0);
                sim_tick(&s, 5000);
                sim_tick(&s, 6000);
                ASSERT_EQ_INT(s.r.n_decisions, 0); /* calm, but not for hold yet */
                sim_tick(&s, 8000);
                /* relax step for a (usage 90M is not a step below: +9M), then the thaw */
                ASSERT_EQ_INT(s.r.n_decisions, 2);
                ASSERT_EQ_U64(s.r.decisions[0].new_value, 99 * M);
                ASSERT_EQ_INT(s.r.decisions[1].property, _PROP_INVALID);
                ASSERT_EQ_U64(s.r.decisions[1].new_value, 0);
                ASSERT_CONTAINS(s.r.decisions[1].reason, "thaw: memory pressure calm for 3s");
                ASSERT_TRUE(!a->frozen);

                /* frozen earlier, escalation now disabled: thaw on the next tick */
                a->frozen = true;
                s.c.freeze = false;
                sim_tick(&s, 8500); /* before the next relax step */
                ASSERT_EQ_INT(s.r.n_decisions, 1);
                ASSERT_STREQ(s.r.decisions[0].reason, "thaw: freeze escalation disabled");
                ASSERT_TRUE(!a->frozen);
                sim_done(&s);
        }
}

/* A calm spell restarts the escalation countdown even when it is shorter than
 * hold, so only pressure that really persists at the floor freezes. */
static void test_freeze_needs_persistence(void) {
        Sim s;
        sim_init(&s, true);
        SimUnit *a = sim_add(&s, "a.service", CLASS_SHEDDABLE, 100 * M);
        set_floor(a, HI, 90 * M);
        s.cfg[RES_MEMORY].hold_usec = 3 * USEC_PER_SEC;

        sim_signal(&s, RES_MEMORY, true, 5000);
        sim_tick(&s, 0); /* at floor from here */
        sim_signal(&s, RES_MEMORY, false, 0);
        for (uint64_t t = 1000; t <= 2000; t += 1000) {
                sim_tick(&s, t); /* calm, shorter than hold */
                ASSERT_EQ_INT(s.r.n_decisions, 0);
                ASSERT_EQ_INT(s.r.phase[RES_MEMORY], T);
        }
        sim_signal(&s, RES_MEMORY, true, 5000);
        for (uint64_t t = 3000; t <= 5000; t += 1000) {
                sim_tick(&s, t); /* pressure again since 3s: not yet 3s of it */
                ASSERT_EQ_INT(s.r.n_decisions, 0);
                ASSERT_TRUE(!a->frozen);
        }
        ASSERT_EQ_U64(s.r.next_tick_usec, 6000 * USEC_PER_MSEC);
        sim_tick(&s, 6000);
        ASSERT_EQ_INT(s.r.n_decisions, 1);
        ASSERT_TRUE(a->frozen);

        /* Mode off while frozen: thawed and given back at once. */
        s.cfg[RES_MEMORY].mode = PRESSURE_OFF;
        sim_tick(&s, 6100);
        ASSERT_EQ_INT(s.r.n_decisions, 2);
        ASSERT_TRUE(s.r.decisions[0].drop);
        ASSERT_STREQ(s.r.decisions[1].reason, "thaw: memory pressure handling is off");
        ASSERT_TRUE(!a->frozen);
        ASSERT_EQ_U64(s.r.next_tick_usec, NEVER);
        sim_done(&s);
}

/* Bad calls are refused and change nothing. */
static void test_bad_input(void) {
        PressureController c, saved;
        PressureConfig cfg[_RES_MAX];
        PressureSignal sig[_RES_MAX] = {};
        PressureResult r = {.n_decisions = 42};
        PressureUnit u[2];

        pressure_controller_init(&c, false);
        for (PressureResource i = 0; i < _RES_MAX; i++) {
                pressure_config_default(&cfg[i]);
                cfg[i].enabled = true;
        }
        sig[RES_MEMORY].triggered = true;
        pressure_unit_init(&u[0], "a.service", CLASS_SHEDDABLE, 100 * M);
        pressure_unit_init(&u[1], NULL, CLASS_SHEDDABLE, 100 * M);
        saved = c;

        ASSERT_EQ_INT(pressure_controller_tick(&c, 0, cfg, sig, u, 2, &r), -EINVAL);
        u[1].name = "";
        ASSERT_EQ_INT(pressure_controller_tick(&c, 0, cfg, sig, u, 2, &r), -EINVAL);
        ASSERT_EQ_INT(pressure_controller_tick(&c, 0, cfg, sig, NULL, 1, &r), -EINVAL);
        ASSERT_EQ_INT(pressure_controller_tick(&c, 0, NULL, sig, u, 1, &r), -EINVAL);
        ASSERT_EQ_INT(pressure_controller_tick(&c, 0, cfg, NULL, u, 1, &r), -EINVAL);
        ASSERT_EQ_INT(pressure_controller_tick(NULL, 0, cfg, sig, u, 1, &r), -EINVAL);
        ASSERT_EQ_INT(pressure_controller_tick(&c, 0, cfg, sig, u, 1, NULL), -EINVAL);
        ASSERT_EQ_INT(r.n_decisions, 42);
        for (PressureResource i = 0; i < _RES_MAX; i++) {
                ASSERT_EQ_INT(c.res[i].phase, saved.res[i].phase);
                ASSERT_EQ_U64(c.res[i].last_step_usec, saved.res[i].last_step_usec);
                ASSERT_EQ_U64(c.res[i].calm_since_usec, saved.res[i].calm_since_usec);
        }

        /* no units at all is fine */
        ASSERT_EQ_INT(pressure_controller_tick(&c, 0, cfg, sig, NULL, 0, &r), 0);
        ASSERT_EQ_INT(r.n_decisions, 0);
        ASSERT_EQ_INT(r.phase[RES_MEMORY], T);
        pressure_result_done(&r);

        /* apply: only the four properties the controller decides */
        PropSet set = {};
        PressureDecision d = {.property = PROP_MEMORY_MAX, .new_value = 1};
        ASSERT_EQ_INT(pressure_decision_apply(&d, &set), -EINVAL);
        ASSERT_TRUE(!set.has[PROP_MEMORY_MAX]);
        d.property = PROP_IO_WEIGHT;
        ASSERT_EQ_INT(pressure_decision_apply(&d, &set), 0);
        ASSERT_TRUE(set.has[PROP_IO_WEIGHT] && set.v[PROP_IO_WEIGHT].u == 1);
        d.drop = true;
        ASSERT_EQ_INT(pressure_decision_apply(&d, &set), 0);
        ASSERT_TRUE(!set.has[PROP_IO_WEIGHT]);
        d.property = _PROP_INVALID;
        ASSERT_EQ_INT(pressure_decision_apply(&d, &set), 0);
        ASSERT_EQ_INT(pressure_decision_apply(NULL, &set), -EINVAL);

        ASSERT_STREQ(pressure_phase_to_string(PRESSURE_PHASE_RELAXING), "relaxing");
        ASSERT_TRUE(pressure_phase_to_string(_PRESSURE_PHASE_MAX) == NULL);
        ASSERT_EQ_U64(pressure_default_value(PROP_MEMORY_HIGH), INF);
        ASSERT_EQ_U64(pressure_default_value(PROP_CPU_WEIGHT), 100);
        prop_set_done(&set);
}

/* Odd but possible inputs: time going backwards, zero interval, step above
 * 100%, windowless trigger. Nothing crashes and the clock rules still hold. */
static void test_odd_inputs(void) {
        Sim s;
        sim_init(&s, false);
        SimUnit *a = sim_add(&s, "a.service", CLASS_SHEDDABLE, 100 * M);
        s.cfg[RES_MEMORY].interval_usec = 0; /* treated as 10ms */
        s.cfg[RES_MEMORY].step = 20000;      /* 200%: straight to the floor */
        s.cfg[RES_MEMORY].trigger_window_usec = 0;
        sim_signal(&s, RES_MEMORY, true, 10000);
        sim_tick(&s, 5000);
        ASSERT_EQ_U64(in_force(a, HI), PRESSURE_DEFAULT_MEMORY_FLOOR);
        ASSERT_EQ_U64(s.r.next_tick_usec, 5010 * USEC_PER_MSEC);
        sim_tick(&s, 1000); /* backwards */
        ASSERT_EQ_INT(s.r.n_decisions, 0);
        ASSERT_TRUE(s.r.next_tick_usec >= 1000 * USEC_PER_MSEC && s.r.next_tick_usec != NEVER);
        sim_signal(&s, RES_MEMORY, false,
                   10000); /* no trigger, avg never compares with a windowless trigger */
        sim_tick(&s, 1020);
        ASSERT_EQ_INT(s.r.phase[RES_MEMORY], T);
        ASSERT_EQ_U64(s.r.next_tick_usec, 1030 * USEC_PER_MSEC); /* neutral: sample each interval */
        sim_done(&s);
}

/* Random episodes (fixed seed): whatever happens, limits stay within
 * floor..configured, MemoryLow within configured..usage, idle means no timer
 * and no adjustment, and a timer is never in the past. */
static uint64_t rnd_state = 0x9e3779b97f4a7c15ULL;
static uint64_t rnd(uint64_t n) {
        rnd_state ^= rnd_state << 13;
        rnd_state ^= rnd_state >> 7;
        rnd_state ^= rnd_state << 17;
        return rnd_state % n;
}

static void test_random_invariants(void) {
        static const char *const names[] = {"a.service", "b.service", "c.service", "d.service", "e.service"};
        for (int episode = 0; episode < 50; episode++) {
                Sim s;
                sim_init(&s, rnd(2));
                for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                        SimUnit *u = sim_add(&s, names[i], (PolicyClass)rnd(3),
                                             rnd(4) == 0 ? INF : rnd(4096) * M + rnd(2) * rnd(M));
                        u->memory_high = rnd(3) == 0 ? INF : (rnd(2048) + 1) * M;
                        u->memory_low = rnd(512) * M;
                        u->cpu_weight = rnd(10001);
                        u->io_weight = rnd(10000) + 1;
                        if (rnd(2))
                                set_floor(u, HI, rnd(1024) * M);
                        if (rnd(2))
                                set_floor(u, PROP_CPU_WEIGHT, rnd(200));
                }
                for (PressureResource r = 0; r < _RES_MAX; r++) {
                        s.cfg[r].mode = (PressureMode)rnd(3);
                        s.cfg[r].step = rnd(5000) + 500; /* 5%..55%: episodes end in a few hundred steps */
                        s.cfg[r].hold_usec = rnd(5) * USEC_PER_SEC;
                }
                uint64_t now = 0;
                for (int t = 0; t < 300; t++) {
                        now += rnd(2000) * USEC_PER_MSEC;
                        for (PressureResource r = 0; r < _RES_MAX; r++)
                                sim_signal(&s, r, rnd(4) == 0, rnd(5) == 0 ? NO_PSI : (int64_t)rnd(3000));
                        if (rnd(20) == 0) {
                                SimUnit *u = &s.u[rnd(s.n)];
                                u->present = !u->present;
                        }
                        if (rnd(30) == 0)
                                s.u[rnd(s.n)].memory_high = (rnd(2048) + 1) * M;
                        if (rnd(50) == 0)
                                s.u[rnd(s.n)].class = (PolicyClass)rnd(3);
                        if (rnd(40) == 0)
                                s.cfg[rnd(_RES_MAX)].mode = (PressureMode)rnd(3);
                        sim_tick(&s, now / USEC_PER_MSEC);
                        ASSERT_TRUE(s.r.next_tick_usec == NEVER || s.r.next_tick_usec >= now);
                        for (size_t i = 0; i < s.r.n_decisions; i++) {
                                const PressureDecision *d = &s.r.decisions[i];
                                const SimUnit *u = sim_find(&s, d->unit);
                                if (d->property == _PROP_INVALID) {
                                        ASSERT_TRUE(s.c.freeze || d->new_value == 0);
                                        continue;
                                }
                                ASSERT_TRUE(d->old_value != d->new_value || d->drop);
                                if (d->drop)
                                        continue;
                                if (d->property == LO) {
                                        ASSERT_EQ_INT(u->class, CLASS_PROTECTED);
                                        ASSERT_TRUE(d->new_value > u->memory_low);
                                        ASSERT_TRUE(d->new_value <= u->demand);
                                } else {
                                        uint64_t cfgv = d->property == HI                ? u->memory_high
                                                        : d->property == PROP_CPU_WEIGHT ? u->cpu_weight
                                                                                         : u->io_weight;
                                        uint64_t floor = u->floor.has[d->property]
                                                                 ? u->floor.v[d->property].u
                                                         : d->property == HI ? PRESSURE_DEFAULT_MEMORY_FLOOR
                                                                             : 1;
                                        ASSERT_EQ_INT(u->class, CLASS_SHEDDABLE);
                                        ASSERT_TRUE(d->new_value < cfgv);
                                        ASSERT_TRUE(d->new_value >= floor);
                                        if (d->property == HI)
                                                ASSERT_EQ_U64(d->new_value % PRESSURE_PAGE_SIZE, 0);
                                }
                        }
                        for (PressureResource r = 0; r < _RES_MAX; r++)
                                if (s.r.phase[r] != I)
                                        ASSERT_TRUE(s.r.next_tick_usec != NEVER);
                }
                /* Calm from now on: everything goes back and the controller falls silent. */
                for (size_t i = 0; i < s.n; i++)
                        s.u[i].present = true;
                for (PressureResource r = 0; r < _RES_MAX; r++)
                        sim_signal(&s, r, false, 0);
                /* units reappearing is a reason to tick, as for the daemon */
                now += USEC_PER_MSEC;
                sim_tick(&s, now / USEC_PER_MSEC);
                for (int t = 0; t < 2000 && s.r.next_tick_usec != NEVER; t++) {
                        now = s.r.next_tick_usec > now ? s.r.next_tick_usec : now + USEC_PER_SEC;
                        sim_tick(&s, now / USEC_PER_MSEC);
                }
                if (s.r.next_tick_usec != NEVER) {
                        now += USEC_PER_SEC;
                        sim_tick(&s, now / USEC_PER_MSEC);
                }
                ASSERT_EQ_U64(s.r.next_tick_usec, NEVER);
                for (size_t i = 0; i < s.n; i++) {
                        ASSERT_TRUE(!s.u[i].frozen);
                        for (PropertyId p = 0; p < _PROP_MAX; p++)
                                ASSERT_TRUE(!s.u[i].adj.has[p]);
                }
                sim_done(&s);
        }
}

/* With protected units their own PSI is the signal and the slice decides only
 * what they cannot see: a shortage before anything is squeezed (trigger or
 * avg10), a full stall always, and calm. The stall of the batch we hold back
 * (slice `some` high, protected fine) neither squeezes further nor gives back. */
static void slice_signal(Sim *s, int64_t db_some, bool slice_triggered, int64_t slice_some, int64_t slice_full) {
        PressureSignal *g = &s->sig[RES_MEMORY];
        *g = (PressureSignal){.has_psi = true, .has_slice = true, .slice_triggered = slice_triggered};
        g->psi.has_some = g->psi.has_full = true;
        g->psi.some.avg10 = (uint64_t)db_some;
        g->slice.has_some = g->slice.has_full = true;
        g->slice.some.avg10 = (uint64_t)slice_some;
        g->slice.full.avg10 = (uint64_t)slice_full;
}

static void test_slice_signal(void) {
        Sim s;
        sim_init(&s, false);
        SimUnit *b = sim_add(&s, "batch.service", CLASS_SHEDDABLE, 1000 * M);
        b->anon = 500 * M;
        SimUnit *db = sim_add(&s, "db.service", CLASS_PROTECTED, 300 * M);
        db->memory_low = 290 * M;

        /* the slice's trigger fires, the protected unit is fine: nothing is squeezed yet, so act */
        slice_signal(&s, 0, true, 500, 0);
        sim_tick(&s, 0);
        ASSERT_EQ_INT(s.r.n_decisions, 1);
        ASSERT_EQ_U64(in_force(b, HI), 900 * M);
        ASSERT_TRUE(strstr(s.r.decisions[0].reason, "trigger fired in the slice"));
        ASSERT_TRUE(strstr(s.r.decisions[0].reason, "nothing squeezed yet"));

        /* now the batch stalls in its limit: slice some 60%, db fine: hold, for as long as it lasts */
        for (uint64_t t = 2000; t <= 60000; t += 2000) {
                slice_signal(&s, 0, true, 6000, 0);
                sim_tick(&s, t);
                ASSERT_EQ_INT(s.r.n_decisions, 0);
                ASSERT_EQ_INT(s.r.phase[RES_MEMORY], T);
                ASSERT_EQ_U64(in_force(b, HI), 900 * M);
        }

        /* everyone in the slice stalls (full over the trigger's share): squeeze again */
        slice_signal(&s, 0, false, 6000, 2000);
        sim_tick(&s, 62000);
        ASSERT_EQ_INT(s.r.n_decisions, 1);
        ASSERT_EQ_U64(in_force(b, HI), 810 * M);
        ASSERT_TRUE(strstr(s.r.decisions[0].reason, "full avg10=20.00% in the slice"));

        /* held to the headroom already: the slice's stall is its own, no onset step */
        Sim h;
        sim_init(&h, false);
        SimUnit *hb = sim_add(&h, "batch.service", CLASS_SHEDDABLE, 1000 * M);
        hb->anon = 900 * M;
        sim_add(&h, "db.service", CLASS_PROTECTED, 300 * M)->memory_low = 290 * M;
        h.held_batch = true;
        slice_signal(&h, 0, true, 5000, 0);
        sim_tick(&h, 0);
        ASSERT_EQ_INT(h.r.n_decisions, 0);
        sim_done(&h);

        /* the protected unit's own stall squeezes as before */
        slice_signal(&s, 3000, false, 6000, 0);
        sim_tick(&s, 64000);
        ASSERT_EQ_INT(s.r.n_decisions, 1);
        ASSERT_EQ_U64(in_force(b, HI), 729 * M);

        /* both calm: relaxed after hold, back to configured, idle */
        for (uint64_t t = 66000; t <= 200000; t += 1000) {
                slice_signal(&s, 0, false, 100, 0);
                sim_tick(&s, t);
        }
        ASSERT_TRUE(!b->adj.has[HI]);
        ASSERT_EQ_INT(s.r.phase[RES_MEMORY], I);
        sim_done(&s);
}

static void test_headroom(void) {
        /* 1600M available + 100M anon - 400M claimed - 128M reserve (2% of 2G is less) */
        ASSERT_EQ_U64(pressure_headroom(1600 * M, 2048 * M, 100 * M, 400 * M, 64 * M), 1172 * M);
        /* 2% of 64G is above the 128M minimum */
        ASSERT_EQ_U64(pressure_headroom(32768 * M, 65536 * M, 0, 8192 * M, 64 * M),
                      (32768 * M - 8192 * M - 65536 * M * 200 / 10000) / 4096 * 4096);
        /* claims beyond what is there: the floor */
        ASSERT_EQ_U64(pressure_headroom(500 * M, 2048 * M, 100 * M, 1500 * M, 64 * M), 64 * M);
        ASSERT_EQ_U64(pressure_headroom(500 * M, 2048 * M, 0, 1500 * M, 256 * M), 256 * M);
        /* the unit growing by 300M takes as much from MemAvailable: the limit stays */
        ASSERT_EQ_U64(pressure_headroom(1600 * M, 2048 * M, 100 * M, 400 * M, 64 * M),
                      pressure_headroom(1300 * M, 2048 * M, 400 * M, 400 * M, 64 * M));
        /* past its soft limit it does not lift it */
        ASSERT_EQ_U64(pressure_headroom(100 * M, 2048 * M, 1200 * M, 400 * M, 64 * M), 772 * M);
        /* page aligned; saturating */
        ASSERT_EQ_U64(pressure_headroom(1600 * M + 123, 2048 * M, 0, 0, 0) % 4096, 0);
        ASSERT_TRUE(pressure_headroom(UINT64_MAX, UINT64_MAX, UINT64_MAX, 0, 0) > 0);
}

int main(void) {
        test_memory_episode();
        test_anon_floor();
        test_slice_signal();
        test_headroom();
        test_property_resource();
        test_memory_dry_run();
        test_mode_off();
        test_cpu_loop();
        test_io_loop();
        test_units_come_and_go();
        test_config_changes();
        test_protected_bounds();
        test_ordering();
        test_reasons();
        test_bands();
        test_freeze();
        test_freeze_needs_persistence();
        test_bad_input();
        test_odd_inputs();
        test_random_invariants();
        return 0;
}
