/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Per-call latency of cgpolicyd's D-Bus API from one long-lived sd-bus client
 * (no process start, no connection set-up in the figures). Used by
 * bench/latency.py; stands alone too:
 *
 *   bus-latency ADDRESS UNIT [--calls N] [--warmup W] [--runtime-unit U] [--noop-unit U] [KIND...]
 *
 * KIND (default: all, in this order):
 *   ping            org.freedesktop.DBus.Peer.Ping to org.cgpolicy1: the bus floor
 *   get             Properties.Get org.cgpolicy1.Unit CPUWeight of UNIT
 *   get-effective   Properties.Get org.cgpolicy1.Unit EffectiveCPUWeight (read from cgroupfs)
 *   getall          Properties.GetAll org.cgpolicy1.Unit
 *   explain         Manager.Explain UNIT
 *   set-noop        Manager.SetUnitProperties UNIT runtime=false CPUWeight=<the same each time>:
 *                   answered without any write (nothing would change)
 *   set-runtime     SetUnitProperties runtime=true, CPUWeight alternating 201/202 (a change
 *                   each call: override kept in the runtime dir, cpu.weight written, read back)
 *   set-persistent  SetUnitProperties runtime=false, CPUWeight alternating 301/302 (state
 *                   file rewritten atomically, cpu.weight written, read back)
 * set-persistent uses UNIT, set-runtime the unit named with --runtime-unit and
 * set-noop the one named with --noop-unit (both default UNIT; give other units,
 * or a runtime override hides what set-persistent changes and set-persistent
 * turns set-noop's calls into changes).
 *
 * Kinds are interleaved (one call of each in turn), after W rounds not
 * measured (default 100). Prints one line per kind:
 *   kind=K calls=N p50_us=.. p99_us=.. mean_us=.. max_us=..
 * Any failed call ends the run with exit status 1. */

#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <time.h>

#define DEST "org.cgpolicy1"
#define MANAGER_PATH "/org/cgpolicy1"
#define MANAGER_IFACE "org.cgpolicy1.Manager"
#define UNIT_IFACE "org.cgpolicy1.Unit"

static const char *const all_kinds[] = {"ping",     "get",      "get-effective", "getall",
                                        "explain",  "set-noop", "set-runtime",   "set-persistent"};
#define N_KINDS (sizeof(all_kinds) / sizeof(all_kinds[0]))

typedef struct Ctx {
        sd_bus *bus;
        const char *unit, *runtime_unit, *noop_unit;
        char *unit_path;
} Ctx;

static uint64_t now_ns(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * UINT64_C(1000000000) + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
        return x < y ? -1 : x > y;
}

static uint64_t pct(const uint64_t *sorted, size_t n, unsigned p) {
        size_t k = (n * p + 99) / 100; /* nearest rank */
        return sorted[k ? k - 1 : 0];
}

static int set_cpu_weight(Ctx *c, const char *unit, bool runtime, uint64_t w, sd_bus_error *error) {
        sd_bus_message *m = NULL, *reply = NULL;
        int r;

        r = sd_bus_message_new_method_call(c->bus, &m, DEST, MANAGER_PATH, MANAGER_IFACE, "SetUnitProperties");
        if (r >= 0)
                r = sd_bus_message_append(m, "sba(sv)", unit, (int)runtime, 1, "CPUWeight", "t", w);
        if (r >= 0)
                r = sd_bus_call(c->bus, m, 0, error, &reply);
        sd_bus_message_unref(m);
        sd_bus_message_unref(reply);
        return r;
}

/* One call of kind k, the i-th of its run. */
static int call(Ctx *c, const char *k, unsigned i, sd_bus_error *error) {
        sd_bus_message *reply = NULL;
        int r;

        if (!strcmp(k, "ping"))
                r = sd_bus_call_method(c->bus, DEST, MANAGER_PATH, "org.freedesktop.DBus.Peer", "Ping", error,
                                       &reply, NULL);
        else if (!strcmp(k, "get"))
                r = sd_bus_call_method(c->bus, DEST, c->unit_path, "org.freedesktop.DBus.Properties", "Get", error,
                                       &reply, "ss", UNIT_IFACE, "CPUWeight");
        else if (!strcmp(k, "get-effective"))
                r = sd_bus_call_method(c->bus, DEST, c->unit_path, "org.freedesktop.DBus.Properties", "Get", error,
                                       &reply, "ss", UNIT_IFACE, "EffectiveCPUWeight");
        else if (!strcmp(k, "getall"))
                r = sd_bus_call_method(c->bus, DEST, c->unit_path, "org.freedesktop.DBus.Properties", "GetAll",
                                       error, &reply, "s", UNIT_IFACE);
        else if (!strcmp(k, "explain"))
                r = sd_bus_call_method(c->bus, DEST, MANAGER_PATH, MANAGER_IFACE, "Explain", error, &reply, "s",
                                       c->unit);
        else if (!strcmp(k, "set-noop"))
                return set_cpu_weight(c, c->noop_unit, false, 400, error);
        else if (!strcmp(k, "set-runtime"))
                return set_cpu_weight(c, c->runtime_unit, true, 201 + i % 2, error);
        else if (!strcmp(k, "set-persistent"))
                return set_cpu_weight(c, c->unit, false, 301 + i % 2, error);
        else
                return -EINVAL;
        sd_bus_message_unref(reply);
        return r;
}

int main(int argc, char **argv) {
        const char *address = NULL, *kinds[N_KINDS * 4];
        size_t n_kinds = 0;
        unsigned calls = 2000, warmup = 100;
        Ctx c = {};
        int r;

        for (int i = 1; i < argc; i++) {
                if (!strcmp(argv[i], "--calls") && i + 1 < argc)
                        calls = (unsigned)strtoul(argv[++i], NULL, 10);
                else if (!strcmp(argv[i], "--warmup") && i + 1 < argc)
                        warmup = (unsigned)strtoul(argv[++i], NULL, 10);
                else if (!strcmp(argv[i], "--runtime-unit") && i + 1 < argc)
                        c.runtime_unit = argv[++i];
                else if (!strcmp(argv[i], "--noop-unit") && i + 1 < argc)
                        c.noop_unit = argv[++i];
                else if (!address)
                        address = argv[i];
                else if (!c.unit)
                        c.unit = argv[i];
                else if (n_kinds < N_KINDS * 4)
                        kinds[n_kinds++] = argv[i];
        }
        if (!address || !c.unit || calls == 0) {
                fprintf(stderr, "Usage: %s ADDRESS UNIT [--calls N] [--warmup W] [--runtime-unit U] [--noop-unit U] [KIND...]\n",
                        argv[0]);
                return 2;
        }
        if (!c.runtime_unit)
                c.runtime_unit = c.unit;
        if (!c.noop_unit)
                c.noop_unit = c.unit;
        if (n_kinds == 0)
                for (size_t k = 0; k < N_KINDS; k++)
                        kinds[n_kinds++] = all_kinds[k];

        r = sd_bus_new(&c.bus);
        if (r >= 0)
                r = sd_bus_set_address(c.bus, address);
        if (r >= 0)
                r = sd_bus_set_bus_client(c.bus, true);
        if (r >= 0)
                r = sd_bus_start(c.bus);
        if (r < 0) {
                fprintf(stderr, "bus-latency: connecting to %s: %s\n", address, strerror(-r));
                return 1;
        }

        {
                sd_bus_error error = SD_BUS_ERROR_NULL;
                sd_bus_message *reply = NULL;
                const char *path;

                r = sd_bus_call_method(c.bus, DEST, MANAGER_PATH, MANAGER_IFACE, "GetUnit", &error, &reply, "s",
                                       c.unit);
                if (r >= 0)
                        r = sd_bus_message_read(reply, "o", &path);
                if (r < 0 || !(c.unit_path = strdup(path))) {
                        fprintf(stderr, "bus-latency: GetUnit %s: %s\n", c.unit,
                                error.message ?: strerror(r < 0 ? -r : ENOMEM));
                        return 1;
                }
                sd_bus_message_unref(reply);
                sd_bus_error_free(&error);
        }

        /* Interleaved: call i of every kind, then call i+1 of every kind, so
         * that drift (frequency, other load on the machine) hits all kinds alike
         * and the floor is measured under the same conditions as the rest. */
        uint64_t *s = calloc((size_t)calls * n_kinds, sizeof(uint64_t));
        uint64_t *sum = calloc(n_kinds, sizeof(uint64_t));
        if (!s || !sum)
                return 1;
        for (unsigned i = 0; i < warmup + calls; i++)
                for (size_t k = 0; k < n_kinds; k++) {
                        sd_bus_error error = SD_BUS_ERROR_NULL;
                        uint64_t t0 = now_ns();
                        r = call(&c, kinds[k], i, &error);
                        uint64_t t1 = now_ns();
                        if (r < 0) {
                                fprintf(stderr, "bus-latency: %s (call %u): %s\n", kinds[k], i,
                                        error.message ?: strerror(-r));
                                return 1;
                        }
                        sd_bus_error_free(&error);
                        if (i >= warmup) {
                                s[k * calls + i - warmup] = t1 - t0;
                                sum[k] += t1 - t0;
                        }
                }
        for (size_t k = 0; k < n_kinds; k++) {
                uint64_t *sk = s + k * calls;
                qsort(sk, calls, sizeof(uint64_t), cmp_u64);
                printf("kind=%s calls=%u p50_us=%.1f p99_us=%.1f mean_us=%.1f max_us=%.1f\n", kinds[k], calls,
                       pct(sk, calls, 50) / 1e3, pct(sk, calls, 99) / 1e3, (double)sum[k] / calls / 1e3,
                       sk[calls - 1] / 1e3);
        }
        fflush(stdout);
        free(s);
        free(sum);
        free(c.unit_path);
        sd_bus_unref(c.bus);
        return 0;
}
