/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The property table and everything that turns a property's text into a value,
 * a value into cgroup writes, and cgroup file contents back into a value. Names,
 * D-Bus signatures, cgroup formats and reset values follow systemd 252
 * (src/core/dbus-cgroup.c, src/core/cgroup.c). */

#define _GNU_SOURCE 1
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#include "macro.h"
#include "property.h"
#include "value.h"

#define CGROUP_WEIGHT_DEFAULT 100U
#define CPU_QUOTA_DEFAULT_PERIOD_USEC (100 * USEC_PER_MSEC)
#define PAGE_SIZE_BYTES 4096U
/* Bounds on a value's text and its device entries: policy input is small, and
 * fuzzers must not make us spend unbounded time. */
#define VALUE_TEXT_MAX 65536U
#define DEVICE_ENTRIES_MAX 256U

static const Property properties[_PROP_MAX] = {
        [PROP_CPU_WEIGHT] = { PROP_CPU_WEIGHT, "CPUWeight", "CPUWeight", "t", VT_WEIGHT, CTRL_CPU, "cpu.weight",
                              "100", UINT64_MAX, true,
                              "Relative share of CPU time (1..10000, or idle)" },
        [PROP_CPU_QUOTA] = { PROP_CPU_QUOTA, "CPUQuota", "CPUQuotaPerSecUSec", "t", VT_QUOTA, CTRL_CPU, "cpu.max",
                             "infinity", UINT64_MAX, true,
                             "Absolute CPU time limit as a percentage of one CPU (200% = two CPUs)" },
        [PROP_CPU_QUOTA_PERIOD] = { PROP_CPU_QUOTA_PERIOD, "CPUQuotaPeriodSec", "CPUQuotaPeriodUSec", "t",
                                    VT_DURATION, CTRL_CPU, "cpu.max", "infinity", UINT64_MAX, true,
                                    "Period over which CPUQuota is measured (1ms..1s; default 100ms)" },
        [PROP_ALLOWED_CPUS] = { PROP_ALLOWED_CPUS, "AllowedCPUs", "AllowedCPUs", "ay", VT_CPUSET, CTRL_CPUSET,
                                "cpuset.cpus", "", 0, true, "CPUs the processes may run on (\"0-3,8\")" },
        [PROP_ALLOWED_MEMORY_NODES] = { PROP_ALLOWED_MEMORY_NODES, "AllowedMemoryNodes", "AllowedMemoryNodes", "ay",
                                        VT_CPUSET, CTRL_CPUSET, "cpuset.mems", "", 0, true,
                                        "NUMA nodes memory may be allocated from (\"0-1\")" },
        [PROP_MEMORY_MIN] = { PROP_MEMORY_MIN, "MemoryMin", "MemoryMin", "t", VT_SIZE, CTRL_MEMORY, "memory.min", "0",
                              0, true, "Memory that is never reclaimed (hard protection)" },
        [PROP_MEMORY_LOW] = { PROP_MEMORY_LOW, "MemoryLow", "MemoryLow", "t", VT_SIZE, CTRL_MEMORY, "memory.low", "0",
                              0, true, "Memory reclaimed only when unprotected memory is exhausted" },
        [PROP_MEMORY_HIGH] = { PROP_MEMORY_HIGH, "MemoryHigh", "MemoryHigh", "t", VT_SIZE, CTRL_MEMORY, "memory.high",
                               "infinity", UINT64_MAX, true, "Throttling limit: above it reclaim is forced" },
        [PROP_MEMORY_MAX] = { PROP_MEMORY_MAX, "MemoryMax", "MemoryMax", "t", VT_SIZE, CTRL_MEMORY, "memory.max",
                              "infinity", UINT64_MAX, true, "Hard memory limit: above it the OOM killer acts" },
        [PROP_MEMORY_SWAP_MAX] = { PROP_MEMORY_SWAP_MAX, "MemorySwapMax", "MemorySwapMax", "t", VT_SIZE, CTRL_MEMORY,
                                   "memory.swap.max", "infinity", UINT64_MAX, true, "Hard limit on swap usage" },
        [PROP_IO_WEIGHT] = { PROP_IO_WEIGHT, "IOWeight", "IOWeight", "t", VT_WEIGHT, CTRL_IO, "io.weight", "100",
                             UINT64_MAX, true, "Relative share of IO bandwidth (1..10000)" },
        [PROP_IO_DEVICE_WEIGHT] = { PROP_IO_DEVICE_WEIGHT, "IODeviceWeight", "IODeviceWeight", "a(st)",
                                    VT_DEVICE_WEIGHT, CTRL_IO, "io.weight", "", 0, true,
                                    "Per-device IO weight (\"/dev/sda 200\")" },
        [PROP_IO_READ_BANDWIDTH_MAX] = { PROP_IO_READ_BANDWIDTH_MAX, "IOReadBandwidthMax", "IOReadBandwidthMax",
                                         "a(st)", VT_DEVICE_BYTES, CTRL_IO, "io.max", "", 0, true,
                                         "Per-device read bandwidth limit, bytes/s, base 1000 (\"/dev/sda 10M\")" },
        [PROP_IO_WRITE_BANDWIDTH_MAX] = { PROP_IO_WRITE_BANDWIDTH_MAX, "IOWriteBandwidthMax", "IOWriteBandwidthMax",
                                          "a(st)", VT_DEVICE_BYTES, CTRL_IO, "io.max", "", 0, true,
                                          "Per-device write bandwidth limit, bytes/s, base 1000 (\"/dev/sda 10M\")" },
        [PROP_IO_READ_IOPS_MAX] = { PROP_IO_READ_IOPS_MAX, "IOReadIOPSMax", "IOReadIOPSMax", "a(st)", VT_DEVICE_IOPS,
                                    CTRL_IO, "io.max", "", 0, true,
                                    "Per-device read operations per second limit (\"/dev/sda 1K\")" },
        [PROP_IO_WRITE_IOPS_MAX] = { PROP_IO_WRITE_IOPS_MAX, "IOWriteIOPSMax", "IOWriteIOPSMax", "a(st)",
                                     VT_DEVICE_IOPS, CTRL_IO, "io.max", "", 0, true,
                                     "Per-device write operations per second limit (\"/dev/sda 1K\")" },
        [PROP_IO_DEVICE_LATENCY_TARGET] = { PROP_IO_DEVICE_LATENCY_TARGET, "IODeviceLatencyTargetSec",
                                            "IODeviceLatencyTargetUSec", "a(st)", VT_DEVICE_DURATION, CTRL_IO,
                                            "io.latency", "", 0, true,
                                            "Per-device IO latency target (\"/dev/sda 25ms\")" },
        [PROP_TASKS_MAX] = { PROP_TASKS_MAX, "TasksMax", "TasksMax", "t", VT_TASKS, CTRL_PIDS, "pids.max", "infinity",
                             UINT64_MAX, true, "Maximum number of tasks (processes and threads)" },
        [PROP_OOM_SCORE_ADJUST] = { PROP_OOM_SCORE_ADJUST, "OOMScoreAdjust", "OOMScoreAdjust", "i", VT_OOM, CTRL_NONE,
                                    NULL, "0", 0, false,
                                    "OOM killer preference, -1000..1000 (written to /proc/PID/oom_score_adj)" },
};

/* What only this file needs per property: the range named in messages, and for
 * io.max the key the property owns. */
static const struct {
        const char *range;
        const char *io_key;
} extra[_PROP_MAX] = {
        [PROP_CPU_WEIGHT] = { "1..10000 or idle", NULL },
        [PROP_CPU_QUOTA] = { "above 0%", NULL },
        [PROP_CPU_QUOTA_PERIOD] = { "1ms..1s", NULL },
        [PROP_ALLOWED_CPUS] = { "0..8191", NULL },
        [PROP_ALLOWED_MEMORY_NODES] = { "0..8191", NULL },
        [PROP_MEMORY_MIN] = { "0 to below 16E, 0%..100% or infinity", NULL },
        [PROP_MEMORY_LOW] = { "0 to below 16E, 0%..100% or infinity", NULL },
        [PROP_MEMORY_HIGH] = { "1 to below 16E, above 0% up to 100%, or infinity", NULL },
        [PROP_MEMORY_MAX] = { "1 to below 16E, above 0% up to 100%, or infinity", NULL },
        [PROP_MEMORY_SWAP_MAX] = { "0 to below 16E, 0%..100% or infinity", NULL },
        [PROP_IO_WEIGHT] = { "1..10000", NULL },
        [PROP_IO_DEVICE_WEIGHT] = { "1..10000", NULL },
        [PROP_IO_READ_BANDWIDTH_MAX] = { "above 0 or infinity", "rbps" },
        [PROP_IO_WRITE_BANDWIDTH_MAX] = { "above 0 or infinity", "wbps" },
        [PROP_IO_READ_IOPS_MAX] = { "above 0 or infinity", "riops" },
        [PROP_IO_WRITE_IOPS_MAX] = { "above 0 or infinity", "wiops" },
        [PROP_IO_DEVICE_LATENCY_TARGET] = { "0..infinity", NULL },
        [PROP_TASKS_MAX] = { "1..18446744073709551614, above 0% and below 100%, or infinity", NULL },
        [PROP_OOM_SCORE_ADJUST] = { "-1000..1000", NULL },
};

static const char *const controller_names[_CTRL_MAX] = {
        [CTRL_CPU] = "cpu", [CTRL_CPUSET] = "cpuset", [CTRL_IO] = "io", [CTRL_MEMORY] = "memory", [CTRL_PIDS] = "pids",
};

const char *controller_to_string(Controller c) {
        if (c < 0 || c >= _CTRL_MAX)
                return NULL;
        return controller_names[c]; /* NULL for CTRL_NONE: no cgroup controller */
}

Controller controller_from_string(const char *s) {
        if (!s)
                return CTRL_NONE;
        for (Controller c = CTRL_CPU; c < _CTRL_MAX; c++)
                if (streq(s, controller_names[c]))
                        return c;
        return CTRL_NONE;
}

bool property_u64_in_range(const Property *p, uint64_t u) {
        switch (p->type) {
        case VT_WEIGHT:
                return (u >= 1 && u <= 10000) || (u == 0 && p->id == PROP_CPU_WEIGHT);
        case VT_QUOTA: /* systemd refuses a zero quota */
        case VT_TASKS: /* and TasksMax=0 */
                return u > 0;
        case VT_DURATION: /* any period: cpu.max gets it clamped to 1ms..1s, as systemd does */
                return true;
        case VT_SIZE: /* systemd refuses 0 for the limits, not for the protections */
                return u > 0 || (p->id != PROP_MEMORY_HIGH && p->id != PROP_MEMORY_MAX);
        default:
                return true;
        }
}

bool property_device_value_in_range(const Property *p, uint64_t u) {
        switch (p->type) {
        case VT_DEVICE_WEIGHT:
                return u >= 1 && u <= 10000;
        case VT_DEVICE_BYTES: /* the kernel refuses rbps=0 and friends (ERANGE) */
        case VT_DEVICE_IOPS:
                return u > 0;
        default:
                return true;
        }
}

bool property_i32_in_range(const Property *p, int32_t i) {
        return p->type != VT_OOM || (i >= -1000 && i <= 1000);
}

const Property *property_get(PropertyId id) {
        if (id < 0 || id >= _PROP_MAX)
                return NULL;
        return &properties[id];
}

const Property *property_by_dbus_name(const char *name) {
        if (!name)
                return NULL;
        for (size_t i = 0; i < _PROP_MAX; i++)
                if (streq(name, properties[i].dbus_name))
                        return &properties[i];
        return NULL;
}

const Property *property_by_name(const char *name) {
        if (!name)
                return NULL;
        for (size_t i = 0; i < _PROP_MAX; i++)
                if (streq(name, properties[i].name))
                        return &properties[i];
        return property_by_dbus_name(name);
}

static bool is_device_type(ValueType t) {
        return t == VT_DEVICE_WEIGHT || t == VT_DEVICE_BYTES || t == VT_DEVICE_IOPS || t == VT_DEVICE_DURATION;
}

static void devs_free(DeviceValue *d, size_t n) {
        for (size_t i = 0; i < n; i++)
                free(d[i].device);
        free(d);
}

void prop_value_done(PropValue *v) {
        if (!v)
                return;
        free(v->mask);
        devs_free(v->devs, v->n_devs);
        *v = (PropValue) {};
}

int prop_value_copy(PropValue *dst, const PropValue *src) {
        PropValue t = *src;

        t.mask = NULL;
        t.devs = NULL;
        if (src->mask_size > 0) {
                t.mask = malloc(src->mask_size);
                if (!t.mask)
                        return -ENOMEM;
                memcpy(t.mask, src->mask, src->mask_size);
        }
        if (src->n_devs > 0) {
                t.devs = calloc(src->n_devs, sizeof(DeviceValue));
                if (!t.devs) {
                        free(t.mask);
                        return -ENOMEM;
                }
                for (size_t i = 0; i < src->n_devs; i++) {
                        t.devs[i].value = src->devs[i].value;
                        t.devs[i].device = strdup(src->devs[i].device);
                        if (!t.devs[i].device) {
                                t.n_devs = i;
                                prop_value_done(&t);
                                return -ENOMEM;
                        }
                }
        }
        *dst = t;
        return 0;
}

/* Adds or replaces (same device text) an entry; takes ownership of device. */
static int devs_put(PropValue *v, char *device, uint64_t value) {
        for (size_t i = 0; i < v->n_devs; i++)
                if (streq(v->devs[i].device, device)) {
                        free(v->devs[i].device);
                        /* A later entry replaces an earlier one and moves to the end, as
                         * the later assignment in a unit file would. */
                        memmove(v->devs + i, v->devs + i + 1, (v->n_devs - i - 1) * sizeof(DeviceValue));
                        v->devs[v->n_devs - 1] = (DeviceValue) { device, value };
                        return 0;
                }
        DeviceValue *n = realloc(v->devs, (v->n_devs + 1) * sizeof(DeviceValue));
        if (!n) {
                free(device);
                return -ENOMEM;
        }
        v->devs = n;
        v->devs[v->n_devs++] = (DeviceValue) { device, value };
        return 0;
}

int prop_value_assign(const Property *p, PropValue *acc, bool has_acc, PropValue *v) {
        if (!p || !acc || !v)
                return -EINVAL;
        if (!is_device_type(p->type) || !has_acc || v->reset || v->n_devs == 0 || acc->reset) {
                prop_value_done(acc);
                *acc = *v;
                *v = (PropValue) {};
                return 0;
        }

        /* Entries are added one by one to a copy, so a failure leaves *acc as it was. */
        _cleanup_(prop_value_done) PropValue t = {};
        int r = prop_value_copy(&t, acc);
        if (r < 0)
                return r;
        for (size_t i = 0; i < v->n_devs; i++) {
                r = devs_put(&t, v->devs[i].device, v->devs[i].value);
                v->devs[i].device = NULL; /* devs_put took it, or freed it on failure */
                if (r < 0)
                        return r;
        }
        prop_value_done(v);
        prop_value_done(acc);
        *acc = t;
        t = (PropValue) {};
        return 0;
}

static size_t mask_used_size(const uint8_t *mask, size_t size) {
        while (size > 0 && mask[size - 1] == 0)
                size--;
        return size;
}

/* Empty cpusets and device lists mean the same as a reset. */
static bool value_is_reset(const Property *p, const PropValue *v) {
        if (v->reset)
                return true;
        if (p->type == VT_CPUSET)
                return !v->mask || mask_used_size(v->mask, v->mask_size) == 0;
        if (is_device_type(p->type))
                return v->n_devs == 0;
        return false;
}

static bool masks_equal(const PropValue *a, const PropValue *b) {
        size_t na = a->mask ? mask_used_size(a->mask, a->mask_size) : 0;
        size_t nb = b->mask ? mask_used_size(b->mask, b->mask_size) : 0;
        return na == nb && (na == 0 || memcmp(a->mask, b->mask, na) == 0);
}

static const DeviceValue *devs_find(const PropValue *v, const char *device) {
        for (size_t i = 0; i < v->n_devs; i++)
                if (streq(v->devs[i].device, device))
                        return &v->devs[i];
        return NULL;
}

bool prop_value_equal(const Property *p, const PropValue *a, const PropValue *b) {
        bool ra = value_is_reset(p, a), rb = value_is_reset(p, b);

        if (ra || rb)
                return ra == rb;

        switch (p->type) {
        case VT_OOM:
                return a->i == b->i;
        case VT_CPUSET:
                return masks_equal(a, b);
        case VT_DEVICE_WEIGHT:
        case VT_DEVICE_BYTES:
        case VT_DEVICE_IOPS:
        case VT_DEVICE_DURATION:
                if (a->n_devs != b->n_devs)
                        return false;
                for (size_t i = 0; i < a->n_devs; i++) {
                        const DeviceValue *d = devs_find(b, a->devs[i].device);
                        if (!d || d->value != a->devs[i].value)
                                return false;
                }
                return true;
        default:
                return a->u == b->u;
        }
}

/* The bad text as it goes into a message: printable, quoted by the caller,
 * and short. */
static char *escape_text(const char *s) {
        size_t n = strlen(s), cap = (n > 128 ? 128 : n) * 4 + 8, o = 0;
        char *r = malloc(cap);

        if (!r)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char) s[i];
                if (i >= 128) {
                        memcpy(r + o, "...", 3);
                        o += 3;
                        break;
                }
                if (c == '"' || c == '\\') {
                        r[o++] = '\\';
                        r[o++] = (char) c;
                } else if (c < 0x20 || c == 0x7f)
                        o += (size_t) snprintf(r + o, cap - o, "\\x%02x", c);
                else
                        r[o++] = (char) c;
        }
        r[o] = 0;
        return r;
}

static int set_error(char **ret_error, int r, const char *fmt, ...) _printf_(3, 4);
static int set_error(char **ret_error, int r, const char *fmt, ...) {
        va_list ap;

        if (!ret_error)
                return r;
        va_start(ap, fmt);
        if (vasprintf(ret_error, fmt, ap) < 0)
                *ret_error = NULL;
        va_end(ap);
        return r;
}

/* The message for a parse failure r of `text`, naming property and text. */
static int parse_error(const Property *p, int r, const char *text, char **ret_error) {
        _cleanup_free_ char *esc = escape_text(text);

        if (r == -ENOMEM || !esc)
                return set_error(ret_error, -ENOMEM, "Out of memory while parsing %s=", p->name);
        if (r == -ERANGE)
                return set_error(ret_error, r, "%s= value \"%s\" out of range %s", p->name, esc,
                                 extra[p->id].range);
        return set_error(ret_error, r, "Invalid %s= value \"%s\": %s", p->name, esc, value_error_reason());
}

static int parse_device_value(const Property *p, const char *text, uint64_t *ret) {
        uint64_t v;
        int r;

        switch (p->type) {
        case VT_DEVICE_WEIGHT:
                r = parse_unsigned(text, &v);
                break;
        case VT_DEVICE_BYTES:
        case VT_DEVICE_IOPS:
                /* systemd parses IO limits to the base of 1000, "1G 500M" too */
                r = parse_size_base(text, 1000, false, 0, &v);
                break;
        case VT_DEVICE_DURATION:
                r = parse_duration(text, &v);
                break;
        default:
                return -EINVAL;
        }
        if (r < 0)
                return r;
        if (!property_device_value_in_range(p, v))
                return -ERANGE;
        *ret = v;
        return 0;
}

static int parse_devices(const Property *p, const char *text, PropValue *v, char **ret_error) {
        const char *s = text;
        int r;

        /* Several entries are separated by ';': "/dev/sda 10M; /dev/sdb 5M". */
        for (;;) {
                size_t len = strcspn(s, ";");
                _cleanup_free_ char *entry = strndup(s, len);
                _cleanup_free_ char *dev = NULL, *val = NULL;
                uint64_t x;

                if (!entry)
                        return set_error(ret_error, -ENOMEM, "Out of memory while parsing %s=", p->name);
                if (strspn(entry, " \t\n\r") == len) {
                        _cleanup_free_ char *esc = escape_text(text);
                        return set_error(ret_error, -EINVAL, "Invalid %s= value \"%s\": empty entry between ';'",
                                         p->name, strna(esc));
                }
                if (v->n_devs >= DEVICE_ENTRIES_MAX)
                        return set_error(ret_error, -EINVAL, "Invalid %s= value: more than %u device entries",
                                         p->name, DEVICE_ENTRIES_MAX);

                r = parse_device_pair(entry, &dev, &val);
                if (r < 0)
                        return parse_error(p, r, entry, ret_error);
                r = parse_device_value(p, val, &x);
                if (r < 0)
                        return parse_error(p, r, entry, ret_error);
                r = devs_put(v, TAKE_PTR(dev), x);
                if (r < 0)
                        return set_error(ret_error, r, "Out of memory while parsing %s=", p->name);

                if (!s[len])
                        return 0;
                s += len + 1;
        }
}

int prop_value_parse(const Property *p, const char *text, const ParseContext *ctx, PropValue *ret,
                     char **ret_error) {
        _cleanup_(prop_value_done) PropValue v = {};
        uint64_t ram = ctx ? ctx->ram_bytes : 0, tasks = ctx ? ctx->tasks_limit : 0;
        const char *t;
        size_t n;
        int r;

        if (!p)
                return -EINVAL;
        if (!text)
                return set_error(ret_error, -EINVAL, "Missing value for %s=", p->name);
        n = strlen(text);
        if (n > VALUE_TEXT_MAX)
                return set_error(ret_error, -EINVAL, "Invalid %s= value: longer than %u bytes", p->name,
                                 VALUE_TEXT_MAX);
        t = text + strspn(text, " \t\n\r");
        if (*t == 0) {
                *ret = (PropValue) { .reset = true };
                return 0;
        }

        switch (p->type) {
        case VT_WEIGHT:
                r = parse_weight(text, p->id == PROP_CPU_WEIGHT, &v.u);
                /* 0 is how the table (and D-Bus) holds idle; as text only "idle" is */
                if (r >= 0 && (!property_u64_in_range(p, v.u) || (v.u == 0 && !streq(text, "idle"))))
                        r = -ERANGE;
                break;
        case VT_QUOTA:
                r = parse_cpu_quota(text, ctx && ctx->own_text, &v.u);
                break;
        case VT_DURATION:
                /* any period, as systemd: cpu.max gets it clamped to 1ms..1s */
                r = parse_duration(text, &v.u);
                break;
        case VT_CPUSET:
                r = parse_cpuset(text, &v.mask, &v.mask_size);
                if (r >= 0 && v.mask_size == 0)
                        v.reset = true;
                break;
        case VT_SIZE:
                r = parse_size(text, ram, &v.u);
                if (r >= 0 && !property_u64_in_range(p, v.u))
                        r = -ERANGE;
                break;
        case VT_DEVICE_WEIGHT:
        case VT_DEVICE_BYTES:
        case VT_DEVICE_IOPS:
        case VT_DEVICE_DURATION:
                r = parse_devices(p, text, &v, ret_error);
                if (r < 0)
                        return r;
                break;
        case VT_TASKS: {
                size_t len = strlen(text);
                if (text[len - 1] == '%') {
                        /* systemd sends TasksMaxScale, which must be above 0% and below 100% */
                        uint64_t pm;
                        r = parse_permyriad(text, false, &pm);
                        if (r >= 0 && (pm == 0 || pm >= 10000))
                                r = -ERANGE;
                        if (r >= 0) {
                                if (tasks == 0)
                                        return set_error(ret_error, -EINVAL,
                                                         "Invalid %s= value \"%s\": a percentage needs the "
                                                         "system's task limit, which is unknown",
                                                         p->name, t);
                                v.u = (uint64_t) ((unsigned __int128) tasks * pm / 10000);
                                if (v.u == 0)
                                        v.u = 1;
                        }
                } else if (streq(text, "infinity")) {
                        v.u = UINT64_MAX;
                        r = 0;
                } else {
                        r = parse_unsigned(text, &v.u);
                        if (r >= 0 && (!property_u64_in_range(p, v.u) || v.u == UINT64_MAX))
                                r = -ERANGE;
                }
                break;
        }
        case VT_OOM:
                r = parse_oom_score_adjust(text, &v.i);
                if (r >= 0 && !property_i32_in_range(p, v.i))
                        r = -ERANGE;
                break;
        default:
                return -EINVAL;
        }
        if (r < 0) /* the text as given: trailing whitespace may be what is wrong */
                return parse_error(p, r, text, ret_error);

        *ret = v;
        v = (PropValue) {};
        return 0;
}

static int format_device_value(const Property *p, uint64_t x, char **ret) {
        switch (p->type) {
        case VT_DEVICE_WEIGHT:
                return asprintf(ret, "%" PRIu64, x) < 0 ? -ENOMEM : 0;
        case VT_DEVICE_BYTES:
        case VT_DEVICE_IOPS:
                return format_size_base(x, 1000, ret);
        case VT_DEVICE_DURATION: {
                /* The value is what follows the last space of an entry, so "1s 500ms"
                 * is written as "1s500ms", which parse_duration() takes as well. */
                char *s;
                int r = format_duration(x, &s);
                if (r < 0)
                        return r;
                size_t o = 0;
                for (size_t i = 0; s[i]; i++)
                        if (s[i] != ' ')
                                s[o++] = s[i];
                s[o] = 0;
                *ret = s;
                return 0;
        }
        default:
                return -EINVAL;
        }
}

int prop_value_format(const Property *p, const PropValue *v, char **ret) {
        char *s = NULL;
        int r = 0;

        if (!p || !v)
                return -EINVAL;
        if (value_is_reset(p, v))
                s = strdup("");
        else
                switch (p->type) {
                case VT_WEIGHT:
                        if (v->u == 0 && p->id == PROP_CPU_WEIGHT)
                                s = strdup("idle");
                        else if (asprintf(&s, "%" PRIu64, v->u) < 0)
                                s = NULL;
                        break;
                case VT_QUOTA:
                        r = format_cpu_quota(v->u, &s);
                        break;
                case VT_DURATION:
                        r = format_duration(v->u, &s);
                        break;
                case VT_CPUSET:
                        r = format_cpuset(v->mask, v->mask_size, &s);
                        break;
                case VT_SIZE:
                        r = format_size(v->u, &s);
                        break;
                case VT_TASKS:
                        if (v->u == UINT64_MAX)
                                s = strdup("infinity");
                        else if (asprintf(&s, "%" PRIu64, v->u) < 0)
                                s = NULL;
                        break;
                case VT_OOM:
                        if (asprintf(&s, "%" PRIi32, v->i) < 0)
                                s = NULL;
                        break;
                case VT_DEVICE_WEIGHT:
                case VT_DEVICE_BYTES:
                case VT_DEVICE_IOPS:
                case VT_DEVICE_DURATION: {
                        size_t used = 0;
                        s = strdup("");
                        for (size_t i = 0; s && i < v->n_devs; i++) {
                                _cleanup_free_ char *x = NULL;
                                r = format_device_value(p, v->devs[i].value, &x);
                                if (r < 0)
                                        break;
                                char *n;
                                if (asprintf(&n, "%s%s%s %s", s, used ? "; " : "", v->devs[i].device, x) < 0) {
                                        r = -ENOMEM;
                                        break;
                                }
                                free(s);
                                s = n;
                                used++;
                        }
                        break;
                }
                default:
                        return -EINVAL;
                }
        if (r < 0) {
                free(s);
                return r;
        }
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

/* ---- cgroup writes ---- */

typedef struct Writes {
        CgroupWrite *w;
        size_t n;
} Writes;

static int writes_add(Writes *ws, PropertyId id, const char *file, const char *fmt, ...) _printf_(4, 5);
static int writes_add(Writes *ws, PropertyId id, const char *file, const char *fmt, ...) {
        va_list ap;
        char *c;
        int k;

        va_start(ap, fmt);
        k = vasprintf(&c, fmt, ap);
        va_end(ap);
        if (k < 0)
                return -ENOMEM;
        CgroupWrite *n = realloc(ws->w, (ws->n + 1) * sizeof(CgroupWrite));
        if (!n) {
                free(c);
                return -ENOMEM;
        }
        ws->w = n;
        ws->w[ws->n++] = (CgroupWrite) { id, file, c };
        return 0;
}

void cgroup_writes_free(CgroupWrite *w, size_t n) {
        if (!w)
                return;
        for (size_t i = 0; i < n; i++)
                free(w[i].content);
        free(w);
}

/* cpu.max as systemd computes it: the period is clamped to 1ms..1s and raised
 * so that the quota per period is at least 1ms; no quota means "max" with the
 * default period. */
static void cpu_max_compute(uint64_t quota_per_sec, uint64_t period, uint64_t *ret_quota, uint64_t *ret_period) {
        if (quota_per_sec == UINT64_MAX) {
                *ret_quota = UINT64_MAX;
                *ret_period = CPU_QUOTA_DEFAULT_PERIOD_USEC;
                return;
        }
        if (period == UINT64_MAX)
                period = CPU_QUOTA_DEFAULT_PERIOD_USEC;
        if (quota_per_sec == 0) /* not accepted by the parser; defend anyway */
                quota_per_sec = 1;
        uint64_t min_for_quota = USEC_PER_MSEC * USEC_PER_SEC / quota_per_sec;
        if (period < USEC_PER_MSEC)
                period = USEC_PER_MSEC;
        if (period < min_for_quota)
                period = min_for_quota;
        if (period > USEC_PER_SEC)
                period = USEC_PER_SEC;
        unsigned __int128 q = (unsigned __int128) quota_per_sec * period / USEC_PER_SEC;
        if (q < USEC_PER_MSEC)
                q = USEC_PER_MSEC;
        if (q >= UINT64_MAX)
                q = UINT64_MAX - 1;
        *ret_quota = (uint64_t) q;
        *ret_period = period;
}

static int devnum_of(const char *device, DeviceResolver resolve, void *userdata, unsigned *ret_major,
                     unsigned *ret_minor) {
        if (parse_devnum(device, ret_major, ret_minor) >= 0)
                return 0;
        if (device[0] != '/')
                return -EINVAL;
        if (!resolve)
                return -ENODEV;
        return resolve(device, ret_major, ret_minor, userdata);
}

static int device_write(Writes *ws, const Property *p, unsigned maj, unsigned min, bool reset, uint64_t x) {
        switch (p->type) {
        case VT_DEVICE_WEIGHT:
                if (reset)
                        return writes_add(ws, p->id, p->cgroup_file, "%u:%u default", maj, min);
                return writes_add(ws, p->id, p->cgroup_file, "%u:%u %" PRIu64, maj, min, x);
        case VT_DEVICE_BYTES:
        case VT_DEVICE_IOPS:
                if (reset || x == UINT64_MAX)
                        return writes_add(ws, p->id, p->cgroup_file, "%u:%u %s=max", maj, min, extra[p->id].io_key);
                return writes_add(ws, p->id, p->cgroup_file, "%u:%u %s=%" PRIu64, maj, min, extra[p->id].io_key,
                                  x);
        case VT_DEVICE_DURATION:
                if (reset || x == UINT64_MAX)
                        return writes_add(ws, p->id, p->cgroup_file, "%u:%u target=max", maj, min);
                return writes_add(ws, p->id, p->cgroup_file, "%u:%u target=%" PRIu64, maj, min, x);
        default:
                return -EINVAL;
        }
}

static int device_writes(Writes *ws, const Property *p, const PropValue *v, const PropValue *old,
                         DeviceResolver resolve, void *userdata, char **ret_error) {
        size_t n_new = value_is_reset(p, v) ? 0 : v->n_devs;
        _cleanup_free_ unsigned *nums = calloc(n_new * 2 + 1, sizeof(unsigned));
        int r;

        if (!nums)
                return -ENOMEM;
        for (size_t i = 0; i < n_new; i++) {
                r = devnum_of(v->devs[i].device, resolve, userdata, &nums[2 * i], &nums[2 * i + 1]);
                if (r < 0) {
                        _cleanup_free_ char *esc = escape_text(v->devs[i].device);
                        return set_error(ret_error, r, "Cannot find block device \"%s\" for %s=: %s", strna(esc),
                                         p->name,
                                         r == -ENODEV ? "no device resolver available" : strerror(-r));
                }
                r = device_write(ws, p, nums[2 * i], nums[2 * i + 1], false, v->devs[i].value);
                if (r < 0)
                        return r;
        }

        /* Entries we applied before but no longer want go back to the kernel default. */
        if (old && !value_is_reset(p, old))
                for (size_t i = 0; i < old->n_devs; i++) {
                        unsigned maj, min;
                        bool kept = false;

                        if (devnum_of(old->devs[i].device, resolve, userdata, &maj, &min) < 0)
                                continue; /* vanished device: nothing to reset */
                        for (size_t j = 0; j < n_new && !kept; j++)
                                kept = nums[2 * j] == maj && nums[2 * j + 1] == min;
                        for (size_t j = 0; j < i && !kept; j++) {
                                /* the same device listed twice in old: reset once */
                                unsigned a, b;
                                kept = devnum_of(old->devs[j].device, resolve, userdata, &a, &b) >= 0 && a == maj &&
                                       b == min;
                        }
                        if (kept)
                                continue;
                        r = device_write(ws, p, maj, min, true, 0);
                        if (r < 0)
                                return r;
                }
        return 0;
}

int property_cgroup_writes(const Property *p, const PropValue *v, const PropValue *old,
                           uint64_t quota_period_usec, uint64_t quota_per_sec_usec, DeviceResolver resolve,
                           void *userdata, CgroupWrite **ret, size_t *ret_n, char **ret_error) {
        Writes ws = {};
        bool reset;
        int r = 0;

        if (!p || !v || !ret || !ret_n)
                return -EINVAL;
        reset = value_is_reset(p, v);

        switch (p->id) {
        case PROP_CPU_WEIGHT: {
                /* As systemd: cpu.idle is always written; an idle group gets no cpu.weight. */
                uint64_t w = reset ? CGROUP_WEIGHT_DEFAULT : v->u;
                r = writes_add(&ws, p->id, "cpu.idle", "%s", w == 0 ? "1" : "0");
                if (r >= 0 && w != 0)
                        r = writes_add(&ws, p->id, p->cgroup_file, "%" PRIu64, w);
                break;
        }
        case PROP_CPU_QUOTA:
        case PROP_CPU_QUOTA_PERIOD: {
                uint64_t quota = p->id == PROP_CPU_QUOTA ? (reset ? UINT64_MAX : v->u) : quota_per_sec_usec;
                uint64_t period = p->id == PROP_CPU_QUOTA_PERIOD ? (reset ? UINT64_MAX : v->u) : quota_period_usec;
                uint64_t q, per;
                cpu_max_compute(quota, period, &q, &per);
                if (q == UINT64_MAX)
                        r = writes_add(&ws, p->id, p->cgroup_file, "max %" PRIu64, per);
                else
                        r = writes_add(&ws, p->id, p->cgroup_file, "%" PRIu64 " %" PRIu64, q, per);
                break;
        }
        case PROP_ALLOWED_CPUS:
        case PROP_ALLOWED_MEMORY_NODES: {
                _cleanup_free_ char *s = NULL;
                if (reset)
                        s = strdup("");
                else
                        r = format_cpuset(v->mask, v->mask_size, &s);
                if (r >= 0 && !s)
                        r = -ENOMEM;
                if (r >= 0)
                        r = writes_add(&ws, p->id, p->cgroup_file, "%s", s);
                break;
        }
        case PROP_MEMORY_MIN:
        case PROP_MEMORY_LOW:
        case PROP_MEMORY_HIGH:
        case PROP_MEMORY_MAX:
        case PROP_MEMORY_SWAP_MAX: {
                uint64_t x = reset ? p->dbus_reset : v->u;
                if (x == UINT64_MAX)
                        r = writes_add(&ws, p->id, p->cgroup_file, "max");
                else
                        r = writes_add(&ws, p->id, p->cgroup_file, "%" PRIu64, x);
                break;
        }
        case PROP_IO_WEIGHT:
                r = writes_add(&ws, p->id, p->cgroup_file, "default %" PRIu64, reset ? CGROUP_WEIGHT_DEFAULT : v->u);
                break;
        case PROP_IO_DEVICE_WEIGHT:
        case PROP_IO_READ_BANDWIDTH_MAX:
        case PROP_IO_WRITE_BANDWIDTH_MAX:
        case PROP_IO_READ_IOPS_MAX:
        case PROP_IO_WRITE_IOPS_MAX:
        case PROP_IO_DEVICE_LATENCY_TARGET:
                r = device_writes(&ws, p, v, old, resolve, userdata, ret_error);
                break;
        case PROP_TASKS_MAX:
                if (reset || v->u == UINT64_MAX)
                        r = writes_add(&ws, p->id, p->cgroup_file, "max");
                else
                        r = writes_add(&ws, p->id, p->cgroup_file, "%" PRIu64, v->u);
                break;
        case PROP_OOM_SCORE_ADJUST:
                break; /* /proc/PID/oom_score_adj, written by the daemon itself */
        default:
                r = -EINVAL;
        }
        if (r < 0) {
                cgroup_writes_free(ws.w, ws.n);
                if (r == -ENOMEM && ret_error && !*ret_error)
                        (void) set_error(ret_error, r, "Out of memory computing writes for %s=", p->name);
                return r;
        }
        *ret = ws.w;
        *ret_n = ws.n;
        return 0;
}

/* ---- read back ---- */

/* The next whitespace-separated token of a line, as a NUL-terminated string
 * in a caller buffer; -EINVAL when too long. Returns 0 at end of line. */
static int next_token(const char **p, char *buf, size_t size) {
        size_t n;

        while (**p == ' ' || **p == '\t')
                (*p)++;
        n = strcspn(*p, " \t\n");
        if (n == 0)
                return 0;
        if (n >= size)
                return -EINVAL;
        memcpy(buf, *p, n);
        buf[n] = 0;
        *p += n;
        return 1;
}

/* "max" → UINT64_MAX, or a plain number. */
static int parse_max_u64(const char *s, uint64_t *ret) {
        if (streq(s, "max")) {
                *ret = UINT64_MAX;
                return 0;
        }
        return parse_u64(s, false, ret);
}

static int parse_device_lines(const Property *p, const char *content, PropValue *v) {
        _cleanup_free_ char *copy = strdup(content);
        char *save = NULL;
        int r;

        if (!copy)
                return -ENOMEM;
        for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                const char *q = line;
                char dev[32], tok[64];
                unsigned maj, min;
                uint64_t x = UINT64_MAX;
                bool found = false;

                r = next_token(&q, dev, sizeof dev);
                if (r < 0)
                        return r;
                if (r == 0)
                        continue; /* blank line */
                if (p->id == PROP_IO_DEVICE_WEIGHT && streq(dev, "default")) {
                        if (next_token(&q, tok, sizeof tok) <= 0 || parse_u64(tok, false, &x) < 0)
                                return -EINVAL;
                        if (next_token(&q, tok, sizeof tok) != 0)
                                return -EINVAL;
                        continue;
                }
                r = parse_devnum(dev, &maj, &min);
                if (r < 0)
                        return -EINVAL;

                while ((r = next_token(&q, tok, sizeof tok)) > 0) {
                        if (p->id == PROP_IO_DEVICE_WEIGHT) {
                                if (found)
                                        return -EINVAL;
                                r = parse_u64(tok, false, &x);
                                if (r < 0 || x < 1 || x > 10000)
                                        return -EINVAL;
                                found = true;
                                continue;
                        }
                        char *eq = strchr(tok, '=');
                        if (!eq || eq == tok)
                                return -EINVAL;
                        *eq = 0;
                        const char *key = tok, *val = eq + 1;
                        const char *want = p->id == PROP_IO_DEVICE_LATENCY_TARGET ? "target" : extra[p->id].io_key;
                        uint64_t y;
                        r = parse_max_u64(val, &y);
                        if (r < 0 && streq(key, want))
                                return -EINVAL;
                        if (!streq(key, want))
                                continue; /* another property's key, or one a newer kernel added */
                        if (found)
                                return -EINVAL; /* duplicate key */
                        found = true;
                        x = y;
                }
                if (r < 0)
                        return r;
                if (p->id == PROP_IO_DEVICE_WEIGHT && !found)
                        return -EINVAL;
                if (!found || x == UINT64_MAX)
                        continue; /* no limit of ours on this device */
                if (p->id != PROP_IO_DEVICE_WEIGHT && x == 0)
                        continue;

                char *d;
                if (asprintf(&d, "%u:%u", maj, min) < 0)
                        return -ENOMEM;
                r = devs_put(v, d, x);
                if (r < 0)
                        return r;
                if (v->n_devs > DEVICE_ENTRIES_MAX * 16)
                        return -EINVAL;
        }
        return 0;
}

int property_parse_cgroup(const Property *p, const char *content, PropValue *ret) {
        _cleanup_(prop_value_done) PropValue v = {};
        _cleanup_free_ char *t = NULL;
        int r = 0;

        if (!p || !content || !ret)
                return -EINVAL;
        if (strlen(content) > VALUE_TEXT_MAX * 4)
                return -EINVAL;
        /* Surrounding whitespace (the kernel ends every file with "\n") is not content. */
        const char *b = content + strspn(content, " \t\n\r");
        t = strdup(b);
        if (!t)
                return -ENOMEM;
        for (size_t n = strlen(t); n > 0 && strchr(" \t\n\r", t[n - 1]); n--)
                t[n - 1] = 0;

        switch (p->id) {
        case PROP_CPU_WEIGHT:
                /* An idle group (cpu.idle=1) reads back as weight 0. */
                r = parse_u64(t, false, &v.u);
                if (r >= 0 && v.u > 10000)
                        r = -EINVAL;
                break;
        case PROP_CPU_QUOTA:
        case PROP_CPU_QUOTA_PERIOD: {
                const char *q = t;
                char a[32], c[32];
                uint64_t quota, period;
                if (next_token(&q, a, sizeof a) <= 0 || next_token(&q, c, sizeof c) <= 0 || *q)
                        return -EINVAL;
                if (parse_max_u64(a, &quota) < 0 || parse_u64(c, false, &period) < 0 || period == 0)
                        return -EINVAL;
                if (p->id == PROP_CPU_QUOTA_PERIOD && quota == UINT64_MAX)
                        v.reset = true; /* no quota: cpu.max holds the default period whatever is wanted */
                else if (p->id == PROP_CPU_QUOTA_PERIOD)
                        v.u = period;
                else if (quota == UINT64_MAX)
                        v.u = UINT64_MAX;
                else {
                        unsigned __int128 x = (unsigned __int128) quota * USEC_PER_SEC / period;
                        if (x >= UINT64_MAX || x == 0)
                                return -EINVAL;
                        v.u = (uint64_t) x;
                }
                break;
        }
        case PROP_ALLOWED_CPUS:
        case PROP_ALLOWED_MEMORY_NODES:
                r = parse_cpuset(t, &v.mask, &v.mask_size);
                if (r >= 0 && v.mask_size == 0)
                        v.reset = true;
                break;
        case PROP_MEMORY_MIN:
        case PROP_MEMORY_LOW:
        case PROP_MEMORY_HIGH:
        case PROP_MEMORY_MAX:
        case PROP_MEMORY_SWAP_MAX:
        case PROP_TASKS_MAX:
                r = parse_max_u64(t, &v.u);
                if (r >= 0 && p->id == PROP_TASKS_MAX && v.u == 0)
                        r = -EINVAL;
                break;
        case PROP_IO_WEIGHT: {
                /* "default N" first, then "MAJ:MIN N" overrides (another property's). */
                const char *q = t;
                char a[32], c[32];
                if (next_token(&q, a, sizeof a) <= 0 || !streq(a, "default") || next_token(&q, c, sizeof c) <= 0)
                        return -EINVAL;
                if (*q && *q != '\n')
                        return -EINVAL;
                r = parse_u64(c, false, &v.u);
                if (r >= 0 && (v.u < 1 || v.u > 10000))
                        r = -EINVAL;
                if (r >= 0) {
                        /* the rest must still be well-formed */
                        _cleanup_(prop_value_done) PropValue tmp = {};
                        r = parse_device_lines(property_get(PROP_IO_DEVICE_WEIGHT), t, &tmp);
                }
                break;
        }
        case PROP_IO_DEVICE_WEIGHT:
        case PROP_IO_READ_BANDWIDTH_MAX:
        case PROP_IO_WRITE_BANDWIDTH_MAX:
        case PROP_IO_READ_IOPS_MAX:
        case PROP_IO_WRITE_IOPS_MAX:
        case PROP_IO_DEVICE_LATENCY_TARGET:
                r = parse_device_lines(p, t, &v);
                if (r >= 0 && v.n_devs == 0)
                        v.reset = true;
                break;
        case PROP_OOM_SCORE_ADJUST:
                return -EOPNOTSUPP; /* not a cgroup attribute */
        default:
                return -EINVAL;
        }
        if (r < 0)
                return r == -ENOMEM ? r : -EINVAL;

        *ret = v;
        v = (PropValue) {};
        return 0;
}

/* ---- read back vs desired ---- */

static uint64_t default_u(const Property *p) {
        switch (p->id) {
        case PROP_CPU_WEIGHT:
        case PROP_IO_WEIGHT:
                return CGROUP_WEIGHT_DEFAULT;
        case PROP_CPU_QUOTA_PERIOD:
                return CPU_QUOTA_DEFAULT_PERIOD_USEC;
        default:
                return p->dbus_reset; /* memory, TasksMax, CPUQuota: what a reset writes */
        }
}

/* Whether a device entry asks for no setting at all: no limit, or a latency
 * target of 0, which the kernel takes as "none". Such entries read back absent. */
static bool device_value_is_none(const Property *p, uint64_t x) {
        return x == UINT64_MAX || (p->type == VT_DEVICE_DURATION && x == 0);
}

static bool devices_satisfied(const Property *p, const PropValue *desired, const PropValue *applied,
                              DeviceResolver resolve, void *userdata) {
        size_t n_des = value_is_reset(p, desired) ? 0 : desired->n_devs;
        size_t n_app = value_is_reset(p, applied) ? 0 : applied->n_devs;
        _cleanup_free_ unsigned *num = calloc(n_des * 2 + 1, sizeof(unsigned));
        _cleanup_free_ uint64_t *val = calloc(n_des + 1, sizeof(uint64_t));
        size_t n = 0;

        if (!num || !val)
                return false;

        /* What the writes leave behind: one value per disk, the last one written wins
         * (two names may lead to the same disk). */
        for (size_t i = 0; i < n_des; i++) {
                unsigned maj, min;
                size_t k;

                if (devnum_of(desired->devs[i].device, resolve, userdata, &maj, &min) < 0)
                        return false;
                for (k = 0; k < n; k++)
                        if (num[2 * k] == maj && num[2 * k + 1] == min)
                                break;
                if (k == n) {
                        num[2 * k] = maj;
                        num[2 * k + 1] = min;
                        n++;
                }
                val[k] = desired->devs[i].value;
        }

        /* Every applied entry was asked for, with this value... */
        for (size_t j = 0; j < n_app; j++) {
                unsigned a, b;
                size_t k;

                if (parse_devnum(applied->devs[j].device, &a, &b) < 0)
                        return false;
                for (k = 0; k < n; k++)
                        if (num[2 * k] == a && num[2 * k + 1] == b)
                                break;
                if (k == n || device_value_is_none(p, val[k]) || val[k] != applied->devs[j].value)
                        return false;
        }
        /* ...and every wanted setting is there. */
        for (size_t k = 0; k < n; k++) {
                bool present = false;

                if (device_value_is_none(p, val[k]))
                        continue;
                for (size_t j = 0; j < n_app && !present; j++) {
                        unsigned a, b;
                        present = parse_devnum(applied->devs[j].device, &a, &b) >= 0 && a == num[2 * k] &&
                                  b == num[2 * k + 1];
                }
                if (!present)
                        return false;
        }
        return true;
}

int property_parse_cgroup_cpu_weight(const char *weight_content, const char *idle_content, PropValue *ret) {
        const Property *p = property_get(PROP_CPU_WEIGHT);
        bool idle = false;

        if (!ret)
                return -EINVAL;
        if (idle_content) {
                const char *b = idle_content + strspn(idle_content, " \t\n\r");
                size_t n = strcspn(b, " \t\n\r");

                /* the kernel prints 0 or 1 */
                if (n != 1 || (b[0] != '0' && b[0] != '1') || b[n + strspn(b + n, " \t\n\r")] != 0)
                        return -EINVAL;
                idle = b[0] == '1';
        }
        if (idle) {
                *ret = (PropValue){.u = 0};
                return 0;
        }
        if (!weight_content)
                return -EINVAL;
        return property_parse_cgroup(p, weight_content, ret);
}

bool property_cgroup_satisfies(const Property *p, const PropValue *desired, const PropValue *applied,
                               DeviceResolver resolve, void *userdata) {
        if (!p || !desired || !applied)
                return false;

        if (is_device_type(p->type))
                return devices_satisfied(p, desired, applied, resolve, userdata);
        if (p->type == VT_CPUSET)
                return value_is_reset(p, desired) ? value_is_reset(p, applied) : masks_equal(desired, applied);
        if (p->type == VT_OOM)
                return (desired->reset ? 0 : desired->i) == (applied->reset ? 0 : applied->i);

        uint64_t want = desired->reset ? default_u(p) : desired->u;
        uint64_t have = applied->reset ? default_u(p) : applied->u;

        switch (p->id) {
        case PROP_CPU_QUOTA_PERIOD:
                /* Without a quota any period leaves "max 100000" (systemd's choice
                 * too); with one the period written is clamped to 1ms..1s, and raised
                 * (up to 1s) when the quota per period would be under 1ms. */
                if (applied->reset)
                        return true;
                if (want == UINT64_MAX)
                        want = CPU_QUOTA_DEFAULT_PERIOD_USEC;
                want = want < USEC_PER_MSEC ? USEC_PER_MSEC : want > USEC_PER_SEC ? USEC_PER_SEC : want;
                return have >= want && have <= USEC_PER_SEC;
        case PROP_CPU_WEIGHT:
                /* The kernel keeps weights as scheduler shares; allow its rounding. */
                if (want == 0 || have == 0)
                        return want == have;
                return want == have || want + 1 == have || have + 1 == want;
        case PROP_CPU_QUOTA:
                if (want == UINT64_MAX || have == UINT64_MAX)
                        return want == have;
                /* cpu.max holds quota per period; converting back loses up to
                 * 1s/period (≤ 1000 µs/s for periods ≥ 1ms) plus one. */
                return (want > have ? want - have : have - want) <= USEC_PER_MSEC + 1;
        case PROP_MEMORY_MIN:
        case PROP_MEMORY_LOW:
        case PROP_MEMORY_HIGH:
        case PROP_MEMORY_MAX:
        case PROP_MEMORY_SWAP_MAX:
                /* The kernel keeps memory limits in pages and reads back rounded down. */
                return want == have || (want != UINT64_MAX && want / PAGE_SIZE_BYTES * PAGE_SIZE_BYTES == have);
        default:
                return want == have;
        }
}
