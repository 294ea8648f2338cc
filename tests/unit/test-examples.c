/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The shipped examples load and mean what their names promise, and the JSON
 * Schema for editors agrees with the loader: every table property is in it, and
 * every key it allows is one the loader accepts. */

#define _GNU_SOURCE 1
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>

#include "resolve.h"
#include "tests.h"

#define EXAMPLES PROJECT_SOURCE_ROOT "/policies"
#define SCHEMA_NAME "cgpolicyd.schema.json"

static const ParseContext ctx = {.ram_bytes = 32ULL << 30, .tasks_limit = 4194304};

static void print_diags(const Diags *d) {
        for (size_t i = 0; i < d->n; i++) {
                _cleanup_free_ char *s = diag_format(&d->items[i]);
                fprintf(stderr, "%s\n", s);
        }
}

static int name_cmp(const void *a, const void *b) {
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every policies/NAME.json, merged in lexical order. */
static PolicySet *load_examples(size_t *ret_n_files) {
        PolicySet *all = NULL;
        Diags d = {};
        char *names[64];
        size_t n = 0;

        DIR *dir = opendir(EXAMPLES);
        ASSERT_TRUE(dir != NULL);
        struct dirent *de;
        while ((de = readdir(dir))) {
                size_t l = strlen(de->d_name);
                if (l < 6 || !streq(de->d_name + l - 5, ".json"))
                        continue;
                ASSERT_TRUE(n < ELEMENTSOF(names));
                names[n++] = strdup(de->d_name);
        }
        closedir(dir);
        qsort(names, n, sizeof(char *), name_cmp);

        ASSERT_EQ_INT(policy_set_new(&all), 0);
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *path = NULL;
                PolicySet *one = NULL;
                ASSERT_TRUE(asprintf(&path, "%s/%s", EXAMPLES, names[i]) > 0);
                int r = policy_set_parse_file(path, &ctx, &one, &d);
                print_diags(&d);
                ASSERT_EQ_INT(r, 0);
                ASSERT_EQ_INT(d.n, 0);
                ASSERT_TRUE(one->n_policies > 0);
                ASSERT_EQ_INT(policy_set_merge(all, one, &d), 0); /* no name clashes between examples */
                policy_set_free(one);
                free(names[i]);
        }
        *ret_n_files = n;
        return all;
}

static void expect_value(const Resolved *r, PropertyId id, const char *policy, const char *text) {
        const Property *p = property_get(id);
        PropValue want = {};
        if (r->props[id].layer != LAYER_POLICY || !streq_ptr(r->props[id].source, policy))
                fprintf(stderr, "%s: expected from policy %s\n", p->name, policy);
        ASSERT_EQ_INT(r->props[id].layer, LAYER_POLICY);
        ASSERT_STREQ(r->props[id].source, policy);
        ASSERT_EQ_INT(prop_value_parse(p, text, &ctx, &want, NULL), 0);
        ASSERT_TRUE(prop_value_equal(p, &r->props[id].value, &want));
        prop_value_done(&want);
}

static void test_examples(void) {
        size_t n_files;
        _cleanup_(policy_set_freep) PolicySet *s = load_examples(&n_files);
        Resolved r;

        ASSERT_TRUE(n_files >= 2);

        /* Database beats batch. */
        static const char *const dbs[] = {"postgresql.service", "postgresql@15-main.service",
                                          "mariadb.service", "db.service"};
        for (size_t i = 0; i < ELEMENTSOF(dbs); i++) {
                const UnitInfo u = {.name = dbs[i], .slice = "system.slice"};
                ASSERT_EQ_INT(resolve_unit(s, &u, NULL, NULL, NULL, &r), 0);
                ASSERT_EQ_INT(r.class, CLASS_PROTECTED);
                expect_value(&r, PROP_CPU_WEIGHT, "database", "800");
                expect_value(&r, PROP_IO_WEIGHT, "database", "800");
                expect_value(&r, PROP_MEMORY_LOW, "database", "8G");
                expect_value(&r, PROP_OOM_SCORE_ADJUST, "database", "-900");
                ASSERT_EQ_INT(r.matched[r.n_matched - 1]->priority, 100);
                resolved_done(&r);
        }
        const UnitInfo batch = {.name = "batch-nightly.service", .slice = "system.slice", .user = "batch"};
        ASSERT_EQ_INT(resolve_unit(s, &batch, NULL, NULL, NULL, &r), 0);
        ASSERT_EQ_INT(r.class, CLASS_SHEDDABLE);
        expect_value(&r, PROP_CPU_WEIGHT, "batch", "20");
        expect_value(&r, PROP_IO_WEIGHT, "batch", "20");
        expect_value(&r, PROP_MEMORY_MAX, "batch", "1G");
        ASSERT_TRUE(r.floor.has[PROP_MEMORY_HIGH]);
        ASSERT_EQ_U64(r.floor.v[PROP_MEMORY_HIGH].u, 256ULL << 20);
        resolved_done(&r);
        ASSERT_TRUE(s->pressure[RES_MEMORY].enabled);
        ASSERT_EQ_INT(s->pressure[RES_MEMORY].mode, PRESSURE_THROTTLE);

        /* Neither matches an unrelated service. */
        const UnitInfo other = {.name = "nginx.service", .slice = "system.slice"};
        ASSERT_EQ_INT(resolve_unit(s, &other, NULL, NULL, NULL, &r), 0);
        ASSERT_EQ_INT(r.n_matched, 0);
        resolved_done(&r);

        /* Critical isolation: pinned to CPU 1 and node 1; system.slice capped. */
        const UnitInfo crit = {.name = "critical.service", .slice = "system.slice"};
        ASSERT_EQ_INT(resolve_unit(s, &crit, NULL, NULL, NULL, &r), 0);
        ASSERT_EQ_INT(r.class, CLASS_PROTECTED);
        expect_value(&r, PROP_ALLOWED_CPUS, "critical", "1");
        expect_value(&r, PROP_ALLOWED_MEMORY_NODES, "critical", "1");
        resolved_done(&r);
        const UnitInfo sys = {.name = "system.slice", .slice = "-.slice"};
        ASSERT_EQ_INT(resolve_unit(s, &sys, NULL, NULL, NULL, &r), 0);
        expect_value(&r, PROP_MEMORY_HIGH, "system-slice-cap", "1G");
        resolved_done(&r);
}

static json_t *load_schema(void) {
        json_error_t e;
        json_t *j = json_load_file(EXAMPLES "/schema/" SCHEMA_NAME, JSON_REJECT_DUPLICATES, &e);
        if (!j)
                fprintf(stderr, "%s:%d:%d: %s\n", SCHEMA_NAME, e.line, e.column, e.text);
        ASSERT_TRUE(j != NULL);
        ASSERT_STREQ(json_string_value(json_object_get(j, "$schema")),
                     "https://json-schema.org/draft/2020-12/schema");
        return j;
}

static json_t *schema_props(json_t *schema, const char *def) {
        json_t *o = json_object_get(json_object_get(json_object_get(schema, "$defs"), def), "properties");
        if (!o)
                fprintf(stderr, "schema has no $defs.%s.properties\n", def);
        ASSERT_TRUE(json_is_object(o));
        return o;
}

/* Parses doc and says whether any diagnostic contains needle. */
static bool diag_mentions(const char *doc, const char *needle) {
        PolicySet *s = NULL;
        Diags d = {};
        bool found = false;
        (void)policy_set_parse_string(doc, "probe.json", &ctx, &s, &d);
        for (size_t i = 0; i < d.n; i++)
                found = found || strstr(d.items[i].message, needle);
        policy_set_free(s);
        diags_done(&d);
        return found;
}

static void test_schema(void) {
        json_t *schema = load_schema();
        json_t *props = schema_props(schema, "properties");

        /* Table ⇔ schema, both ways. */
        for (size_t i = 0; i < _PROP_MAX; i++) {
                const Property *p = property_get((PropertyId)i);
                if (!json_object_get(props, p->name))
                        fprintf(stderr, "schema lacks property %s\n", p->name);
                ASSERT_TRUE(json_object_get(props, p->name) != NULL);
        }
        ASSERT_EQ_INT(json_object_size(props), _PROP_MAX);

        /* Keys the schema allows are keys the loader knows. */
        const char *key;
        json_t *v;
        json_object_foreach(schema_props(schema, "policy"), key, v) {
                _cleanup_free_ char *doc = NULL;
                ASSERT_TRUE(asprintf(&doc,
                                     "{\"policies\": [{\"name\": \"p\", \"match\": {\"unit\": \"x\"}, "
                                     "\"%s\": 0}]}",
                                     key) > 0);
                ASSERT_TRUE(!diag_mentions(doc, "unknown policy key"));
        }
        json_object_foreach(schema_props(schema, "pressureConfig"), key, v) {
                _cleanup_free_ char *doc = NULL;
                ASSERT_TRUE(asprintf(&doc, "{\"pressure\": {\"memory\": {\"%s\": 0}}}", key) > 0);
                ASSERT_TRUE(!diag_mentions(doc, "unknown pressure key"));
        }
        json_t *match = json_object_get(schema_props(schema, "policy"), "match");
        json_object_foreach(json_object_get(match, "properties"), key, v) {
                _cleanup_free_ char *doc = NULL;
                ASSERT_TRUE(asprintf(&doc, "{\"policies\": [{\"name\": \"p\", \"match\": {\"%s\": \"x\"}}]}",
                                     key) > 0);
                ASSERT_TRUE(!diag_mentions(doc, "unknown match key"));
                ASSERT_TRUE(!diag_mentions(doc, "must have at least one"));
        }

        /* The floor names in the schema are exactly the ones the loader allows. */
        json_t *floor = json_object_get(
                json_object_get(json_object_get(schema_props(schema, "policy"), "pressure"), "properties"),
                "floor");
        json_t *floor_props = json_object_get(floor, "properties");
        ASSERT_TRUE(json_is_object(floor_props));
        for (size_t i = 0; i < _PROP_MAX; i++) {
                const Property *p = property_get((PropertyId)i);
                _cleanup_free_ char *doc = NULL;
                ASSERT_TRUE(asprintf(&doc,
                                     "{\"policies\": [{\"name\": \"p\", \"match\": {\"unit\": \"x\"},"
                                     " \"pressure\": {\"floor\": {\"%s\": \"100\"}}}]}",
                                     p->name) > 0);
                bool loader_refuses = diag_mentions(doc, "cannot be a pressure floor");
                bool schema_has = json_object_get(floor_props, p->name) != NULL;
                if (loader_refuses == schema_has)
                        fprintf(stderr, "floor %s: loader and schema disagree\n", p->name);
                ASSERT_TRUE(loader_refuses != schema_has);
        }
        json_decref(schema);
}

int main(void) {
        test_examples();
        test_schema();
        return 0;
}
