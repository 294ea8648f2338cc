/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgpolicyctl check FILE|DIR... [--explain UNIT [--user U] [--exe PATH] [--slice S]] [--json]
 *
 * Validates policy files without a daemon: every problem is printed as
 * "file:line:column: message"; exit 0 when everything is valid, 1 otherwise.
 * FILE arguments are merged in the order given; all DIR arguments together are
 * loaded like the daemon loads its directories (earlier directory wins on the
 * same file name), at the position of the first DIR. --explain shows which
 * policies match a unit and the values they resolve to. */

#define _GNU_SOURCE 1
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <sys/stat.h>

#include "macro.h"
#include "parse-context.h"
#include "policy.h"
#include "resolve.h"
#include "verbs.h"

typedef enum CheckJson { CHECK_JSON_OFF, CHECK_JSON_SHORT, CHECK_JSON_PRETTY } CheckJson;

typedef struct Args {
        const char *explain, *user, *exe, *slice;
        CheckJson json; /* as the other verbs: bare --json is "short" (one line) */
        bool legend;
} Args;

static void help(void) {
        printf("cgpolicyctl check [OPTIONS...] FILE|DIR...\n\n"
               "Validate policy files without the daemon.\n\n"
               "  -h --help            Show this help\n"
               "     --explain=UNIT    Show the policies matching UNIT and the resolved values\n"
               "     --user=USER       User= of UNIT, for matching (with --explain)\n"
               "     --exe=PATH        Main executable of UNIT, for matching (with --explain)\n"
               "     --slice=SLICE     Slice of UNIT, for matching (default: system.slice)\n"
               "     --json[=MODE]     Print the result as JSON on standard output\n"
               "                       (short: one line, the default; pretty; off)\n"
               "     --no-legend       Do not print the table headers\n"
               "     --no-pager        Accepted for symmetry; check never pages\n");
}

static int parse_args(int argc, char *argv[], Args *a) {
        enum { ARG_EXPLAIN = 0x100, ARG_USER, ARG_EXE, ARG_SLICE, ARG_JSON, ARG_NO_LEGEND, ARG_NO_PAGER };
        static const struct option options[] = {
                {"help", no_argument, NULL, 'h'},
                {"explain", required_argument, NULL, ARG_EXPLAIN},
                {"user", required_argument, NULL, ARG_USER},
                {"exe", required_argument, NULL, ARG_EXE},
                {"slice", required_argument, NULL, ARG_SLICE},
                {"json", optional_argument, NULL, ARG_JSON},
                {"no-legend", no_argument, NULL, ARG_NO_LEGEND},
                {"no-pager", no_argument, NULL, ARG_NO_PAGER},
                {},
        };
        int c;

        optind = 0; /* glibc: start over, whatever parsed argv before us */
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_EXPLAIN:
                        a->explain = optarg;
                        break;
                case ARG_USER:
                        a->user = optarg;
                        break;
                case ARG_EXE:
                        a->exe = optarg;
                        break;
                case ARG_SLICE:
                        a->slice = optarg;
                        break;
                case ARG_JSON:
                        if (!optarg || streq(optarg, "short"))
                                a->json = CHECK_JSON_SHORT;
                        else if (streq(optarg, "pretty"))
                                a->json = CHECK_JSON_PRETTY;
                        else if (streq(optarg, "off"))
                                a->json = CHECK_JSON_OFF;
                        else {
                                fprintf(stderr,
                                        "Unknown --json= mode \"%s\": expected short, pretty or off.\n",
                                        optarg);
                                return -EINVAL;
                        }
                        break;
                case ARG_NO_LEGEND:
                        a->legend = false;
                        break;
                case ARG_NO_PAGER:
                        break;
                default:
                        return -EINVAL; /* getopt printed why */
                }

        if (!a->explain && (a->user || a->exe || a->slice)) {
                fprintf(stderr, "--user, --exe and --slice only make sense with --explain.\n");
                return -EINVAL;
        }
        if (a->explain && !a->explain[0]) {
                fprintf(stderr, "--explain needs a unit name.\n");
                return -EINVAL;
        }
        if (optind >= argc) {
                fprintf(stderr, "check: at least one policy FILE or DIR is required.\n");
                return -EINVAL;
        }
        return 1;
}

/* The slice a unit sits in when none is given: a slice's parent slice, else system.slice. */
static char *default_slice(const char *unit) {
        size_t l = strlen(unit);
        if (l > 6 && streq(unit + l - 6, ".slice")) {
                if (streq(unit, "-.slice"))
                        return NULL;
                const char *dash = NULL;
                for (const char *c = unit; c < unit + l - 6; c++)
                        if (*c == '-')
                                dash = c;
                if (!dash)
                        return strdup("-.slice");
                char *s = NULL;
                return asprintf(&s, "%.*s.slice", (int)(dash - unit), unit) < 0 ? NULL : s;
        }
        return strdup("system.slice");
}

static int load_all(char **paths, size_t n, const ParseContext *ctx, PolicySet **ret, Diags *diags) {
        _cleanup_(policy_set_freep) PolicySet *set = NULL;
        _cleanup_free_ const char **dirs = calloc(n + 1, sizeof(char *));
        size_t n_dirs = 0;
        bool failed = false;
        int r;

        if (!dirs)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                struct stat st;
                if (stat(paths[i], &st) >= 0 && S_ISDIR(st.st_mode))
                        dirs[n_dirs++] = paths[i];
        }

        r = policy_set_new(&set);
        if (r < 0)
                return r;

        bool dirs_done = false;
        for (size_t i = 0; i < n; i++) {
                _cleanup_(policy_set_freep) PolicySet *one = NULL;
                bool is_dir = false;
                for (size_t j = 0; j < n_dirs; j++)
                        is_dir = is_dir || dirs[j] == paths[i];

                if (is_dir) {
                        if (dirs_done)
                                continue;
                        dirs_done = true;
                        r = policy_set_load_dirs(dirs, ctx, &one, diags);
                } else
                        r = policy_set_parse_file(paths[i], ctx, &one, diags);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        failed = true;
                        continue;
                }
                r = policy_set_merge(set, one, diags);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        failed = true;
        }
        if (failed)
                return -EINVAL;
        *ret = TAKE_PTR(set);
        return 0;
}

static char *value_text(PropertyId id, const PropValue *v) {
        char *s = NULL;
        if (v->reset)
                return strdup("(reset)");
        if (prop_value_format(property_get(id), v, &s) < 0)
                return strdup("?");
        return s ?: strdup("");
}

static const char *policy_class_text(const Policy *p) {
        return p->has_class ? policy_class_to_string(p->class) : "-";
}

/* Rows of cells, printed with every column but the last padded to its widest cell. */
static void print_table(char *const *cells, size_t n_rows, size_t n_cols, bool legend) {
        size_t w[8] = {};
        size_t first = legend ? 0 : 1; /* row 0 is the header */
        for (size_t r = first; r < n_rows; r++)
                for (size_t c = 0; c < n_cols && c < ELEMENTSOF(w); c++) {
                        size_t l = strlen(cells[r * n_cols + c]);
                        if (l > w[c])
                                w[c] = l;
                }
        for (size_t r = first; r < n_rows; r++) {
                for (size_t c = 0; c < n_cols; c++) {
                        const char *s = cells[r * n_cols + c];
                        if (c + 1 < n_cols)
                                printf("%-*s ", (int)w[c], s);
                        else
                                printf("%s\n", s);
                }
        }
}

static void free_cells(char **cells, size_t n) {
        for (size_t i = 0; i < n; i++)
                free(cells[i]);
        free(cells);
}

static int explain_text(const UnitInfo *u, const Resolved *r, bool legend) {
        printf("Unit:  %s\nSlice: %s\n", u->name, strna(u->slice));
        if (u->user)
                printf("User:  %s\n", u->user);
        if (u->exe)
                printf("Exe:   %s\n", u->exe);
        printf("Class: %s\n\n", policy_class_to_string(r->class));

        if (r->n_matched == 0) {
                printf("No policy matches %s.\n", u->name);
                return 0;
        }

        size_t cols = 4, rows = r->n_matched + 1;
        char **cells = calloc(rows * cols, sizeof(char *));
        if (!cells)
                return -ENOMEM;
        cells[0] = strdup("POLICY");
        cells[1] = strdup("PRIORITY");
        cells[2] = strdup("CLASS");
        cells[3] = strdup("FILE");
        for (size_t i = 0; i < r->n_matched; i++) {
                const Policy *p = r->matched[i];
                char **row = cells + (i + 1) * cols;
                row[0] = strdup(p->name);
                if (asprintf(&row[1], "%" PRIi64, p->priority) < 0)
                        row[1] = NULL;
                row[2] = strdup(policy_class_text(p));
                if (asprintf(&row[3], "%s:%u", strna(p->file), p->line) < 0)
                        row[3] = NULL;
        }
        for (size_t i = 0; i < rows * cols; i++)
                if (!cells[i]) {
                        free_cells(cells, rows * cols);
                        return -ENOMEM;
                }
        print_table(cells, rows, cols, legend);
        free_cells(cells, rows * cols);
        printf("\n");

        size_t n_set = 0;
        for (size_t i = 0; i < _PROP_MAX; i++)
                n_set += r->props[i].layer != LAYER_NONE;
        if (n_set == 0)
                printf("No matching policy sets a property.\n");
        else {
                rows = n_set + 1;
                cells = calloc(rows * cols, sizeof(char *));
                if (!cells)
                        return -ENOMEM;
                cells[0] = strdup("PROPERTY");
                cells[1] = strdup("VALUE");
                cells[2] = strdup("LAYER");
                cells[3] = strdup("SOURCE");
                size_t k = 1;
                for (size_t i = 0; i < _PROP_MAX; i++) {
                        const ResolvedProp *rp = &r->props[i];
                        if (rp->layer == LAYER_NONE)
                                continue;
                        char **row = cells + k++ * cols;
                        row[0] = strdup(property_get((PropertyId)i)->name);
                        row[1] = value_text((PropertyId)i, &rp->value);
                        row[2] = strdup(layer_to_string(rp->layer));
                        row[3] = strdup(rp->source ?: "-");
                }
                for (size_t i = 0; i < rows * cols; i++)
                        if (!cells[i]) {
                                free_cells(cells, rows * cols);
                                return -ENOMEM;
                        }
                print_table(cells, rows, cols, legend);
                free_cells(cells, rows * cols);
        }

        bool any_floor = false;
        for (size_t i = 0; i < _PROP_MAX; i++) {
                if (!r->floor.has[i])
                        continue;
                _cleanup_free_ char *v = value_text((PropertyId)i, &r->floor.v[i]);
                printf("%s%s=%s", any_floor ? " " : "\nPressure floor: ", property_get((PropertyId)i)->name,
                       strna(v));
                any_floor = true;
        }
        if (any_floor)
                printf("\n");
        return 0;
}

static json_t *explain_json(const UnitInfo *u, const Resolved *r) {
        json_t *o = json_object(), *m = json_array(), *props = json_array(), *floor = json_object();
        if (!o || !m || !props || !floor) {
                json_decref(o);
                json_decref(m);
                json_decref(props);
                json_decref(floor);
                return NULL;
        }
        json_object_set_new(o, "Unit", json_string(u->name));
        json_object_set_new(o, "Slice", u->slice ? json_string(u->slice) : json_null());
        json_object_set_new(o, "User", u->user ? json_string(u->user) : json_null());
        json_object_set_new(o, "Exe", u->exe ? json_string(u->exe) : json_null());
        json_object_set_new(o, "Class", json_string(policy_class_to_string(r->class)));
        for (size_t i = 0; i < r->n_matched; i++) {
                const Policy *p = r->matched[i];
                json_array_append_new(m, json_pack("{s:s, s:I, s:s, s:s, s:i}", "Name", p->name, "Priority",
                                                   (json_int_t)p->priority, "Class", policy_class_text(p),
                                                   "File", strna(p->file), "Line", (int)p->line));
        }
        for (size_t i = 0; i < _PROP_MAX; i++) {
                const ResolvedProp *rp = &r->props[i];
                if (rp->layer == LAYER_NONE)
                        continue;
                _cleanup_free_ char *v = NULL;
                if (!rp->value.reset)
                        (void)prop_value_format(property_get((PropertyId)i), &rp->value, &v);
                json_array_append_new(props, json_pack("{s:s, s:s, s:b, s:s, s:o}", "Property",
                                                       property_get((PropertyId)i)->name, "Value", v ?: "",
                                                       "Reset", (int)rp->value.reset, "Layer",
                                                       layer_to_string(rp->layer), "Source",
                                                       rp->source ? json_string(rp->source) : json_null()));
        }
        for (size_t i = 0; i < _PROP_MAX; i++) {
                if (!r->floor.has[i])
                        continue;
                _cleanup_free_ char *v = NULL;
                (void)prop_value_format(property_get((PropertyId)i), &r->floor.v[i], &v);
                json_object_set_new(floor, property_get((PropertyId)i)->name, json_string(v ?: ""));
        }
        json_object_set_new(o, "Policies", m);
        json_object_set_new(o, "Properties", props);
        json_object_set_new(o, "Floor", floor);
        return o;
}

static void print_diags(const Diags *d) {
        for (size_t i = 0; i < d->n; i++) {
                _cleanup_free_ char *s = diag_format(&d->items[i]);
                fprintf(stderr, "%s\n", s ?: d->items[i].message);
        }
}

static json_t *diags_json(const Diags *d) {
        json_t *a = json_array();
        for (size_t i = 0; a && i < d->n; i++) {
                const Diag *x = &d->items[i];
                json_array_append_new(a, json_pack("{s:s, s:i, s:i, s:s}", "File", x->file ?: "", "Line",
                                                   (int)x->line, "Column", (int)x->column, "Message",
                                                   x->message ?: ""));
        }
        return a;
}

int verb_check(int argc, char *argv[]) {
        _cleanup_(policy_set_freep) PolicySet *set = NULL;
        _cleanup_free_ char *slice = NULL;
        Args a = {.legend = true};
        Diags diags = {};
        Resolved res = {};
        bool have_res = false;
        int r, ret = 1;

        r = parse_args(argc, argv, &a);
        if (r <= 0)
                return r == 0 ? 0 : 1;

        ParseContext ctx;

        parse_context_from_system(&ctx);
        r = load_all(argv + optind, (size_t)(argc - optind), &ctx, &set, &diags);
        if (r == -ENOMEM) {
                fprintf(stderr, "Out of memory.\n");
                goto finish;
        }
        bool valid = r >= 0;

        UnitInfo unit = {};
        if (valid && a.explain) {
                if (!a.slice) {
                        slice = default_slice(a.explain);
                        if (!slice && !streq(a.explain, "-.slice")) {
                                fprintf(stderr, "Out of memory.\n");
                                goto finish;
                        }
                }
                unit = (UnitInfo){
                        .name = a.explain, .slice = a.slice ?: slice, .user = a.user, .exe = a.exe};
                r = resolve_unit(set, &unit, NULL, NULL, NULL, &res);
                if (r < 0) {
                        fprintf(stderr, "Failed to resolve %s: %s\n", a.explain, strerror(-r));
                        goto finish;
                }
                have_res = true;
        }

        if (a.json) {
                json_t *o = json_object(), *files = json_array();
                if (!o || !files) {
                        json_decref(o);
                        json_decref(files);
                        fprintf(stderr, "Out of memory.\n");
                        goto finish;
                }
                for (char **f = set ? set->files : NULL; f && *f; f++)
                        json_array_append_new(files, json_string(*f));
                json_object_set_new(o, "Valid", json_boolean(valid));
                json_object_set_new(o, "Files", files);
                json_object_set_new(o, "Policies", json_integer(set ? (json_int_t)set->n_policies : 0));
                json_object_set_new(o, "Errors", diags_json(&diags));
                if (have_res)
                        json_object_set_new(o, "Explain", explain_json(&unit, &res));
                r = json_dumpf(o, stdout,
                               (a.json == CHECK_JSON_PRETTY ? JSON_INDENT(2) : JSON_COMPACT) |
                                       JSON_PRESERVE_ORDER);
                json_decref(o);
                printf("\n");
                if (r < 0) {
                        fprintf(stderr, "Failed to write JSON output.\n");
                        goto finish;
                }
        } else {
                print_diags(&diags);
                if (have_res && explain_text(&unit, &res, a.legend) < 0) {
                        fprintf(stderr, "Out of memory.\n");
                        goto finish;
                }
        }
        ret = valid ? 0 : 1;

finish:
        if (have_res)
                resolved_done(&res);
        diags_done(&diags);
        return ret;
}
