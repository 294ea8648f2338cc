/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Input: first byte selects the property, the rest is the text. Checks that
 * nothing crashes and that the table's promises hold: canonical text parses back
 * to an equal value, cgroup writes read back as satisfied, read-back values
 * format to text. */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "property.h"
#include "value.h"

static const ParseContext ctx = { .ram_bytes = 8ULL << 30, .tasks_limit = 4194304 };

#define CHECK(x)                                                                                            \
        do {                                                                                                \
                if (!(x)) {                                                                                 \
                        fprintf(stderr, "fuzz-value: check failed: %s\n", #x);                              \
                        abort();                                                                            \
                }                                                                                           \
        } while (0)

/* Every path is the first SCSI disk; some fail, as real lookups do. */
static int fake_resolve(const char *device, unsigned *ret_major, unsigned *ret_minor, void *userdata) {
        if (strstr(device, "nope"))
                return -ENOENT;
        *ret_major = 8;
        *ret_minor = (unsigned) (strlen(device) % 4) * 16;
        return 0;
}

static bool is_device_prop(const Property *p) {
        return p->type == VT_DEVICE_WEIGHT || p->type == VT_DEVICE_BYTES || p->type == VT_DEVICE_IOPS ||
               p->type == VT_DEVICE_DURATION;
}

static void check_text(const Property *p, const char *text) {
        PropValue v, back, copy;
        char *err = NULL, *s = NULL, *s2 = NULL;

        if (prop_value_parse(p, text, &ctx, &v, &err) < 0) {
                CHECK(err); /* every refusal explains itself */
                CHECK(strstr(err, p->name));
                free(err);
                return;
        }
        CHECK(!err);

        CHECK(prop_value_format(p, &v, &s) >= 0);
        CHECK(prop_value_parse(p, s, &ctx, &back, &err) >= 0);
        CHECK(prop_value_equal(p, &v, &back));
        CHECK(prop_value_format(p, &back, &s2) >= 0);
        CHECK(strcmp(s, s2) == 0);
        CHECK(prop_value_copy(&copy, &v) >= 0);
        CHECK(prop_value_equal(p, &copy, &v));

        CgroupWrite *w = NULL;
        size_t n = 0;
        if (property_cgroup_writes(p, &v, &back, 100000, UINT64_MAX, fake_resolve, NULL, &w, &n, &err) >= 0) {
                for (size_t i = 0; i < n; i++)
                        CHECK(w[i].content && w[i].file);
                /* A kernel that keeps what it is told must satisfy the wish. */
                if (n > 0 && !is_device_prop(p) && p->cgroup_file && streq(w[n - 1].file, p->cgroup_file) &&
                    p->id != PROP_CPU_QUOTA_PERIOD) {
                        PropValue applied;
                        CHECK(property_parse_cgroup(p, w[n - 1].content, &applied) >= 0);
                        CHECK(property_cgroup_satisfies(p, &v, &applied, fake_resolve, NULL));
                        prop_value_done(&applied);
                }
                cgroup_writes_free(w, n);
        } else {
                CHECK(err);
                free(err);
        }

        free(s);
        free(s2);
        prop_value_done(&v);
        prop_value_done(&back);
        prop_value_done(&copy);
}

static void check_cgroup(const Property *p, const char *text) {
        PropValue v, back;
        char *s = NULL, *err = NULL;

        if (property_parse_cgroup(p, text, &v) < 0)
                return;
        CHECK(prop_value_format(p, &v, &s) >= 0);
        /* Read-back values may lie outside what a policy may ask for (a period of
         * 5µs, memory.high 0); when the text is accepted it must be the same value. */
        if (prop_value_parse(p, s, &ctx, &back, &err) >= 0) {
                CHECK(prop_value_equal(p, &v, &back));
                prop_value_done(&back);
        } else
                free(err);
        (void) property_cgroup_satisfies(p, &v, &v, fake_resolve, NULL);
        free(s);
        prop_value_done(&v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size < 1 || size > 16384)
                return 0;
        const Property *p = property_get((PropertyId) (data[0] % _PROP_MAX));
        char *text = malloc(size);
        if (!text)
                return 0;
        memcpy(text, data + 1, size - 1);
        text[size - 1] = 0;

        /* The C API sees the text up to its first NUL; the helper tells the
         * length-carrying callers to refuse such input. */
        CHECK(string_has_nul(text, size - 1) == (memchr(data + 1, 0, size - 1) != NULL));

        check_text(p, text);
        check_cgroup(p, text);

        /* The plain parsers on the same text. */
        uint64_t u;
        int32_t i;
        uint8_t *mask;
        size_t msize;
        char *a, *b;
        if (parse_size(text, ctx.ram_bytes, &u) >= 0) {
                CHECK(format_size(u, &a) >= 0);
                uint64_t u2;
                CHECK(parse_size(a, 0, &u2) >= 0 && u2 == u);
                free(a);
        }
        if (parse_duration(text, &u) >= 0) {
                CHECK(format_duration(u, &a) >= 0);
                uint64_t u2;
                CHECK(parse_duration(a, &u2) >= 0 && u2 == u);
                free(a);
        }
        if (parse_cpuset(text, &mask, &msize) >= 0) {
                CHECK(format_cpuset(mask, msize, &a) >= 0);
                free(a);
                free(mask);
        }
        if (parse_device_pair(text, &a, &b) >= 0) {
                free(a);
                free(b);
        }
        (void) parse_oom_score_adjust(text, &i);
        (void) parse_permyriad(text, true, &u);
        free(text);
        return 0;
}
