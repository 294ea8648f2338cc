/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Policy loading: every error class with its exact file:line:column, the good
 * format in full, drop-in directory precedence, merging and unit matching. */

#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy.h"
#include "tests.h"
#include "value.h"

static const ParseContext ctx = {.ram_bytes = 8ULL << 30, .tasks_limit = 4194304};

static PolicySet *const SENTINEL = (PolicySet *)0x1;

/* Parses `file`, expects rejection and that the first diagnostic is exactly at
 * file:line:column and mentions `needle`. */
static void expect_bad_file(const char *file, unsigned line, unsigned column, const char *needle) {
        Diags d = {};
        PolicySet *set = SENTINEL;
        char prefix[512];

        int r = policy_set_parse_file(file, &ctx, &set, &d);
        if (r >= 0 || d.n == 0)
                fprintf(stderr, "%s: unexpectedly accepted (r=%d, %zu diags)\n", file, r, d.n);
        ASSERT_TRUE(r < 0);
        ASSERT_TRUE(set == SENTINEL); /* untouched on failure */
        ASSERT_TRUE(d.n >= 1);

        _cleanup_free_ char *s = diag_format(&d.items[0]);
        snprintf(prefix, sizeof(prefix), "%s:%u:%u: ", file, line, column);
        if (!s || strncmp(s, prefix, strlen(prefix)) != 0)
                fprintf(stderr, "got \"%s\", expected prefix \"%s\"\n", strna(s), prefix);
        ASSERT_TRUE(s && strncmp(s, prefix, strlen(prefix)) == 0);
        ASSERT_CONTAINS(s, needle);
        diags_done(&d);
}

static const struct {
        const char *file;
        unsigned line, column;
        const char *needle;
} bad_files[] = {
        /* syntax (jansson), pointed at the start of the offending token */
        {"syntax.json", 3, 19, "expected near '\"match\"'"},
        {"trailing-comma.json", 4, 3, "unexpected token near ']'"},
        {"duplicate-key.json", 2, 2, "duplicate object key"},
        {"invalid-utf8.json", 1, 24, "unable to decode byte 0xe9"},
        {"scalar-top.json", 1, 1, "'[' or '{' expected"},
        {"empty.json", 1, 1, "file is empty"},
        {"whitespace.json", 1, 1, "file is empty"},
        /* shape */
        {"array-top.json", 1, 1, "the top level must be an object with \"policies\", not an array"},
        {"empty-object.json", 1, 1, "neither \"policies\" nor \"pressure\""},
        {"unknown-top-key.json", 3, 3, "unknown top-level key \"polices\" (did you mean \"policies\"?)"},
        {"unknown-policy-key.json", 6, 7, "unknown policy key \"prioirty\" (did you mean \"priority\"?)"},
        /* wrong types, one per field */
        {"type-name.json", 2, 10, "\"name\" must be a string, not an integer"},
        {"type-priority.json", 2, 14, "\"priority\" must be an integer"},
        {"type-priority-real.json", 2, 14, "\"priority\" must be an integer"},
        {"type-class.json", 2, 11, "\"class\" must be a string, not an integer"},
        {"type-match.json", 2, 11, "\"match\" must be an object, not a string"},
        {"type-match-unit.json", 2, 20, "\"unit\" must be a string or an array of strings, not an integer"},
        {"type-match-unit-element.json", 2, 26, "\"unit\" entries must be strings, not an integer"},
        {"type-properties.json", 2, 16, "\"properties\" must be an object, not an array"},
        {"type-property-bool.json", 2, 30, "\"CPUWeight\" must be an integer or a string, not a boolean"},
        {"type-property-real.json", 2, 30,
         "\"CPUWeight\" must be an integer or a string, not a real number"},
        {"type-property-device.json", 2, 39,
         "\"IOReadBandwidthMax\" must be a string or an array of strings, not an integer"},
        {"type-policy-pressure.json", 2, 14, "\"pressure\" must be an object, not an array"},
        {"type-floor.json", 2, 24, "\"floor\" must be an object, not a string"},
        {"type-policies.json", 2, 14, "\"policies\" must be an array, not an object"},
        {"type-policy.json", 2, 2, "a policy must be an object, not a string"},
        {"type-pressure.json", 2, 14, "\"pressure\" must be an object, not a string"},
        {"type-pressure-memory.json", 2, 13, "\"memory\" must be an object, not an integer"},
        {"type-trigger.json", 2, 14, "\"trigger\" must be a string, not an integer"},
        /* properties */
        {"unknown-property.json", 2, 17, "unknown property \"MemoryHihg\" (did you mean \"MemoryHigh\"?)"},
        {"dbus-property-name.json", 2, 17,
         "\"CPUQuotaPerSecUSec\" is systemd's D-Bus name; policies use the unit-file name \"CPUQuota\""},
        {"bad-value.json", 2, 30, "\"CPUWeight\": "},
        {"bad-size.json", 2, 31, "12X"},
        {"bad-device-entry.json", 2, 55, "\"IOReadBandwidthMax\": "},
        {"bad-floor.json", 2, 25, "\"MemoryMax\" cannot be a pressure floor"},
        {"unknown-floor-key.json", 2, 15, "unknown key \"flor\" (did you mean \"floor\"?)"},
        /* names, classes, matches */
        {"duplicate-name.json", 3, 11,
         "duplicate policy name \"batch\" (first defined at policies/bad/duplicate-name.json:2:11)"},
        {"unknown-class.json", 2, 11,
         "unknown class \"sheddible\" (expected protected, sheddable or normal)"},
        {"bad-glob.json", 2, 20, "invalid pattern \"batch-[0-9.service\" in \"unit\": unbalanced '['"},
        {"empty-glob.json", 2, 20, "invalid pattern \"\" in \"unit\": empty pattern"},
        {"empty-glob-list.json", 2, 20, "\"unit\" must not be an empty list"},
        {"empty-match.json", 2, 11, "\"match\" must have at least one of unit, slice, user or exe"},
        {"unknown-match-key.json", 2, 12, "unknown match key \"units\" (did you mean \"unit\"?)"},
        {"bad-name.json", 2, 10, "invalid policy name \"my policy\""},
        {"missing-name.json", 2, 2, "policy has no \"name\""},
        {"missing-match.json", 2, 2, "policy \"p\" has no \"match\""},
        /* pressure section */
        {"unknown-pressure-resource.json", 2, 3,
         "unknown pressure resource \"memroy\" (did you mean \"memory\"?)"},
        {"unknown-pressure-key.json", 2, 31, "unknown pressure key \"stepp\" (did you mean \"step\"?)"},
        {"bad-trigger.json", 2, 14, "invalid trigger \"sometimes 1s\""},
        {"bad-trigger-window.json", 2, 14, "invalid trigger \"some 150ms 20s\""},
        {"bad-calm.json", 2, 11, "invalid calm condition \"some avg11<5\""},
        {"bad-step.json", 2, 11, "invalid step \"0%\""},
        {"bad-mode.json", 2, 11, "unknown mode \"dryrun\" (expected throttle, dry-run or off)"},
        {"bad-interval.json", 2, 15, "invalid interval \"soon\""},
};

static void test_bad_files(void) {
        for (size_t i = 0; i < ELEMENTSOF(bad_files); i++) {
                char path[256];
                snprintf(path, sizeof(path), "policies/bad/%s", bad_files[i].file);
                expect_bad_file(path, bad_files[i].line, bad_files[i].column, bad_files[i].needle);
        }
}

/* Bad values name the bad text, whatever property.c's exact wording. */
static void test_bad_value_text(void) {
        static const struct {
                const char *file, *text;
        } cases[] = {
                {"policies/bad/bad-value.json", "0"},
                {"policies/bad/bad-size.json", "\"MemoryHigh\": "},
                {"policies/bad/bad-device-entry.json", "sda"},
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                Diags d = {};
                PolicySet *set = NULL;
                ASSERT_TRUE(policy_set_parse_file(cases[i].file, &ctx, &set, &d) == -EINVAL);
                ASSERT_EQ_INT(d.n, 1);
                ASSERT_CONTAINS(d.items[0].message, cases[i].text);
                diags_done(&d);
        }
}

static void test_multiple_errors_in_order(void) {
        Diags d = {};
        PolicySet *set = NULL;
        static const struct {
                unsigned line, column;
                const char *needle;
        } want[] = {
                {2, 49, "unknown class \"x\""},
                {3, 34, "invalid pattern \"[\""},
                {3, 52, "\"priority\" must be an integer"},
        };

        ASSERT_EQ_INT(policy_set_parse_file("policies/bad/multiple-errors.json", &ctx, &set, &d), -EINVAL);
        ASSERT_TRUE(set == NULL);
        ASSERT_EQ_INT(d.n, ELEMENTSOF(want));
        for (size_t i = 0; i < ELEMENTSOF(want); i++) {
                ASSERT_EQ_INT(d.items[i].line, want[i].line);
                ASSERT_EQ_INT(d.items[i].column, want[i].column);
                ASSERT_CONTAINS(d.items[i].message, want[i].needle);
        }
        diags_done(&d);
}

static void test_duplicate_across_files(void) {
        _cleanup_(policy_set_freep) PolicySet *a = NULL, *b = NULL;
        Diags d = {};

        ASSERT_EQ_INT(policy_set_parse_file("policies/bad/dup-across-a.json", &ctx, &a, &d), 0);
        ASSERT_EQ_INT(policy_set_parse_file("policies/bad/dup-across-b.json", &ctx, &b, &d), 0);
        ASSERT_EQ_INT(d.n, 0);

        ASSERT_EQ_INT(policy_set_merge(a, b, &d), -EEXIST);
        ASSERT_EQ_INT(d.n, 1);
        _cleanup_free_ char *s = diag_format(&d.items[0]);
        ASSERT_STREQ(s, "policies/bad/dup-across-b.json:3:14: duplicate policy name \"shared\" "
                        "(first defined at policies/bad/dup-across-a.json:2:11)");
        /* A failed merge changes neither side. */
        ASSERT_EQ_INT(a->n_policies, 1);
        ASSERT_EQ_INT(b->n_policies, 2);
        ASSERT_STREQ(a->files[0], "policies/bad/dup-across-a.json");
        ASSERT_TRUE(a->files[1] == NULL);
        diags_done(&d);
}

static void test_good_full(void) {
        _cleanup_(policy_set_freep) PolicySet *s = NULL;
        Diags d = {};

        int r = policy_set_parse_file("policies/good/full.json", &ctx, &s, &d);
        for (size_t i = 0; i < d.n; i++) {
                _cleanup_free_ char *m = diag_format(&d.items[i]);
                fprintf(stderr, "%s\n", m);
        }
        ASSERT_EQ_INT(r, 0);
        ASSERT_EQ_INT(d.n, 0);
        ASSERT_EQ_INT(s->n_policies, 2);
        ASSERT_STREQ(s->files[0], "policies/good/full.json");
        ASSERT_TRUE(s->files[1] == NULL);

        const Policy *p = policy_set_find(s, "everything");
        ASSERT_TRUE(p == &s->policies[0]);
        ASSERT_EQ_INT(p->priority, -5);
        ASSERT_EQ_INT(p->class, CLASS_NORMAL);
        ASSERT_TRUE(p->has_class);
        ASSERT_STREQ(p->file, "policies/good/full.json");
        ASSERT_EQ_INT(p->line, 4);
        ASSERT_EQ_INT(p->column, 15);
        ASSERT_STREQ(p->match.unit[0], "web-*.service");
        ASSERT_STREQ(p->match.unit[1], "api@*.service");
        ASSERT_TRUE(p->match.unit[2] == NULL);
        ASSERT_STREQ(p->match.slice[0], "system.slice");
        ASSERT_STREQ(p->match.user[0], "www-data");
        ASSERT_STREQ(p->match.exe[0], "/usr/sbin/*");

        /* Every property in the table was given. */
        for (size_t i = 0; i < _PROP_MAX; i++)
                ASSERT_TRUE(p->props.has[i]);

        /* Each value equals what the property parser makes of the same text. */
        static const struct {
                PropertyId id;
                const char *text;
        } same[] = {
                {PROP_CPU_WEIGHT, "idle"},
                {PROP_CPU_QUOTA, "150%"},
                {PROP_CPU_QUOTA_PERIOD, "50ms"},
                {PROP_ALLOWED_CPUS, "0-1"},
                {PROP_ALLOWED_MEMORY_NODES, "0"},
                {PROP_MEMORY_MIN, "64M"},
                {PROP_MEMORY_LOW, "128M"},
                {PROP_MEMORY_HIGH, "4G"},
                {PROP_MEMORY_MAX, "infinity"},
                {PROP_MEMORY_SWAP_MAX, "0"},
                {PROP_IO_WEIGHT, "300"},
                {PROP_IO_DEVICE_WEIGHT, "8:0 500"},
                {PROP_IO_WRITE_BANDWIDTH_MAX, ""},
                {PROP_IO_READ_IOPS_MAX, "8:0 1000"},
                {PROP_IO_WRITE_IOPS_MAX, "8:0 2000"},
                {PROP_IO_DEVICE_LATENCY_TARGET, "8:0 25ms"},
                {PROP_TASKS_MAX, "512"},
                {PROP_OOM_SCORE_ADJUST, ""},
        };
        for (size_t i = 0; i < ELEMENTSOF(same); i++) {
                const Property *prop = property_get(same[i].id);
                PropValue want = {};
                ASSERT_EQ_INT(prop_value_parse(prop, same[i].text, &ctx, &want, NULL), 0);
                if (!prop_value_equal(prop, &p->props.v[same[i].id], &want))
                        fprintf(stderr, "%s differs from \"%s\"\n", prop->name, same[i].text);
                ASSERT_TRUE(prop_value_equal(prop, &p->props.v[same[i].id], &want));
                prop_value_done(&want);
        }
        ASSERT_TRUE(p->props.v[PROP_IO_WRITE_BANDWIDTH_MAX].reset); /* [] resets */
        ASSERT_TRUE(p->props.v[PROP_OOM_SCORE_ADJUST].reset);       /* "" resets */
        ASSERT_EQ_U64(p->props.v[PROP_MEMORY_HIGH].u, ctx.ram_bytes / 2);

        /* A device list: later entries for the same device replace earlier ones. */
        const PropValue *rb = &p->props.v[PROP_IO_READ_BANDWIDTH_MAX];
        const Property *rbp = property_get(PROP_IO_READ_BANDWIDTH_MAX);
        PropValue sda = {}, sdb = {};
        ASSERT_EQ_INT(prop_value_parse(rbp, "/dev/sda 30M", &ctx, &sda, NULL), 0);
        ASSERT_EQ_INT(prop_value_parse(rbp, "8:16 20M", &ctx, &sdb, NULL), 0);
        ASSERT_EQ_INT(rb->n_devs, 2);
        ASSERT_STREQ(rb->devs[0].device, "/dev/sda");
        ASSERT_EQ_U64(rb->devs[0].value, sda.devs[0].value);
        ASSERT_STREQ(rb->devs[1].device, "8:16");
        ASSERT_EQ_U64(rb->devs[1].value, sdb.devs[0].value);
        prop_value_done(&sda);
        prop_value_done(&sdb);

        ASSERT_TRUE(p->floor.has[PROP_MEMORY_HIGH]);
        ASSERT_EQ_U64(p->floor.v[PROP_MEMORY_HIGH].u, 256ULL << 20);
        ASSERT_TRUE(p->floor.has[PROP_CPU_WEIGHT]);
        ASSERT_EQ_U64(p->floor.v[PROP_CPU_WEIGHT].u, 10);
        ASSERT_TRUE(p->floor.has[PROP_IO_WEIGHT]);
        ASSERT_TRUE(!p->floor.has[PROP_MEMORY_MAX]);

        const Policy *w = policy_set_find(s, "weird.name_1-2");
        ASSERT_TRUE(w != NULL);
        ASSERT_EQ_INT(w->priority, 0);
        ASSERT_EQ_INT(w->class, CLASS_NORMAL);
        ASSERT_TRUE(!w->has_class);
        ASSERT_EQ_INT(w->line, 36);
        ASSERT_EQ_INT(w->column, 15);
        ASSERT_TRUE(policy_set_find(s, "nope") == NULL);

        const PressureConfig *m = &s->pressure[RES_MEMORY];
        ASSERT_TRUE(m->enabled);
        ASSERT_EQ_INT(m->trigger_kind, PSI_FULL);
        ASSERT_EQ_U64(m->trigger_stall_usec, 100 * USEC_PER_MSEC);
        ASSERT_EQ_U64(m->trigger_window_usec, 2 * USEC_PER_SEC);
        ASSERT_EQ_INT(m->calm_kind, PSI_FULL);
        ASSERT_EQ_INT(m->calm_avg, 60);
        ASSERT_EQ_U64(m->calm_threshold, 250);
        ASSERT_EQ_U64(m->hold_usec, 30 * USEC_PER_SEC);
        ASSERT_EQ_U64(m->interval_usec, 500 * USEC_PER_MSEC);
        ASSERT_EQ_U64(m->step, 500);
        ASSERT_EQ_INT(m->mode, PRESSURE_DRY_RUN);

        /* An empty section enables the resource with the documented defaults. */
        PressureConfig def;
        pressure_config_default(&def);
        ASSERT_TRUE(!def.enabled);
        const PressureConfig *c = &s->pressure[RES_CPU];
        ASSERT_TRUE(c->enabled);
        ASSERT_EQ_INT(c->trigger_kind, PSI_SOME);
        ASSERT_EQ_U64(c->trigger_stall_usec, 150 * USEC_PER_MSEC);
        ASSERT_EQ_U64(c->trigger_window_usec, USEC_PER_SEC);
        ASSERT_EQ_INT(c->calm_avg, 10);
        ASSERT_EQ_U64(c->calm_threshold, 500);
        ASSERT_EQ_U64(c->hold_usec, 10 * USEC_PER_SEC);
        ASSERT_EQ_U64(c->interval_usec, USEC_PER_SEC);
        ASSERT_EQ_U64(c->step, 1000);
        ASSERT_EQ_INT(c->mode, PRESSURE_THROTTLE);
        ASSERT_TRUE(s->pressure[RES_IO].enabled);
        ASSERT_EQ_INT(s->pressure[RES_IO].mode, PRESSURE_OFF);
}

static void test_enums(void) {
        for (int c = 0; c < _CLASS_MAX; c++)
                ASSERT_EQ_INT(policy_class_from_string(policy_class_to_string(c)), c);
        for (int m = 0; m < _PRESSURE_MODE_MAX; m++)
                ASSERT_EQ_INT(pressure_mode_from_string(pressure_mode_to_string(m)), m);
        for (int r = 0; r < _RES_MAX; r++)
                ASSERT_EQ_INT(pressure_resource_from_string(pressure_resource_to_string(r)), r);
        ASSERT_EQ_INT(policy_class_from_string("Protected"), _CLASS_INVALID);
        ASSERT_EQ_INT(policy_class_from_string(NULL), _CLASS_INVALID);
        ASSERT_EQ_INT((int)pressure_mode_from_string("dryrun"), -1);
        ASSERT_TRUE(policy_class_to_string(_CLASS_MAX) == NULL);
        ASSERT_TRUE(pressure_mode_to_string(_PRESSURE_MODE_MAX) == NULL);
}

/* Inline documents: generated sizes and depths, and strings that cannot be files. */
static void test_generated(void) {
        Diags d = {};
        PolicySet *s = SENTINEL;

        /* Deeper than jansson's limit: a syntax error at the first '[' too many. */
        {
                size_t n = 3000;
                _cleanup_free_ char *j = malloc(n + 32);
                strcpy(j, "{\"policies\": ");
                memset(j + 13, '[', n);
                j[13 + n] = 0;
                ASSERT_EQ_INT(policy_set_parse_string(j, "deep.json", &ctx, &s, &d), -EINVAL);
                ASSERT_TRUE(s == SENTINEL);
                ASSERT_EQ_INT(d.n, 1);
                ASSERT_EQ_INT(d.items[0].line, 1);
                ASSERT_EQ_INT(d.items[0].column, 13 + 2048);
                ASSERT_CONTAINS(d.items[0].message, "maximum parsing depth");
                diags_done(&d);
        }

        /* Deep but within the limit, in a property value: rejected at that value. */
        {
                size_t n = 1500;
                const char *pre =
                        "{\"policies\": [{\"name\": \"p\", \"match\": {\"unit\": \"a\"},\n \"properties\": "
                        "{\"CPUWeight\": ";
                _cleanup_free_ char *j = malloc(strlen(pre) + 2 * n + 16);
                char *o = stpcpy(j, pre);
                memset(o, '[', n);
                o += n;
                memset(o, ']', n);
                o += n;
                strcpy(o, "}}]}");
                ASSERT_EQ_INT(policy_set_parse_string(j, "deep2.json", &ctx, &s, &d), -EINVAL);
                ASSERT_TRUE(s == SENTINEL);
                ASSERT_EQ_INT(d.n, 1);
                ASSERT_EQ_INT(d.items[0].line, 2);
                ASSERT_EQ_INT(d.items[0].column, 30);
                ASSERT_CONTAINS(d.items[0].message, "not an array");
                diags_done(&d);
        }

        /* Too large. */
        {
                size_t n = 5 << 20;
                _cleanup_free_ char *j = malloc(n + 1);
                memset(j, ' ', n);
                j[0] = '{';
                j[n - 1] = '}';
                j[n] = 0;
                ASSERT_EQ_INT(policy_set_parse_string(j, "huge.json", &ctx, &s, &d), -EINVAL);
                ASSERT_TRUE(s == SENTINEL);
                ASSERT_EQ_INT(d.n, 1);
                ASSERT_CONTAINS(d.items[0].message, "file too large");
                diags_done(&d);
        }

        /* Many policies load, and each remembers its own line. */
        {
                size_t n = 3000;
                size_t cap = n * 96 + 64;
                _cleanup_free_ char *j = malloc(cap);
                char *o = stpcpy(j, "{\"policies\": [\n");
                for (size_t i = 0; i < n; i++)
                        o += sprintf(o,
                                     "{\"name\": \"p%zu\", \"priority\": %zu, \"match\": {\"unit\": "
                                     "\"u%zu.service\"}}%s\n",
                                     i, i, i, i + 1 < n ? "," : "");
                strcpy(o, "]}");
                _cleanup_(policy_set_freep) PolicySet *big = NULL;
                ASSERT_EQ_INT(policy_set_parse_string(j, "big.json", &ctx, &big, &d), 0);
                ASSERT_EQ_INT(big->n_policies, n);
                ASSERT_EQ_INT(d.n, 0);
                for (size_t i = 0; i < n; i += 997) {
                        char name[32];
                        snprintf(name, sizeof(name), "p%zu", i);
                        const Policy *p = policy_set_find(big, name);
                        ASSERT_TRUE(p != NULL);
                        ASSERT_EQ_INT(p->line, i + 2);
                        ASSERT_EQ_INT(p->column, 10);
                        ASSERT_EQ_INT(p->priority, i);
                }
        }

        /* Many errors: reported up to a cap, then one line saying we gave up. */
        {
                size_t n = 200;
                _cleanup_free_ char *j = malloc(n * 64 + 64);
                char *o = stpcpy(j, "{\"policies\": [");
                for (size_t i = 0; i < n; i++)
                        o += sprintf(o, "%s{\"name\": \"p%zu\", \"match\": {\"unit\": \"[\"}}", i ? "," : "",
                                     i);
                strcpy(o, "]}");
                ASSERT_EQ_INT(policy_set_parse_string(j, "many.json", &ctx, &s, &d), -EINVAL);
                ASSERT_TRUE(s == SENTINEL);
                ASSERT_TRUE(d.n > 10 && d.n < n);
                ASSERT_CONTAINS(d.items[d.n - 1].message, "too many errors");
                diags_done(&d);
        }

        /* Duplicate names count toward the cap too. */
        {
                size_t n = 100;
                _cleanup_free_ char *j = malloc(n * 64 + 64);
                char *o = stpcpy(j, "{\"policies\": [\n");
                for (size_t i = 0; i < n; i++)
                        o += sprintf(o, "%s{\"name\": \"x\", \"match\": {\"unit\": \"a\"}}\n", i ? "," : "");
                strcpy(o, "]}");
                ASSERT_EQ_INT(policy_set_parse_string(j, "dups.json", &ctx, &s, &d), -EINVAL);
                ASSERT_TRUE(s == SENTINEL);
                ASSERT_TRUE(d.n > 10 && d.n < n - 1);
                ASSERT_EQ_INT(d.items[0].line, 3);
                ASSERT_EQ_INT(d.items[0].column, 11); /* after the leading ',' */
                ASSERT_STREQ(d.items[0].message,
                             "duplicate policy name \"x\" (first defined at dups.json:2:10)");
                ASSERT_CONTAINS(d.items[d.n - 1].message, "too many errors");
                diags_done(&d);
        }

        /* Two problems at one place keep the order they were found in. */
        for (int k = 0; k < 2; k++) {
                ASSERT_EQ_INT(policy_set_parse_string("{\"policies\": [{}]}", "two.json", &ctx, &s, &d),
                              -EINVAL);
                ASSERT_EQ_INT(d.n, 2);
                ASSERT_EQ_INT(d.items[0].column, 15);
                ASSERT_EQ_INT(d.items[1].column, 15);
                ASSERT_CONTAINS(d.items[0].message, "has no \"name\"");
                ASSERT_CONTAINS(d.items[1].message, "has no \"match\"");
                diags_done(&d);
        }

        /* Keys needing escapes, and escaped key text, still get exact positions. */
        {
                const char *j = "{\"policies\": [{\"name\": \"p\", \"match\": {\"unit\": \"a\"},\n"
                                " \"properties\": {\"Memory\\u0048igh\": \"1G\", \"a.b\": 1}}]}";
                ASSERT_EQ_INT(policy_set_parse_string(j, "esc.json", &ctx, &s, &d), -EINVAL);
                ASSERT_EQ_INT(d.n, 1);
                ASSERT_EQ_INT(d.items[0].line, 2);
                ASSERT_EQ_INT(d.items[0].column, 42);
                ASSERT_CONTAINS(d.items[0].message, "unknown property \"a.b\"");
                diags_done(&d);
        }

        /* Multi-byte characters count as one column, as in jansson. */
        {
                const char *j =
                        "{\"policies\": [{\"name\": \"p\", \"match\": {\"unit\": \"\xc3\xa9\xc3\xa9\"},\n"
                        " \"class\": \"x\"}]}";
                ASSERT_EQ_INT(policy_set_parse_string(j, "utf8.json", &ctx, &s, &d), -EINVAL);
                ASSERT_EQ_INT(d.items[0].line, 2);
                ASSERT_EQ_INT(d.items[0].column, 11);
                diags_done(&d);
                const char *k = "{\"policies\": [{\"name\": \"\xc3\xa9\", \"match\": {\"unit\": \"a\"}}]}";
                ASSERT_EQ_INT(policy_set_parse_string(k, "utf8.json", &ctx, &s, &d), -EINVAL);
                ASSERT_EQ_INT(d.items[0].line, 1);
                ASSERT_EQ_INT(d.items[0].column, 24);
                ASSERT_CONTAINS(d.items[0].message, "invalid policy name");
                diags_done(&d);
        }

        /* NULL context or output: refused, not crashed. */
        ASSERT_EQ_INT(policy_set_parse_string("{}", "x.json", NULL, &s, &d), -EINVAL);
        ASSERT_EQ_INT(policy_set_parse_string(NULL, "x.json", &ctx, &s, &d), -EINVAL);
        ASSERT_TRUE(s == SENTINEL);
        /* Diags are optional. */
        ASSERT_EQ_INT(policy_set_parse_string("{\"x\": 1}", "x.json", &ctx, &s, NULL), -EINVAL);
        ASSERT_TRUE(s == SENTINEL);
        diags_done(&d);
}

/* Inline one-liners on line 2 after a fixed first line; positions are on line 2. */
#define L1 "{\"policies\": [{\"name\": \"p\", \"match\": {\"unit\": \"a\"},\n"
static void test_messages(void) {
        static const struct {
                const char *json;
                unsigned column; /* 0: must be accepted */
                const char *needle;
        } cases[] = {
                {L1 " \"properties\": {\"cpuweight\": 5}}]}", 17,
                 "unknown property \"cpuweight\" (did you mean \"CPUWeight\"?)"},
                {L1 " \"properties\": {\"Nice\": 5}}]}", 17,
                 "unknown property \"Nice\" (see systemd.resource-control(5)"},
                {L1 " \"properties\": {\"MemoryHigh\": -1}}]}", 31, "\"MemoryHigh\": "},
                {L1 " \"properties\": {\"IOReadBandwidthMax\": [\"\"]}}]}", 40,
                 "empty entry in device list"},
                {L1 " \"properties\": {\"IOReadBandwidthMax\": [1]}}]}", 40,
                 "entries must be strings (\"DEVICE VALUE\"), not an integer"},
                {L1 " \"properties\": {\"IOReadBandwidthMax\": {}}}]}", 39,
                 "must be a string or an array of strings, not an object"},
                {L1 " \"properties\": {\"CPUWeight\": [\"5\"]}}]}", 30,
                 "must be an integer or a string, not an array"},
                {L1 " \"properties\": {\"CPUWeight\": null}}]}", 30, "not null"},
                {L1 " \"pressure\": {\"floor\": {\"MemoryHigh\": \"\"}}}]}", 39,
                 "a floor needs a value, not a reset"},
                {L1 " \"pressure\": {\"floor\": {\"MemoryHihg\": \"1G\"}}}]}", 25,
                 "did you mean \"MemoryHigh\""},
                {L1 " \"class\": \"Protected\"}]}", 11, "unknown class \"Protected\""},
                {L1 " \"class\": \"\"}]}", 11, "unknown class \"\""},
                {L1 " \"priority\": 9223372036854775807}]}", 0, NULL},
                {L1 " \"priority\": -9223372036854775808}]}", 0, NULL},
                {L1 " \"priority\": true}]}", 14, "\"priority\" must be an integer"},
                {L1 " \"name\": \"x\"}]}", 2, "duplicate object key"}, /* jansson's, at the 2nd key */
                {"{\"policies\": [{\"name\": \"p\",\n \"match\": {\"exe\": [\"/bin/[a\"]}}]}", 20,
                 "invalid pattern \"/bin/[a\" in \"exe\": unbalanced '['"},
                {"{\"policies\": [{\"name\": \"p\",\n \"match\": {\"user\": \"a\\\\\"}}]}", 20,
                 "trailing backslash"},
                {"{\"policies\": [{\"name\": \"p\",\n \"match\": {\"slice\": \"[[:alpha:]\"}}]}", 21,
                 "unbalanced '['"},
                {"{\"policies\": [{\"name\": \"p\",\n \"match\": {\"slice\": \"[[:alpha:]]*.slice\"}}]}", 0,
                 NULL},
                {"{\"policies\": [{\"name\": \"p\",\n \"match\": {\"slice\": \"[]]\\\\[\"}}]}", 0, NULL},
                {"{\"policies\": [{\"name\": \"p\",\n \"match\": {\"slice\": \"[!]x]\"}}]}", 0, NULL},
                {"{\"pressure\": {\"io\":\n {\"calm\": \"full avg300 < 50%\", \"step\": \"100%\", \"hold\": "
                 "\"0\"}}}",
                 0, NULL},
                {"{\"pressure\": {\"io\":\n {\"calm\": \"some avg10<0\"}}}", 11, "invalid calm condition"},
                {"{\"pressure\": {\"io\":\n {\"calm\": \"some avg10<101\"}}}", 11, "invalid calm condition"},
                {"{\"pressure\": {\"io\":\n {\"calm\": \"some avg10<5 x\"}}}", 11, "invalid calm condition"},
                {"{\"pressure\": {\"io\":\n {\"calm\": \"someavg10<5\"}}}", 11, "invalid calm condition"},
                {"{\"pressure\": {\"io\":\n {\"step\": \"101%\"}}}", 11, "invalid step \"101%\""},
                {"{\"pressure\": {\"io\":\n {\"step\": \"10\"}}}", 11, "invalid step \"10\""},
                {"{\"pressure\": {\"io\":\n {\"hold\": \"infinity\"}}}", 11, "invalid hold \"infinity\""},
                {"{\"pressure\": {\"io\":\n {\"interval\": \"1ms\"}}}", 15, "of at least 10ms"},
                {"{\"pressure\": {\"io\":\n {\"trigger\": \"full 1s 500ms\"}}}", 14,
                 "invalid trigger \"full 1s 500ms\""},
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                PolicySet *s = SENTINEL;
                Diags d = {};
                int r = policy_set_parse_string(cases[i].json, "m.json", &ctx, &s, &d);
                if (cases[i].column == 0) {
                        for (size_t k = 0; k < d.n; k++)
                                fprintf(stderr, "case %zu: %s\n", i, d.items[k].message);
                        ASSERT_EQ_INT(r, 0);
                        ASSERT_TRUE(s != SENTINEL);
                        policy_set_free(s);
                        continue;
                }
                if (r >= 0 || d.n != 1)
                        fprintf(stderr, "case %zu: r=%d, %zu diags\n", i, r, d.n);
                ASSERT_EQ_INT(r, -EINVAL);
                ASSERT_TRUE(s == SENTINEL);
                ASSERT_EQ_INT(d.n, 1);
                if (d.items[0].line != 2 || d.items[0].column != cases[i].column)
                        fprintf(stderr, "case %zu: %u:%u %s\n", i, d.items[0].line, d.items[0].column,
                                d.items[0].message);
                ASSERT_EQ_INT(d.items[0].line, 2);
                ASSERT_EQ_INT(d.items[0].column, cases[i].column);
                ASSERT_CONTAINS(d.items[0].message, cases[i].needle);
                diags_done(&d);
        }
}

static char *write_tmp(const char *dir, const char *name, const char *content, size_t len) {
        char *p = NULL;
        ASSERT_TRUE(asprintf(&p, "%s/%s", dir, name) > 0);
        FILE *f = fopen(p, "we");
        ASSERT_TRUE(f != NULL);
        ASSERT_EQ_INT(fwrite(content, 1, len, f), len);
        ASSERT_EQ_INT(fclose(f), 0);
        return p;
}

static void test_file_errors(const char *tmp) {
        Diags d = {};
        PolicySet *s = SENTINEL;

        /* An embedded NUL ends a C string early: refused with its position. */
        static const char nul[] = "{\"policies\": [\n \0]}";
        _cleanup_free_ char *p = write_tmp(tmp, "nul.json", nul, sizeof(nul) - 1);
        expect_bad_file(p, 2, 2, "file contains a NUL byte");

        ASSERT_TRUE(policy_set_parse_file("policies/bad/does-not-exist.json", &ctx, &s, &d) == -ENOENT);
        ASSERT_EQ_INT(d.n, 1);
        ASSERT_CONTAINS(d.items[0].message, "No such file or directory");
        _cleanup_free_ char *f = diag_format(&d.items[0]);
        ASSERT_STREQ(f, "policies/bad/does-not-exist.json: Failed to open: No such file or directory");
        diags_done(&d);

        ASSERT_EQ_INT(policy_set_parse_file("policies", &ctx, &s, &d), -EINVAL);
        ASSERT_CONTAINS(d.items[0].message, "not a regular file");
        ASSERT_TRUE(s == SENTINEL);
        diags_done(&d);
}

static void mkdir_p(const char *base, const char *sub, char **ret) {
        ASSERT_TRUE(asprintf(ret, "%s/%s", base, sub) > 0);
        ASSERT_EQ_INT(mkdir(*ret, 0755), 0);
}

static const char *policy_json(const char *name, int prio) {
        static char buf[256];
        snprintf(buf, sizeof(buf),
                 "{\"policies\": [{\"name\": \"%s\", \"priority\": %d, \"match\": {\"unit\": \"x\"}}]}",
                 name, prio);
        return buf;
}

#define PUT(dir, file, json) free(write_tmp(dir, file, json, strlen(json)))

static void test_dirs(const char *tmp) {
        _cleanup_free_ char *etc = NULL, *run = NULL, *lib = NULL, *missing = NULL, *sub = NULL,
                            *masked = NULL;
        Diags d = {};

        mkdir_p(tmp, "etc", &etc);
        mkdir_p(tmp, "run", &run);
        mkdir_p(tmp, "lib", &lib);
        ASSERT_TRUE(asprintf(&missing, "%s/missing", tmp) > 0);

        /* Same name: /etc beats /run beats /usr/lib, even when the loser is broken. */
        PUT(lib, "10-a.json", policy_json("a-lib", 1));
        PUT(etc, "10-a.json", policy_json("a-etc", 2));
        PUT(run, "10-a.json", "{ broken");
        PUT(lib, "20-b.json", "{ broken too");
        PUT(run, "20-b.json", policy_json("b-run", 3));
        /* Lexical order by file name across directories. */
        PUT(lib, "5-z.json", policy_json("z-lib", 4));
        /* Masked by a symlink to /dev/null in a higher directory. */
        PUT(lib, "30-c.json", policy_json("c-lib", 5));
        ASSERT_TRUE(asprintf(&masked, "%s/30-c.json", etc) > 0);
        ASSERT_EQ_INT(symlink("/dev/null", masked), 0);
        /* Ignored: other suffixes, hidden files, directories. */
        PUT(etc, "README", "not json");
        PUT(etc, "40-d.json.bak", "{ broken");
        PUT(etc, ".50-e.json", "{ broken");
        ASSERT_TRUE(asprintf(&sub, "%s/60-f.json", etc) > 0);
        ASSERT_EQ_INT(mkdir(sub, 0755), 0);

        const char *dirs[] = {etc, missing, run, lib, NULL};
        _cleanup_(policy_set_freep) PolicySet *s = NULL;
        int r = policy_set_load_dirs(dirs, &ctx, &s, &d);
        for (size_t i = 0; i < d.n; i++) {
                _cleanup_free_ char *m = diag_format(&d.items[i]);
                fprintf(stderr, "%s\n", m);
        }
        ASSERT_EQ_INT(r, 0);
        ASSERT_EQ_INT(d.n, 0);
        ASSERT_EQ_INT(s->n_policies, 3);
        ASSERT_STREQ(s->policies[0].name, "a-etc");
        ASSERT_STREQ(s->policies[1].name, "b-run");
        ASSERT_STREQ(s->policies[2].name, "z-lib");

        _cleanup_free_ char *fa = NULL, *fb = NULL, *fz = NULL;
        ASSERT_TRUE(asprintf(&fa, "%s/10-a.json", etc) > 0);
        ASSERT_TRUE(asprintf(&fb, "%s/20-b.json", run) > 0);
        ASSERT_TRUE(asprintf(&fz, "%s/5-z.json", lib) > 0);
        ASSERT_STREQ(s->files[0], fa);
        ASSERT_STREQ(s->files[1], fb);
        ASSERT_STREQ(s->files[2], fz);
        ASSERT_TRUE(s->files[3] == NULL);
        ASSERT_STREQ(s->policies[0].file, fa);

        /* No directories at all: an empty set with default pressure settings. */
        const char *none[] = {missing, NULL};
        _cleanup_(policy_set_freep) PolicySet *e = NULL;
        ASSERT_EQ_INT(policy_set_load_dirs(none, &ctx, &e, &d), 0);
        ASSERT_EQ_INT(e->n_policies, 0);
        ASSERT_TRUE(e->files[0] == NULL);
        ASSERT_TRUE(!e->pressure[RES_MEMORY].enabled);
        ASSERT_EQ_U64(e->pressure[RES_MEMORY].step, 1000);

        /* All or nothing: one bad file and one duplicate reject the whole set,
         * and every problem is reported. */
        PUT(lib, "70-bad.json", "{\"policies\": [{\"name\": \"x\"}]}");
        PUT(lib, "80-dup.json", policy_json("a-etc", 9));
        PolicySet *bad = SENTINEL;
        ASSERT_EQ_INT(policy_set_load_dirs(dirs, &ctx, &bad, &d), -EINVAL);
        ASSERT_TRUE(bad == SENTINEL);
        ASSERT_EQ_INT(d.n, 2);
        ASSERT_CONTAINS(d.items[0].file, "70-bad.json");
        ASSERT_CONTAINS(d.items[0].message, "has no \"match\"");
        ASSERT_CONTAINS(d.items[1].file, "80-dup.json");
        ASSERT_CONTAINS(d.items[1].message, "duplicate policy name \"a-etc\" (first defined at ");
        ASSERT_CONTAINS(d.items[1].message, fa);
        diags_done(&d);

        ASSERT_EQ_INT(policy_set_load_dirs(dirs, NULL, &bad, &d), -EINVAL);
        ASSERT_TRUE(bad == SENTINEL);
}

static void test_merge_pressure(void) {
        _cleanup_(policy_set_freep) PolicySet *dst = NULL, *a = NULL, *b = NULL;
        Diags d = {};

        ASSERT_EQ_INT(policy_set_new(&dst), 0);
        ASSERT_EQ_INT(
                policy_set_parse_string("{\"pressure\": {\"memory\": {\"step\": \"20%\"}, \"io\": {}}}",
                                        "a.json", &ctx, &a, &d),
                0);
        ASSERT_EQ_INT(
                policy_set_parse_string("{\"policies\": [{\"name\": \"n\", \"match\": {\"unit\": \"x\"}}], "
                                        "\"pressure\": {\"memory\": {\"step\": \"5%\"}}}",
                                        "b.json", &ctx, &b, &d),
                0);
        ASSERT_EQ_INT(policy_set_merge(dst, a, &d), 0);
        ASSERT_EQ_U64(dst->pressure[RES_MEMORY].step, 2000);
        ASSERT_TRUE(dst->pressure[RES_IO].enabled);
        ASSERT_EQ_INT(policy_set_merge(dst, b, &d), 0);
        /* A later section replaces an earlier one per resource; others stay. */
        ASSERT_EQ_U64(dst->pressure[RES_MEMORY].step, 500);
        ASSERT_TRUE(dst->pressure[RES_IO].enabled);
        ASSERT_TRUE(!dst->pressure[RES_CPU].enabled);
        ASSERT_EQ_INT(dst->n_policies, 1);
        ASSERT_EQ_INT(b->n_policies, 0);
        ASSERT_STREQ(dst->files[0], "a.json");
        ASSERT_STREQ(dst->files[1], "b.json");
        ASSERT_TRUE(dst->files[2] == NULL);
        ASSERT_EQ_INT(d.n, 0);
}

static void test_matching(void) {
        _cleanup_(policy_set_freep) PolicySet *s = NULL;
        Diags d = {};
        const char *j =
                "{\"policies\": ["
                "{\"name\": \"units\", \"match\": {\"unit\": [\"postgresql*.service\", \"db.service\"]}},"
                "{\"name\": \"all\", \"match\": {\"unit\": \"batch-?.service\", \"slice\": \"batch.slice\","
                " \"user\": [\"batch\", \"nobody\"], \"exe\": \"/usr/bin/*\"}},"
                "{\"name\": \"bracket\", \"match\": {\"unit\": \"node[0-9].service\"}},"
                "{\"name\": \"slice-only\", \"match\": {\"slice\": \"user-*.slice\"}},"
                "{\"name\": \"negated\", \"match\": {\"unit\": \"app-[!x]*.service\"}}]}";
        ASSERT_EQ_INT(policy_set_parse_string(j, "m.json", &ctx, &s, &d), 0);

        static const struct {
                const char *policy;
                UnitInfo unit;
                bool match;
        } cases[] = {
                {"units", {.name = "postgresql.service"}, true},
                {"units", {.name = "postgresql@14-main.service"}, true},
                {"units", {.name = "db.service"}, true},
                {"units", {.name = "db2.service"}, false},
                {"units", {.name = "mariadb.service"}, false},
                {"units", {.name = NULL}, false},
                {"all", {"batch-1.service", "batch.slice", "batch", "/usr/bin/job"}, true},
                {"all", {"batch-1.service", "batch.slice", "nobody", "/usr/bin/x/y"}, true},
                {"all", {"batch-12.service", "batch.slice", "batch", "/usr/bin/job"}, false},
                {"all", {"batch-1.service", "system.slice", "batch", "/usr/bin/job"}, false},
                {"all", {"batch-1.service", "batch.slice", "root", "/usr/bin/job"}, false},
                {"all", {"batch-1.service", "batch.slice", NULL, "/usr/bin/job"}, false},
                {"all", {"batch-1.service", "batch.slice", "batch", "/opt/job"}, false},
                {"all", {"batch-1.service", "batch.slice", "batch", NULL}, false},
                {"all", {"batch-1.service", NULL, "batch", "/usr/bin/job"}, false},
                {"bracket", {.name = "node7.service"}, true},
                {"bracket", {.name = "nodeX.service"}, false},
                {"slice-only", {"anything.service", "user-1000.slice", NULL, NULL}, true},
                {"slice-only", {"anything.service", "system.slice", NULL, NULL}, false},
                {"slice-only", {"anything.service", NULL, NULL, NULL}, false},
                {"negated", {.name = "app-a.service"}, true},
                {"negated", {.name = "app-x.service"}, false},
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                const Policy *p = policy_set_find(s, cases[i].policy);
                ASSERT_TRUE(p != NULL);
                if (policy_matches(p, &cases[i].unit) != cases[i].match)
                        fprintf(stderr, "case %zu: %s vs %s\n", i, cases[i].policy,
                                strna(cases[i].unit.name));
                ASSERT_EQ_INT(policy_matches(p, &cases[i].unit), cases[i].match);
        }
        ASSERT_TRUE(!policy_matches(NULL, &cases[0].unit));
        ASSERT_TRUE(!policy_matches(&s->policies[0], NULL));

        /* A match-less policy (never produced by the loader) matches nothing. */
        Policy empty = {.name = (char *)"empty"};
        ASSERT_TRUE(!policy_matches(&empty, &cases[0].unit));
}

static void test_prop_set(void) {
        PropSet a = {}, b = {};
        const Property *p = property_get(PROP_ALLOWED_CPUS);
        PropValue v = {};

        ASSERT_EQ_INT(prop_value_parse(p, "0-3", &ctx, &v, NULL), 0);
        prop_set_put(&a, PROP_ALLOWED_CPUS, &v);
        ASSERT_TRUE(v.mask == NULL); /* ownership moved */
        ASSERT_TRUE(a.has[PROP_ALLOWED_CPUS]);
        ASSERT_EQ_INT(prop_set_copy(&b, &a), 0);
        ASSERT_TRUE(b.has[PROP_ALLOWED_CPUS]);
        ASSERT_TRUE(b.v[PROP_ALLOWED_CPUS].mask != a.v[PROP_ALLOWED_CPUS].mask);
        ASSERT_TRUE(prop_value_equal(p, &a.v[PROP_ALLOWED_CPUS], &b.v[PROP_ALLOWED_CPUS]));
        ASSERT_EQ_INT(prop_value_parse(p, "1", &ctx, &v, NULL), 0);
        prop_set_put(&a, PROP_ALLOWED_CPUS, &v); /* replaces, no leak */
        ASSERT_TRUE(!prop_value_equal(p, &a.v[PROP_ALLOWED_CPUS], &b.v[PROP_ALLOWED_CPUS]));
        prop_set_unset(&a, PROP_ALLOWED_CPUS);
        ASSERT_TRUE(!a.has[PROP_ALLOWED_CPUS]);
        prop_set_unset(&a, PROP_ALLOWED_CPUS);
        prop_set_done(&a);
        prop_set_done(&b);
}

/* A clean file leaves an empty Diags empty (items still NULL): sorting this
 * file's diagnostics must not index that NULL array (UBSan, with the default
 * test setup halting on it, fails this test otherwise). */
static void test_clean_parse_empty_diags(void) {
        static const char *const good[] = {
                "{\"policies\": []}",
                "{\"policies\": [{\"name\": \"a\", \"match\": {\"unit\": \"a.service\"}, "
                "\"properties\": {\"CPUWeight\": 100}}]}",
        };

        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                _cleanup_(policy_set_freep) PolicySet *s = NULL;
                Diags d = {};

                ASSERT_EQ_INT(policy_set_parse_string(good[i], "clean.json", &ctx, &s, &d), 0);
                ASSERT_EQ_INT(d.n, 0);
                ASSERT_TRUE(d.items == NULL);
                ASSERT_TRUE(s != NULL);
        }
}

int main(void) {
        char tmp[] = "/tmp/test-policy-XXXXXX";
        ASSERT_TRUE(mkdtemp(tmp) != NULL);

        test_enums();
        test_bad_files();
        test_bad_value_text();
        test_multiple_errors_in_order();
        test_duplicate_across_files();
        test_good_full();
        test_clean_parse_empty_diags();
        test_generated();
        test_messages();
        test_file_errors(tmp);
        test_dirs(tmp);
        test_merge_pressure();
        test_matching();
        test_prop_set();

        _cleanup_free_ char *cmd = NULL;
        ASSERT_TRUE(asprintf(&cmd, "rm -rf '%s'", tmp) > 0);
        ASSERT_EQ_INT(system(cmd), 0);
        return 0;
}
