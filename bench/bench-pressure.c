/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The pure pressure controller's tick (core/pressure.h) at N units, no I/O:
 * what the daemon's pressure loop costs per wake-up before it writes anything.
 *
 * Units: 10% protected, 80% sheddable, 10% normal; usage 256M..2G, anon a
 * quarter of it, no swap; every sheddable unit already squeezed once
 * (adjustment MemoryHigh at 3/4 of usage), as in a memory episode; cpu and io
 * are enabled and calm.
 * Three ticks, each run ROUNDS times (after WARMUP unmeasured ones):
 *   idle     no pressure anywhere, no adjustments: the baseline (a scan);
 *   hold     memory pressure, but the last step was less than `interval` ago:
 *            adjustments checked, nothing stepped;
 *   squeeze  memory pressure, `interval` passed: every sheddable unit's
 *            MemoryHigh stepped down and every protected unit's MemoryLow
 *            raised (one decision each, with its reason string).
 * Decisions are not fed back, so every round sees the same inputs. Each timing
 * is pressure_controller_tick() + pressure_result_done() (the daemon frees
 * the result after applying it).
 * Prints one "BENCH kind=pressure-tick ..." line per (N, tick): p50/p99 ms per
 * tick, µs per unit at p50, decisions per tick, ratio of p50 to idle's p50.
 * Usage: bench-pressure [--rounds R] [N...]   (default N: 1000 10000) */

#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pressure.h"

#define M (UINT64_C(1) << 20)
#define WARMUP 10

typedef enum Tick { TICK_IDLE, TICK_HOLD, TICK_SQUEEZE, _TICK_MAX } Tick;
static const char *const tick_name[_TICK_MAX] = {"idle", "hold", "squeeze"};

typedef struct Bench {
        size_t n;
        char **names;
        PressureUnit *units;
        PropSet *adj;
        PressureConfig cfg[_RES_MAX];
} Bench;

static uint64_t now_ns(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * UINT64_C(1000000000) + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
        return x < y ? -1 : x > y;
}

/* nearest rank */
static uint64_t pct(const uint64_t *sorted, size_t n, unsigned p) {
        size_t k = (n * p + 99) / 100;
        return sorted[k ? k - 1 : 0];
}

static void die(const char *what, int r) {
        fprintf(stderr, "bench-pressure: %s: %s\n", what, strerror(r < 0 ? -r : r));
        exit(1);
}

static void bench_init(Bench *b, size_t n) {
        *b = (Bench){.n = n};
        b->names = calloc(n, sizeof(char *));
        b->units = calloc(n, sizeof(PressureUnit));
        b->adj = calloc(n, sizeof(PropSet));
        if (!b->names || !b->units || !b->adj)
                die("calloc", ENOMEM);
        for (PressureResource r = 0; r < _RES_MAX; r++) {
                pressure_config_default(&b->cfg[r]);
                b->cfg[r].enabled = true;
        }
        for (size_t i = 0; i < n; i++) {
                PolicyClass class = i % 10 == 0 ? CLASS_PROTECTED : i % 10 == 9 ? CLASS_NORMAL : CLASS_SHEDDABLE;
                uint64_t cur = 256 * M + (uint64_t)(i * 7919 % 1793) * M; /* 256M .. 2G, scattered */

                if (asprintf(&b->names[i], "u%zu.service", i + 1) < 0)
                        die("asprintf", ENOMEM);
                pressure_unit_init(&b->units[i], b->names[i], class, cur);
                b->units[i].memory_anon = cur / 4;
                b->units[i].swap = false;
                if (class == CLASS_PROTECTED)
                        b->units[i].memory_low = 128 * M;
                if (class == CLASS_SHEDDABLE) {
                        PropValue v = {.u = cur * 3 / 4 / PRESSURE_PAGE_SIZE * PRESSURE_PAGE_SIZE};
                        prop_set_put(&b->adj[i], PROP_MEMORY_HIGH, &v);
                }
        }
}

static void bench_done(Bench *b) {
        for (size_t i = 0; i < b->n; i++) {
                free(b->names[i]);
                prop_set_done(&b->adj[i]);
        }
        free(b->names);
        free(b->units);
        free(b->adj);
}

static void signals(PressureSignal sig[_RES_MAX], bool pressure) {
        for (PressureResource r = 0; r < _RES_MAX; r++) {
                sig[r] = (PressureSignal){.has_psi = true, .has_slice = true};
                sig[r].psi.has_some = sig[r].psi.has_full = true;
                sig[r].slice.has_some = sig[r].slice.has_full = true;
        }
        if (pressure) {
                PressureSignal *m = &sig[RES_MEMORY];
                m->triggered = m->slice_triggered = true;
                m->psi.some.avg10 = 4000; /* 40% */
                m->psi.full.avg10 = 2000;
                m->slice.some.avg10 = 6000;
                m->slice.full.avg10 = 3000;
        }
}

/* Runs one kind of tick; fills samples (ns) and returns the decisions of the last one. */
static size_t run(Bench *b, Tick t, unsigned rounds, uint64_t *samples) {
        PressureSignal sig[_RES_MAX];
        PressureController c;
        uint64_t now = 1000 * USEC_PER_SEC;
        size_t decisions = 0;
        int r;

        for (size_t i = 0; i < b->n; i++)
                b->units[i].adjustment = t == TICK_IDLE ? NULL : &b->adj[i];
        signals(sig, t != TICK_IDLE);
        pressure_controller_init(&c, false);
        if (t != TICK_IDLE) {
                /* get into throttling first: one squeeze, not measured */
                PressureResult res = {};
                r = pressure_controller_tick(&c, now, b->cfg, sig, b->units, b->n, &res);
                if (r < 0)
                        die("pressure_controller_tick", r);
                pressure_result_done(&res);
        }
        for (unsigned k = 0; k < WARMUP + rounds; k++) {
                PressureResult res = {};
                uint64_t t0, t1;

                /* squeeze: a full interval later, so every sheddable unit steps;
                 * hold: a millisecond later, within the interval */
                now += t == TICK_SQUEEZE ? b->cfg[RES_MEMORY].interval_usec : USEC_PER_MSEC;
                t0 = now_ns();
                r = pressure_controller_tick(&c, now, b->cfg, sig, b->units, b->n, &res);
                decisions = res.n_decisions;
                pressure_result_done(&res);
                t1 = now_ns();
                if (r < 0)
                        die("pressure_controller_tick", r);
                if (k >= WARMUP)
                        samples[k - WARMUP] = t1 - t0;
        }
        return decisions;
}

int main(int argc, char **argv) {
        unsigned rounds = 200;
        size_t sizes[16], n_sizes = 0;

        for (int i = 1; i < argc; i++) {
                if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
                        rounds = (unsigned)strtoul(argv[++i], NULL, 10);
                else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
                        printf("Usage: %s [--rounds R] [N...]\n", argv[0]);
                        return 0;
                } else if (n_sizes < 16 && strtoul(argv[i], NULL, 10) > 0)
                        sizes[n_sizes++] = strtoul(argv[i], NULL, 10);
                else {
                        fprintf(stderr, "bench-pressure: bad argument %s\n", argv[i]);
                        return 2;
                }
        }
        if (rounds == 0)
                rounds = 1;
        if (n_sizes == 0) {
                sizes[n_sizes++] = 1000;
                sizes[n_sizes++] = 10000;
        }

        uint64_t *s = calloc(rounds, sizeof(uint64_t));
        double squeeze_p50[16] = {0};
        if (!s)
                die("calloc", ENOMEM);
        for (size_t z = 0; z < n_sizes; z++) {
                Bench b;
                double idle_p50 = 0;

                bench_init(&b, sizes[z]);
                for (Tick t = 0; t < _TICK_MAX; t++) {
                        size_t d = run(&b, t, rounds, s);
                        qsort(s, rounds, sizeof(uint64_t), cmp_u64);
                        double p50 = pct(s, rounds, 50) / 1e6, p99 = pct(s, rounds, 99) / 1e6;
                        if (t == TICK_IDLE)
                                idle_p50 = p50;
                        if (t == TICK_SQUEEZE)
                                squeeze_p50[z] = p50;
                        printf("BENCH kind=pressure-tick units=%zu tick=%s rounds=%u p50_ms=%.3f p99_ms=%.3f "
                               "per_unit_us=%.3f decisions=%zu ratio_vs_idle=%.1f\n",
                               b.n, tick_name[t], rounds, p50, p99, p50 * 1000 / (double)b.n, d,
                               idle_p50 > 0 ? p50 / idle_p50 : 0.0);
                        fflush(stdout);
                }
                bench_done(&b);
        }
        if (n_sizes >= 2 && squeeze_p50[n_sizes - 2] > 0 && sizes[n_sizes - 1] > sizes[n_sizes - 2])
                printf("BENCH kind=pressure-growth tick=squeeze from=%zu to=%zu exponent=%.2f\n",
                       sizes[n_sizes - 2], sizes[n_sizes - 1],
                       log(squeeze_p50[n_sizes - 1] / squeeze_p50[n_sizes - 2]) /
                               log((double)sizes[n_sizes - 1] / (double)sizes[n_sizes - 2]));
        free(s);
        return 0;
}
