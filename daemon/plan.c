/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "plan.h"

size_t plan_property_files(PropertyId id, const char *ret[PLAN_MAX_FILES]) {
        const Property *p = property_get(id);
        size_t n = 0;

        if (!p || !p->cgroup_file)
                return 0;
        ret[n++] = p->cgroup_file;
        /* systemd expresses CPUWeight=idle through cpu.idle, not cpu.weight. */
        if (id == PROP_CPU_WEIGHT)
                ret[n++] = "cpu.idle";
        return n;
}

bool plan_is_oom_key(const char *key, int *ret_pid) {
        const char *s;
        char *end;
        long pid;

        if (strncmp(key, PLAN_OOM_PREFIX, strlen(PLAN_OOM_PREFIX)) != 0)
                return false;
        s = key + strlen(PLAN_OOM_PREFIX);
        if (*s < '1' || *s > '9')
                return false;
        errno = 0;
        pid = strtol(s, &end, 10);
        if (errno != 0 || *end != 0 || pid <= 0 || pid > 0x3fffffff)
                return false;
        if (ret_pid)
                *ret_pid = (int)pid;
        return true;
}

int plan_proc_stat_starttime(const char *stat, uint64_t *ret) {
        const char *s = stat ? strrchr(stat, ')') : NULL;
        unsigned long long v;
        char *end;

        if (!s)
                return -EINVAL;
        s++;
        /* after comm: field 3 (state) ... field 22 (starttime) */
        for (int field = 2; field < 22; field++) {
                s += strspn(s, " ");
                if (!*s)
                        return -EINVAL;
                if (field < 21)
                        s += strcspn(s, " ");
        }
        if (*s < '0' || *s > '9')
                return -EINVAL;
        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno != 0 || (*end != ' ' && *end != '\n' && *end != 0))
                return -EINVAL;
        *ret = v;
        return 0;
}

static int parse_adj(const char *s, char **end, int *ret) {
        long v;

        errno = 0;
        v = strtol(s, end, 10);
        if (errno != 0 || *end == s || v < -1000 || v > 1000)
                return -EINVAL;
        *ret = (int)v;
        return 0;
}

char *plan_oom_original_format(const char *value, uint64_t starttime) {
        char *end, *s = NULL;
        int v;

        if (!value || parse_adj(value, &end, &v) < 0)
                return NULL;
        return asprintf(&s, "%d %" PRIu64 "\n", v, starttime) < 0 ? NULL : s;
}

int plan_oom_original_parse(const char *content, int *ret_value, uint64_t *ret_starttime) {
        unsigned long long st = 0;
        char *end;
        int v;

        if (!content || parse_adj(content, &end, &v) < 0)
                return -EINVAL;
        if (*end == ' ') {
                const char *s = end + 1;

                if (*s < '0' || *s > '9')
                        return -EINVAL;
                errno = 0;
                st = strtoull(s, &end, 10);
                if (errno != 0)
                        return -EINVAL;
        }
        if (*end == '\n')
                end++;
        if (*end != 0)
                return -EINVAL;
        *ret_value = v;
        *ret_starttime = st;
        return 0;
}

bool plan_procs_contains(const char *procs, int pid) {
        for (const char *line = procs; line && *line;) {
                char *end;
                long v;

                errno = 0;
                v = strtol(line, &end, 10);
                if (errno == 0 && end != line && (*end == '\n' || *end == 0) && v == pid)
                        return true;
                line = strchr(line, '\n');
                if (line)
                        line++;
        }
        return false;
}

bool plan_file_claimed(const char *file, const bool managed[_PROP_MAX]) {
        if (plan_is_oom_key(file, NULL))
                return managed[PROP_OOM_SCORE_ADJUST];

        for (PropertyId id = 0; id < _PROP_MAX; id++) {
                const char *files[PLAN_MAX_FILES];
                size_t n;

                if (!managed[id])
                        continue;
                n = plan_property_files(id, files);
                for (size_t i = 0; i < n; i++)
                        if (streq(files[i], file))
                                return true;
        }
        return false;
}

void plan_cpu_max(const Resolved *r, uint64_t *ret_period_usec, uint64_t *ret_quota_per_sec_usec) {
        const ResolvedProp *q = &r->props[PROP_CPU_QUOTA], *per = &r->props[PROP_CPU_QUOTA_PERIOD];

        *ret_period_usec =
                per->layer != LAYER_NONE && !per->value.reset ? per->value.u : 100 * USEC_PER_MSEC;
        *ret_quota_per_sec_usec = q->layer != LAYER_NONE && !q->value.reset ? q->value.u : USEC_INFINITY;
}

bool plan_needs_write(const Property *p, const PropValue *desired, const PropValue *applied, bool satisfied,
                      const char *desired_text, const char *written_text) {
        if (!p || !desired || !applied || !satisfied)
                return true;
        /* We wrote before: what the cgroup holds is what that write left (maybe
         * rounded); write again only when something else is wanted now. */
        if (written_text)
                return !streq_ptr(written_text, desired_text);
        /* Nothing written by us yet: only the exact value is good enough. Device
         * entries read back as MAJ:MIN and cannot be compared by text; for them
         * satisfied is exact already. */
        switch (p->type) {
        case VT_DEVICE_WEIGHT:
        case VT_DEVICE_BYTES:
        case VT_DEVICE_IOPS:
        case VT_DEVICE_DURATION:
                return false;
        default:
                return !prop_value_equal(p, desired, applied);
        }
}

char *plan_reason(const Property *p, int write_error, const char *cause, bool file_present,
                  bool controller_available, const char *effective, const char *desired) {
        char *s = NULL;
        int r;

        /* the status says "not-applied" already: the reason is only the why */
        if (cause)
                r = asprintf(&s, "%s", cause);
        else if (p->controller != CTRL_NONE && !controller_available)
                r = asprintf(&s, "controller %s not enabled", controller_to_string(p->controller));
        else if (!file_present || write_error == -ENOENT)
                r = asprintf(&s, "%s absent", p->cgroup_file ?: "file");
        else if (write_error < 0)
                r = asprintf(&s, "writing %s failed: %s", p->cgroup_file ?: "value", strerror(-write_error));
        else
                r = asprintf(&s, "value clamped: reads \"%s\", wanted \"%s\"", strna(effective),
                             strna(desired));
        return r < 0 ? NULL : s;
}

static bool has_suffix(const char *s, const char *suffix) {
        size_t a = strlen(s), b = strlen(suffix);

        return a > b && streq(s + a - b, suffix);
}

/* systemd's unit name alphabet: anything else (non-UTF-8, control characters) is a
 * cgroup we cannot name as a unit, and would break every D-Bus reply it is in. */
#define UNIT_NAME_CHARS "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ:-_.\\@"

bool plan_unit_name_valid(const char *name) {
        if (!name || !*name || strlen(name) > 255 || name[strspn(name, UNIT_NAME_CHARS)] != 0)
                return false;
        if (name[0] == '.')
                return false;
        return has_suffix(name, ".service") || has_suffix(name, ".scope") || has_suffix(name, ".slice");
}

bool plan_unit_name_looks_like_unit(const char *name) {
        return name && (has_suffix(name, ".service") || has_suffix(name, ".scope") || has_suffix(name, ".slice"));
}

int plan_slice_path(const char *slice, char **ret) {
        _cleanup_free_ char *path = NULL;
        size_t len, plen = 0;
        const char *base;

        if (!slice || !plan_unit_name_valid(slice) || !has_suffix(slice, ".slice"))
                return -EINVAL;
        if (streq(slice, "-.slice")) {
                path = strdup("/");
                if (!path)
                        return -ENOMEM;
                *ret = TAKE_PTR(path);
                return 0;
        }
        len = strlen(slice) - strlen(".slice");
        base = slice;
        if (base[0] == '-' || base[len - 1] == '-' || memmem(base, len, "--", 2))
                return -EINVAL;

        /* every '-' starts a parent: "a-b-c" → /a.slice/a-b.slice/a-b-c.slice */
        path = malloc(len * (len + 8) + 16);
        if (!path)
                return -ENOMEM;
        for (size_t i = 0; i <= len; i++) {
                if (i < len && base[i] != '-')
                        continue;
                plen += (size_t)sprintf(path + plen, "/%.*s.slice", (int)i, base);
        }
        *ret = TAKE_PTR(path);
        return 0;
}
