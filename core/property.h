/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The property table: one row per supported resource-control property. JSON
 * policies, the CLI, D-Bus and both backends all go through it. Pure: no I/O. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum PropertyId {
        PROP_CPU_WEIGHT,
        PROP_CPU_QUOTA,
        PROP_CPU_QUOTA_PERIOD,
        PROP_ALLOWED_CPUS,
        PROP_ALLOWED_MEMORY_NODES,
        PROP_MEMORY_MIN,
        PROP_MEMORY_LOW,
        PROP_MEMORY_HIGH,
        PROP_MEMORY_MAX,
        PROP_MEMORY_SWAP_MAX,
        PROP_IO_WEIGHT,
        PROP_IO_DEVICE_WEIGHT,
        PROP_IO_READ_BANDWIDTH_MAX,
        PROP_IO_WRITE_BANDWIDTH_MAX,
        PROP_IO_READ_IOPS_MAX,
        PROP_IO_WRITE_IOPS_MAX,
        PROP_IO_DEVICE_LATENCY_TARGET,
        PROP_TASKS_MAX,
        PROP_OOM_SCORE_ADJUST,
        _PROP_MAX,
        _PROP_INVALID = -1,
} PropertyId;

/* How the text is parsed and what the value holds. */
typedef enum ValueType {
        VT_WEIGHT,          /* u: 1..10000 (CPUWeight also "idle" = 0) */
        VT_QUOTA,           /* u: CPUQuota "N%" → µs of CPU time per second (systemd's CPUQuotaPerSecUSec) */
        VT_DURATION,        /* u: µs */
        VT_CPUSET,          /* mask/mask_size */
        VT_SIZE,            /* u: bytes, UINT64_MAX = infinity; "N%" of RAM */
        VT_DEVICE_WEIGHT,   /* devs: value 1..10000 */
        VT_DEVICE_BYTES,    /* devs: bytes per second (sizes, "infinity") */
        VT_DEVICE_IOPS,     /* devs: operations per second */
        VT_DEVICE_DURATION, /* devs: µs */
        VT_TASKS,           /* u: count, UINT64_MAX = infinity; "N%" of tasks_limit */
        VT_OOM,             /* i: -1000..1000 */
} ValueType;

typedef enum Controller {
        CTRL_NONE, /* not a cgroup attribute (OOMScoreAdjust: /proc/PID/oom_score_adj) */
        CTRL_CPU,
        CTRL_CPUSET,
        CTRL_IO,
        CTRL_MEMORY,
        CTRL_PIDS,
        _CTRL_MAX,
} Controller;

typedef struct Property {
        PropertyId id;
        const char *name;        /* unit-file / policy / CLI name, e.g. "CPUQuota" */
        const char *dbus_name;   /* systemd 252 D-Bus name, e.g. "CPUQuotaPerSecUSec" */
        const char *signature;   /* D-Bus signature exactly as systemd 252: "t", "ay", "a(st)", "i" */
        ValueType type;
        Controller controller;
        const char *cgroup_file; /* e.g. "cpu.max"; NULL for OOMScoreAdjust */
        const char *default_text;/* value after reset, in policy syntax: "100", "infinity", "" */
        uint64_t dbus_reset;     /* for 't' properties: what SetUnitProperties takes to reset */
        bool runtime_settable;   /* systemd accepts it in SetUnitProperties at run time */
        const char *summary;     /* one line for --help and man pages */
} Property;

typedef struct DeviceValue {
        char *device; /* "/dev/sda" or "8:0" as given */
        uint64_t value;
} DeviceValue;

/* One property's value. Which fields are used depends on Property.type. */
typedef struct PropValue {
        bool reset;            /* empty assignment: back to the default */
        int32_t i;             /* VT_OOM (beside reset: 48 bytes, not 56, ×38 per unit) */
        uint64_t u;            /* VT_WEIGHT, VT_QUOTA, VT_DURATION, VT_SIZE, VT_TASKS */
        uint8_t *mask;         /* VT_CPUSET: systemd's `ay` bitmask */
        size_t mask_size;
        DeviceValue *devs;     /* VT_DEVICE_*; a later entry for the same device replaces an earlier one */
        size_t n_devs;
} PropValue;

/* Context for relative values ("50%" of RAM, TasksMax percent). */
typedef struct ParseContext {
        uint64_t ram_bytes;   /* physical memory, for "N%" sizes */
        uint64_t tasks_limit; /* kernel's pid limit, for TasksMax "N%" */
        bool own_text;        /* text prop_value_format() wrote (state files): also takes the forms only
                               * it produces, e.g. CPUQuota with 4 decimals for a value set over D-Bus */
} ParseContext;

const char *controller_to_string(Controller c);
Controller controller_from_string(const char *s);

const Property *property_get(PropertyId id);
/* The one range check of a numeric value (VT_WEIGHT, VT_QUOTA, VT_DURATION, VT_SIZE,
 * VT_TASKS), whether it came as text, JSON or D-Bus: what systemd 252 accepts. */
bool property_u64_in_range(const Property *p, uint64_t u);
/* The same for one device entry's value (VT_DEVICE_*) and for VT_OOM. */
bool property_device_value_in_range(const Property *p, uint64_t u);
bool property_i32_in_range(const Property *p, int32_t i);

/* systemd's assignment rule: a value replaces the previous one, except for
 * device lists, where each entry adds or updates one device's entry and only
 * an empty (reset) value clears the list. Merges v into *acc (has_acc: whether
 * *acc holds a value yet), taking v's contents; *acc is left unchanged on error. */
int prop_value_assign(const Property *p, PropValue *acc, bool has_acc, PropValue *v);
/* Accepts the unit-file name ("CPUQuota") or systemd's D-Bus name ("CPUQuotaPerSecUSec"). */
const Property *property_by_name(const char *name);
const Property *property_by_dbus_name(const char *name);

void prop_value_done(PropValue *v);
int prop_value_copy(PropValue *dst, const PropValue *src);
bool prop_value_equal(const Property *p, const PropValue *a, const PropValue *b);

/* Parses text in policy/CLI syntax. "" = reset. On failure returns a negative
 * errno and, when ret_error is non-NULL, a malloc'ed message naming the property
 * and the bad text, e.g. `Invalid MemoryHigh= value "12X": trailing characters`. */
int prop_value_parse(const Property *p, const char *text, const ParseContext *ctx, PropValue *ret,
                     char **ret_error);

/* Canonical text in the same syntax ("1G", "800", "0-3", "/dev/sda 10M", "idle", "" for reset). */
int prop_value_format(const Property *p, const PropValue *v, char **ret);

/* One write to a cgroup attribute file. */
typedef struct CgroupWrite {
        PropertyId prop;
        const char *file; /* static: the table's file name, e.g. "io.max" */
        char *content;    /* what to write, e.g. "8:0 rbps=1048576" */
} CgroupWrite;

/* Maps a device path to MAJ:MIN (block devices; a partition maps to its disk).
 * Returns 0, or negative errno (-ENOENT, -ENOTBLK). MAJ:MIN given literally
 * is parsed without calling it. */
typedef int (*DeviceResolver)(const char *device, unsigned *ret_major, unsigned *ret_minor, void *userdata);

/* The writes that make the cgroup hold value v for property p. `old` (may be
 * NULL) is the previously applied value: device entries present in old but not
 * in v are reset (e.g. "8:0 rbps=max"). `quota_period_usec` is needed for cpu.max
 * (CPUQuota and CPUQuotaPeriodSec both land there: "quota period" or "max period").
 * Returns the array (caller frees with cgroup_writes_free). */
int property_cgroup_writes(const Property *p, const PropValue *v, const PropValue *old,
                           uint64_t quota_period_usec, uint64_t quota_per_sec_usec, DeviceResolver resolve,
                           void *userdata, CgroupWrite **ret, size_t *ret_n, char **ret_error);
void cgroup_writes_free(CgroupWrite *w, size_t n);

/* Parses a cgroup attribute file's contents back into a value (read back).
 * Device entries come back with device = "MAJ:MIN". For cpu.max the quota is
 * converted to µs per second. Rejects malformed contents with -EINVAL. */
int property_parse_cgroup(const Property *p, const char *content, PropValue *ret);

/* CPUWeight read back from both files it lives in: cpu.idle reading 1 makes
 * the group idle (weight 0, "idle") whatever cpu.weight still holds; otherwise
 * it is cpu.weight. idle_content NULL means cpu.idle is absent (kernels before
 * 5.15): not idle; weight_content may be NULL only when cpu.idle reads 1.
 * Malformed contents of either file give -EINVAL. */
int property_parse_cgroup_cpu_weight(const char *weight_content, const char *idle_content, PropValue *ret);

/* Whether an applied (read back) value satisfies the desired one, resolving
 * desired devices through `resolve`. */
bool property_cgroup_satisfies(const Property *p, const PropValue *desired, const PropValue *applied,
                               DeviceResolver resolve, void *userdata);
