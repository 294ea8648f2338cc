/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Layer resolution with provenance: priorities, ties in load order, overrides
 * (persistent < runtime < pressure), resets, class and floors. */

#include <errno.h>

#include "resolve.h"
#include "tests.h"

static const ParseContext ctx = {.ram_bytes = 16ULL << 30, .tasks_limit = 4194304};

/* Listed out of priority order on purpose; the two "tie" policies share a priority
 * and the one loaded later (second file) must win. */
static const char file1[] =
        "{\"policies\": ["
        "{\"name\": \"high\", \"priority\": 100, \"class\": \"protected\", \"match\": {\"unit\": "
        "\"db.service\"},"
        " \"properties\": {\"CPUWeight\": 800}, \"pressure\": {\"floor\": {\"MemoryHigh\": \"256M\"}}},"
        "{\"name\": \"low\", \"priority\": 10, \"class\": \"sheddable\", \"match\": {\"unit\": "
        "\"*.service\"},"
        " \"properties\": {\"CPUWeight\": 100, \"MemoryHigh\": \"1G\", \"AllowedCPUs\": \"0-1\"},"
        " \"pressure\": {\"floor\": {\"MemoryHigh\": \"128M\", \"CPUWeight\": 5}}},"
        "{\"name\": \"tie-a\", \"priority\": 50, \"match\": {\"unit\": \"db.service\"},"
        " \"properties\": {\"IOWeight\": 100}},"
        "{\"name\": \"other\", \"priority\": 1000, \"class\": \"sheddable\", \"match\": {\"unit\": "
        "\"web.service\"},"
        " \"properties\": {\"MemoryMax\": \"2G\"}}]}";
static const char file2[] =
        "{\"policies\": ["
        "{\"name\": \"noclass\", \"priority\": 200, \"match\": {\"unit\": \"db.service\"},"
        " \"properties\": {\"TasksMax\": 100}},"
        "{\"name\": \"tie-b\", \"priority\": 50, \"match\": {\"unit\": \"db.*\"},"
        " \"properties\": {\"IOWeight\": 200}}]}";

static PolicySet *load(void) {
        PolicySet *a = NULL, *b = NULL;
        Diags d = {};
        ASSERT_EQ_INT(policy_set_parse_string(file1, "1.json", &ctx, &a, &d), 0);
        ASSERT_EQ_INT(policy_set_parse_string(file2, "2.json", &ctx, &b, &d), 0);
        ASSERT_EQ_INT(policy_set_merge(a, b, &d), 0);
        policy_set_free(b);
        ASSERT_EQ_INT(d.n, 0);
        return a;
}

static void put(PropSet *s, PropertyId id, const char *text) {
        PropValue v = {};
        ASSERT_EQ_INT(prop_value_parse(property_get(id), text, &ctx, &v, NULL), 0);
        prop_set_put(s, id, &v);
}

/* The layer's value of id equals what `text` parses to. */
static void expect_layer(const PropSet *s, PropertyId id, const char *text) {
        PropValue want = {};
        ASSERT_TRUE(s->has[id]);
        ASSERT_EQ_INT(prop_value_parse(property_get(id), text, &ctx, &want, NULL), 0);
        ASSERT_TRUE(prop_value_equal(property_get(id), &s->v[id], &want));
        prop_value_done(&want);
}

/* The resolved value of id equals what `text` parses to. */
static void expect(const Resolved *r, PropertyId id, Layer layer, const char *source, const char *text) {
        const ResolvedProp *rp = &r->props[id];
        const Property *p = property_get(id);
        if (rp->layer != layer || !streq_ptr(rp->source, source))
                fprintf(stderr, "%s: layer %s source %s, expected %s %s\n", p->name,
                        layer_to_string(rp->layer), strna(rp->source), layer_to_string(layer),
                        strna(source));
        ASSERT_EQ_INT(rp->layer, layer);
        ASSERT_TRUE(streq_ptr(rp->source, source));
        if (layer == LAYER_NONE)
                return;
        PropValue want = {};
        ASSERT_EQ_INT(prop_value_parse(p, text, &ctx, &want, NULL), 0);
        ASSERT_TRUE(prop_value_equal(p, &rp->value, &want));
        ASSERT_EQ_INT(rp->value.reset, want.reset);
        prop_value_done(&want);
}

static void test_layers_table(void) {
        _cleanup_(policy_set_freep) PolicySet *set = load();
        PropSet persistent = {}, runtime = {}, pressure = {};
        const UnitInfo db = {.name = "db.service", .slice = "system.slice"};

        put(&persistent, PROP_CPU_WEIGHT, "300");
        put(&persistent, PROP_MEMORY_MAX, "4G");
        put(&persistent, PROP_OOM_SCORE_ADJUST, "-500");
        put(&runtime, PROP_CPU_WEIGHT, "400");
        put(&runtime, PROP_MEMORY_HIGH, "");  /* reset beats the policy's 1G */
        put(&runtime, PROP_ALLOWED_CPUS, ""); /* reset */
        put(&runtime, PROP_OOM_SCORE_ADJUST, "-100");
        put(&pressure, PROP_ALLOWED_CPUS, "1"); /* pressure over a runtime reset */
        put(&pressure, PROP_MEMORY_MAX, "3G");

        /* Each step adds one layer; every row says what wins at that step. */
        static const struct {
                int layers; /* 0 policies only, 1 +persistent, 2 +runtime, 3 +pressure */
                PropertyId id;
                Layer layer;
                const char *source, *text;
        } rows[] = {
                {0, PROP_CPU_WEIGHT, LAYER_POLICY, "high", "800"},
                {0, PROP_IO_WEIGHT, LAYER_POLICY, "tie-b", "200"},
                {0, PROP_MEMORY_HIGH, LAYER_POLICY, "low", "1G"},
                {0, PROP_TASKS_MAX, LAYER_POLICY, "noclass", "100"},
                {0, PROP_ALLOWED_CPUS, LAYER_POLICY, "low", "0-1"},
                {0, PROP_MEMORY_MAX, LAYER_NONE, NULL, NULL},
                {0, PROP_OOM_SCORE_ADJUST, LAYER_NONE, NULL, NULL},
                {1, PROP_CPU_WEIGHT, LAYER_PERSISTENT, NULL, "300"},
                {1, PROP_MEMORY_MAX, LAYER_PERSISTENT, NULL, "4G"},
                {1, PROP_IO_WEIGHT, LAYER_POLICY, "tie-b", "200"},
                {1, PROP_OOM_SCORE_ADJUST, LAYER_PERSISTENT, NULL, "-500"},
                {2, PROP_CPU_WEIGHT, LAYER_RUNTIME, NULL, "400"},
                {2, PROP_MEMORY_HIGH, LAYER_RUNTIME, NULL, ""},
                {2, PROP_ALLOWED_CPUS, LAYER_RUNTIME, NULL, ""},
                {2, PROP_MEMORY_MAX, LAYER_PERSISTENT, NULL, "4G"},
                {2, PROP_OOM_SCORE_ADJUST, LAYER_RUNTIME, NULL, "-100"},
                {2, PROP_TASKS_MAX, LAYER_POLICY, "noclass", "100"},
                {3, PROP_ALLOWED_CPUS, LAYER_PRESSURE, NULL, "1"},
                {3, PROP_MEMORY_MAX, LAYER_PRESSURE, NULL, "3G"},
                {3, PROP_CPU_WEIGHT, LAYER_RUNTIME, NULL, "400"},
                {3, PROP_MEMORY_HIGH, LAYER_RUNTIME, NULL, ""},
                {3, PROP_IO_WEIGHT, LAYER_POLICY, "tie-b", "200"},
        };

        for (int layers = 0; layers <= 3; layers++) {
                Resolved r;
                ASSERT_EQ_INT(resolve_unit(set, &db, layers >= 1 ? &persistent : NULL,
                                           layers >= 2 ? &runtime : NULL, layers >= 3 ? &pressure : NULL,
                                           &r),
                              0);

                /* Class and floors come from policies only, whatever the overrides. */
                ASSERT_EQ_INT(r.class, CLASS_PROTECTED);
                static const char *const order[] = {"low", "tie-a", "tie-b", "high", "noclass"};
                ASSERT_EQ_INT(r.n_matched, ELEMENTSOF(order));
                for (size_t i = 0; i < ELEMENTSOF(order); i++)
                        ASSERT_STREQ(r.matched[i]->name, order[i]);
                ASSERT_TRUE(r.floor.has[PROP_MEMORY_HIGH]);
                ASSERT_EQ_U64(r.floor.v[PROP_MEMORY_HIGH].u, 256ULL << 20); /* "high" beats "low" */
                ASSERT_TRUE(r.floor.has[PROP_CPU_WEIGHT]);                  /* only "low" sets it */
                ASSERT_EQ_U64(r.floor.v[PROP_CPU_WEIGHT].u, 5);
                ASSERT_TRUE(!r.floor.has[PROP_IO_WEIGHT]);

                for (size_t i = 0; i < ELEMENTSOF(rows); i++)
                        if (rows[i].layers == layers)
                                expect(&r, rows[i].id, rows[i].layer, rows[i].source, rows[i].text);
                /* Nothing sets these at any layer. */
                expect(&r, PROP_IO_DEVICE_WEIGHT, LAYER_NONE, NULL, NULL);
                expect(&r, PROP_MEMORY_SWAP_MAX, LAYER_NONE, NULL, NULL);
                resolved_done(&r);
        }

        prop_set_done(&persistent);
        prop_set_done(&runtime);
        prop_set_done(&pressure);
}

static void test_class_and_no_match(void) {
        _cleanup_(policy_set_freep) PolicySet *set = load();
        Resolved r;

        /* "low" matches every service and is sheddable; nothing higher sets a class. */
        const UnitInfo app = {.name = "app.service"};
        ASSERT_EQ_INT(resolve_unit(set, &app, NULL, NULL, NULL, &r), 0);
        ASSERT_EQ_INT(r.class, CLASS_SHEDDABLE);
        ASSERT_EQ_INT(r.n_matched, 1);
        expect(&r, PROP_CPU_WEIGHT, LAYER_POLICY, "low", "100");
        resolved_done(&r);

        /* "web.service": "low" and "other" (priority 1000, sheddable). */
        const UnitInfo web = {.name = "web.service"};
        ASSERT_EQ_INT(resolve_unit(set, &web, NULL, NULL, NULL, &r), 0);
        ASSERT_EQ_INT(r.n_matched, 2);
        ASSERT_STREQ(r.matched[1]->name, "other");
        expect(&r, PROP_MEMORY_MAX, LAYER_POLICY, "other", "2G");
        resolved_done(&r);

        /* No policy matches a slice: class normal, no floors, nothing set... */
        const UnitInfo slice = {.name = "system.slice"};
        ASSERT_EQ_INT(resolve_unit(set, &slice, NULL, NULL, NULL, &r), 0);
        ASSERT_EQ_INT(r.class, CLASS_NORMAL);
        ASSERT_EQ_INT(r.n_matched, 0);
        ASSERT_TRUE(r.matched == NULL);
        for (size_t i = 0; i < _PROP_MAX; i++) {
                ASSERT_EQ_INT(r.props[i].layer, LAYER_NONE);
                ASSERT_TRUE(!r.floor.has[i]);
        }
        resolved_done(&r);

        /* ...but overrides still apply without any policy set at all. */
        PropSet runtime = {};
        put(&runtime, PROP_MEMORY_HIGH, "2G");
        ASSERT_EQ_INT(resolve_unit(NULL, &slice, NULL, &runtime, NULL, &r), 0);
        expect(&r, PROP_MEMORY_HIGH, LAYER_RUNTIME, NULL, "2G");
        ASSERT_EQ_INT(r.n_matched, 0);
        resolved_done(&r);
        resolved_done(&r); /* idempotent */
        prop_set_done(&runtime);

        Resolved untouched = {.n_matched = 42};
        ASSERT_EQ_INT(resolve_unit(set, NULL, NULL, NULL, NULL, &untouched), -EINVAL);
        ASSERT_EQ_INT(untouched.n_matched, 42);
}

/* Resolved values are copies: freeing the inputs keeps them valid. */
static void test_ownership(void) {
        PolicySet *set = load();
        PropSet rt = {};
        Resolved r;
        const UnitInfo db = {.name = "db.service"};

        put(&rt, PROP_ALLOWED_CPUS, "0");
        ASSERT_EQ_INT(resolve_unit(set, &db, NULL, &rt, NULL, &r), 0);
        prop_set_done(&rt);
        expect(&r, PROP_ALLOWED_CPUS, LAYER_RUNTIME, NULL, "0");
        ASSERT_TRUE(r.floor.has[PROP_MEMORY_HIGH]);
        resolved_done(&r);
        policy_set_free(set);
}

static void test_layer_names(void) {
        static const char *const want[] = {"none", "policy", "persistent", "runtime", "pressure", "hierarchy"};
        for (int l = 0; l < _LAYER_MAX; l++)
                ASSERT_STREQ(layer_to_string(l), want[l]);
        ASSERT_TRUE(layer_to_string(_LAYER_MAX) == NULL);
        ASSERT_TRUE(layer_to_string(-1) == NULL);
}

/* A slice's protection is raised to what its units claim, never lowered, and
 * not when its own (unmanaged) or configured value already covers it. */
static void test_cover_children(void) {
        Resolved r = {};
        PropValue v = {.u = 100};

        ASSERT_EQ_INT(resolve_cover_children(&r, PROP_MEMORY_LOW, 512, 0), 1);
        ASSERT_EQ_INT(r.props[PROP_MEMORY_LOW].layer, LAYER_HIERARCHY);
        ASSERT_EQ_U64(r.props[PROP_MEMORY_LOW].value.u, 512);
        ASSERT_EQ_INT(resolve_cover_children(&r, PROP_MEMORY_LOW, 256, 0), 0); /* never lowers */
        ASSERT_EQ_U64(r.props[PROP_MEMORY_LOW].value.u, 512);
        ASSERT_EQ_INT(resolve_cover_children(&r, PROP_MEMORY_MIN, 64, 1000), 0); /* its own 1000 covers it */
        ASSERT_EQ_INT(r.props[PROP_MEMORY_MIN].layer, LAYER_NONE);
        ASSERT_EQ_INT(resolve_cover_children(&r, PROP_MEMORY_MIN, 0, 0), 0);
        ASSERT_EQ_INT(resolve_cover_children(&r, PROP_MEMORY_HIGH, 64, 0), -EINVAL);
        ASSERT_EQ_INT(resolve_cover_children(NULL, PROP_MEMORY_LOW, 64, 0), -EINVAL);
        resolved_done(&r);

        /* a policy's value above the claim stays; below it, the claim wins */
        r = (Resolved){};
        r.props[PROP_MEMORY_LOW] = (ResolvedProp){.layer = LAYER_POLICY, .source = "p", .value = v};
        ASSERT_EQ_INT(resolve_cover_children(&r, PROP_MEMORY_LOW, 50, 0), 0);
        ASSERT_EQ_INT(r.props[PROP_MEMORY_LOW].layer, LAYER_POLICY);
        ASSERT_EQ_INT(resolve_cover_children(&r, PROP_MEMORY_LOW, 150, 0), 1);
        ASSERT_EQ_INT(r.props[PROP_MEMORY_LOW].layer, LAYER_HIERARCHY);
        ASSERT_TRUE(r.props[PROP_MEMORY_LOW].source == NULL);
        resolved_done(&r);
}

/* As systemd's set-property: an override's device entries add to or update the
 * list below them (here a policy's), an empty one clears it; set-property's
 * assignments add to the override layer the same way (prop_set_assign()). */
static void test_device_assignments(void) {
        static const char json[] = "{\"policies\": [{\"name\": \"io\", \"match\": {\"unit\": \"db.service\"},"
                                   " \"properties\": {\"IOReadBandwidthMax\": [\"/dev/sda 10M\", \"/dev/sdb 20M\"],"
                                   " \"CPUWeight\": 50}}]}";
        PolicySet *set = NULL;
        Diags d = {};
        const UnitInfo db = {.name = "db.service"};
        PropSet layer = {}, call = {};
        Resolved r;

        ASSERT_EQ_INT(policy_set_parse_string(json, "io.json", &ctx, &set, &d), 0);

        /* set-property IOReadBandwidthMax="/dev/sdb 5M", then ="/dev/sdc 1M" */
        put(&call, PROP_IO_READ_BANDWIDTH_MAX, "/dev/sdb 5M");
        put(&call, PROP_CPU_WEIGHT, "300");
        ASSERT_EQ_INT(prop_set_assign(&layer, &call, NULL), 0);
        prop_set_done(&call);
        put(&call, PROP_IO_READ_BANDWIDTH_MAX, "/dev/sdc 1M");
        put(&call, PROP_CPU_WEIGHT, "400");
        ASSERT_EQ_INT(prop_set_assign(&layer, &call, NULL), 0);
        prop_set_done(&call);
        expect_layer(&layer, PROP_IO_READ_BANDWIDTH_MAX, "/dev/sdb 5M; /dev/sdc 1M");
        expect_layer(&layer, PROP_CPU_WEIGHT, "400"); /* others are replaced */

        ASSERT_EQ_INT(resolve_unit(set, &db, &layer, NULL, NULL, &r), 0);
        expect(&r, PROP_IO_READ_BANDWIDTH_MAX, LAYER_PERSISTENT, NULL, "/dev/sda 10M; /dev/sdb 5M; /dev/sdc 1M");
        expect(&r, PROP_CPU_WEIGHT, LAYER_PERSISTENT, NULL, "400");
        resolved_done(&r);

        /* a call that cleared the list first replaces it (replace[]) */
        bool replace[_PROP_MAX] = {[PROP_IO_READ_BANDWIDTH_MAX] = true};
        put(&call, PROP_IO_READ_BANDWIDTH_MAX, "/dev/sdd 2M");
        ASSERT_EQ_INT(prop_set_assign(&layer, &call, replace), 0);
        prop_set_done(&call);
        expect_layer(&layer, PROP_IO_READ_BANDWIDTH_MAX, "/dev/sdd 2M");

        /* an empty assignment clears the layer's list and the policy's below it */
        put(&call, PROP_IO_READ_BANDWIDTH_MAX, "");
        ASSERT_EQ_INT(prop_set_assign(&layer, &call, NULL), 0);
        prop_set_done(&call);
        ASSERT_EQ_INT(resolve_unit(set, &db, &layer, NULL, NULL, &r), 0);
        expect(&r, PROP_IO_READ_BANDWIDTH_MAX, LAYER_PERSISTENT, NULL, "");
        resolved_done(&r);

        /* a runtime entry adds to persistent + policy */
        PropSet rt = {};
        prop_set_done(&layer);
        put(&layer, PROP_IO_READ_BANDWIDTH_MAX, "/dev/sda 1M");
        put(&rt, PROP_IO_READ_BANDWIDTH_MAX, "/dev/sde 3M");
        ASSERT_EQ_INT(resolve_unit(set, &db, &layer, &rt, NULL, &r), 0);
        expect(&r, PROP_IO_READ_BANDWIDTH_MAX, LAYER_RUNTIME, NULL, "/dev/sdb 20M; /dev/sda 1M; /dev/sde 3M");
        resolved_done(&r);
        prop_set_done(&rt);
        prop_set_done(&layer);
        policy_set_free(set);
        diags_done(&d);
}

int main(void) {
        test_device_assignments();
        test_cover_children();
        test_layers_table();
        test_class_and_no_match();
        test_ownership();
        test_layer_names();
        return 0;
}
