/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Policy files: JSON (jansson) to PolicySet, with "file:line:column" for every
 * error. jansson reports positions only for syntax errors, so for validation
 * errors we scan the (already valid) text once ourselves and index the position
 * of every key and value by its path, e.g. `policies[1].properties.MemoryHigh`. */

#define _GNU_SOURCE 1 /* asprintf */

#include <jansson.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <fcntl.h>

#include "policy.h"
#include "suggest.h"
#include "psi.h"
#include "value.h"

/* Policy files are small hand-written documents; refusing huge ones keeps a
 * stray multi-gigabyte file from exhausting the daemon's memory. */
#define POLICY_FILE_MAX (4U * 1024U * 1024U)
#define POLICY_NAME_MAX 255U
#define ERRORS_PER_FILE_MAX 50U
/* Deepest path we ever report at: policies[i].pressure.floor.Name[j]. */
#define POS_DEPTH_MAX 8U
/* jansson stops at 2048; the scanner only sees text jansson accepted. */
#define SCAN_DEPTH_MAX 4096U

/* ---- paths ------------------------------------------------------------------ */

static bool key_is_simple(const char *k) {
        if (!k[0])
                return false;
        for (const char *c = k; *c; c++)
                if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
                      *c == '_' || *c == '-'))
                        return false;
        return true;
}

/* Child path for an object member. Keys that are not identifier-like are
 * quoted, so `{"a.b": 1}` and `{"a": {"b": 1}}` never share a path. */
static char *path_key(const char *parent, const char *key) {
        char *s = NULL;
        int r;

        if (key_is_simple(key))
                r = asprintf(&s, "%s%s%s", parent, parent[0] ? "." : "", key);
        else {
                size_t l = strlen(key);
                _cleanup_free_ char *q = malloc(l * 2 + 1);
                if (!q)
                        return NULL;
                char *o = q;
                for (const char *c = key; *c; c++) {
                        if (*c == '"' || *c == '\\')
                                *o++ = '\\';
                        *o++ = *c;
                }
                *o = 0;
                r = asprintf(&s, "%s[\"%s\"]", parent, q);
        }
        return r < 0 ? NULL : s;
}

static char *path_index(const char *parent, size_t i) {
        char *s = NULL;
        return asprintf(&s, "%s[%zu]", parent, i) < 0 ? NULL : s;
}

/* ---- position index ---------------------------------------------------------- */

typedef struct PosEntry {
        char *path;
        unsigned key_line, key_column; /* 0 for array elements and the root */
        unsigned line, column;         /* the value */
} PosEntry;

typedef struct PosIndex {
        PosEntry *e;
        size_t n, cap;
} PosIndex;

static void pos_index_done(PosIndex *x) {
        for (size_t i = 0; i < x->n; i++)
                free(x->e[i].path);
        free(x->e);
        *x = (PosIndex){};
}

typedef struct Scanner {
        const char *s;
        size_t len, i;
        unsigned line, column; /* of s[i]; columns count characters, as jansson does */
        PosIndex *idx;
        char **wanted; /* sorted; only these paths are recorded, so memory stays small */
        size_t n_wanted;
} Scanner;

static int sc_peek(const Scanner *sc) {
        return sc->i < sc->len ? (unsigned char)sc->s[sc->i] : -1;
}

static void sc_advance(Scanner *sc) {
        if (sc->i >= sc->len)
                return;
        unsigned char c = sc->s[sc->i++];
        if (c == '\n') {
                sc->line++;
                sc->column = 1;
        } else if ((c & 0xC0) != 0x80) /* UTF-8 continuation bytes share their character's column */
                sc->column++;
}

static void sc_ws(Scanner *sc) {
        for (;;) {
                int c = sc_peek(sc);
                if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
                        return;
                sc_advance(sc);
        }
}

static int hexval(int c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

static int sc_hex4(Scanner *sc, unsigned *ret) {
        unsigned v = 0;
        for (int k = 0; k < 4; k++) {
                int h = hexval(sc_peek(sc));
                if (h < 0)
                        return -EINVAL;
                v = v * 16 + (unsigned)h;
                sc_advance(sc);
        }
        *ret = v;
        return 0;
}

static void utf8_put(char **o, unsigned cp) {
        unsigned char *p = (unsigned char *)*o;
        if (cp < 0x80)
                *p++ = cp;
        else if (cp < 0x800) {
                *p++ = 0xC0 | (cp >> 6);
                *p++ = 0x80 | (cp & 0x3F);
        } else if (cp < 0x10000) {
                *p++ = 0xE0 | (cp >> 12);
                *p++ = 0x80 | ((cp >> 6) & 0x3F);
                *p++ = 0x80 | (cp & 0x3F);
        } else {
                *p++ = 0xF0 | (cp >> 18);
                *p++ = 0x80 | ((cp >> 12) & 0x3F);
                *p++ = 0x80 | ((cp >> 6) & 0x3F);
                *p++ = 0x80 | (cp & 0x3F);
        }
        *o = (char *)p;
}

/* Reads a string token; with ret, decodes it the way jansson does so keys
 * compare equal to json_object_foreach's. */
static int sc_string(Scanner *sc, char **ret) {
        _cleanup_free_ char *buf = NULL;
        char *o = NULL;

        if (sc_peek(sc) != '"')
                return -EINVAL;
        sc_advance(sc);

        if (ret) {
                /* The decoded string is never longer than the rest of the text. */
                buf = malloc(sc->len - sc->i + 1);
                if (!buf)
                        return -ENOMEM;
                o = buf;
        }

        for (;;) {
                int c = sc_peek(sc);
                if (c < 0)
                        return -EINVAL;
                sc_advance(sc);
                if (c == '"')
                        break;
                if (c != '\\') {
                        if (o)
                                *o++ = (char)c;
                        continue;
                }
                int e = sc_peek(sc);
                if (e < 0)
                        return -EINVAL;
                sc_advance(sc);
                if (e == 'u') {
                        unsigned cp, lo;
                        if (sc_hex4(sc, &cp) < 0)
                                return -EINVAL;
                        if (cp >= 0xD800 && cp <= 0xDBFF && sc_peek(sc) == '\\') {
                                sc_advance(sc);
                                if (sc_peek(sc) != 'u')
                                        return -EINVAL;
                                sc_advance(sc);
                                if (sc_hex4(sc, &lo) < 0)
                                        return -EINVAL;
                                if (lo >= 0xDC00 && lo <= 0xDFFF)
                                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                        }
                        if (o)
                                utf8_put(&o, cp);
                        continue;
                }
                if (!o)
                        continue;
                switch (e) {
                case 'b':
                        *o++ = '\b';
                        break;
                case 'f':
                        *o++ = '\f';
                        break;
                case 'n':
                        *o++ = '\n';
                        break;
                case 'r':
                        *o++ = '\r';
                        break;
                case 't':
                        *o++ = '\t';
                        break;
                default:
                        *o++ = (char)e;
                        break; /* '"', '\\', '/' */
                }
        }
        if (ret) {
                *o = 0;
                *ret = TAKE_PTR(buf);
        }
        return 0;
}

static int pos_add(PosIndex *x, const char *path, unsigned kl, unsigned kc, unsigned l, unsigned c) {
        if (x->n == x->cap) {
                size_t cap = x->cap ? x->cap * 2 : 64;
                PosEntry *n = realloc(x->e, cap * sizeof(PosEntry));
                if (!n)
                        return -ENOMEM;
                x->e = n;
                x->cap = cap;
        }
        char *p = strdup(path);
        if (!p)
                return -ENOMEM;
        x->e[x->n++] = (PosEntry){.path = p, .key_line = kl, .key_column = kc, .line = l, .column = c};
        return 0;
}

static int str_cmp(const void *a, const void *b) {
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* path == NULL: below POS_DEPTH_MAX, skip without recording. */
static int sc_value(Scanner *sc, const char *path, unsigned depth, unsigned kl, unsigned kc) {
        int r;

        if (depth > SCAN_DEPTH_MAX)
                return -EINVAL;

        sc_ws(sc);
        if (path && sc->n_wanted > 0 && bsearch(&path, sc->wanted, sc->n_wanted, sizeof(char *), str_cmp)) {
                r = pos_add(sc->idx, path, kl, kc, sc->line, sc->column);
                if (r < 0)
                        return r;
        }
        bool record = path && depth < POS_DEPTH_MAX;

        int c = sc_peek(sc);
        if (c == '{') {
                sc_advance(sc);
                sc_ws(sc);
                if (sc_peek(sc) == '}') {
                        sc_advance(sc);
                        return 0;
                }
                for (;;) {
                        _cleanup_free_ char *key = NULL, *child = NULL;
                        sc_ws(sc);
                        unsigned l = sc->line, col = sc->column;
                        r = sc_string(sc, record ? &key : NULL);
                        if (r < 0)
                                return r;
                        sc_ws(sc);
                        if (sc_peek(sc) != ':')
                                return -EINVAL;
                        sc_advance(sc);
                        if (record) {
                                child = path_key(path, key);
                                if (!child)
                                        return -ENOMEM;
                        }
                        r = sc_value(sc, child, depth + 1, l, col);
                        if (r < 0)
                                return r;
                        sc_ws(sc);
                        c = sc_peek(sc);
                        sc_advance(sc);
                        if (c == '}')
                                return 0;
                        if (c != ',')
                                return -EINVAL;
                }
        }
        if (c == '[') {
                sc_advance(sc);
                sc_ws(sc);
                if (sc_peek(sc) == ']') {
                        sc_advance(sc);
                        return 0;
                }
                for (size_t i = 0;; i++) {
                        _cleanup_free_ char *child = NULL;
                        if (record) {
                                child = path_index(path, i);
                                if (!child)
                                        return -ENOMEM;
                        }
                        r = sc_value(sc, child, depth + 1, 0, 0);
                        if (r < 0)
                                return r;
                        sc_ws(sc);
                        c = sc_peek(sc);
                        sc_advance(sc);
                        if (c == ']')
                                return 0;
                        if (c != ',')
                                return -EINVAL;
                }
        }
        if (c == '"')
                return sc_string(sc, NULL);
        /* number, true, false, null */
        size_t start = sc->i;
        while ((c = sc_peek(sc)) >= 0 && !strchr(",]} \t\r\n", c))
                sc_advance(sc);
        return sc->i > start ? 0 : -EINVAL;
}

static int pos_cmp(const void *a, const void *b) {
        return strcmp(((const PosEntry *)a)->path, ((const PosEntry *)b)->path);
}

/* Scans the text once and records the positions of the wanted paths (sorted). */
static int pos_index_build(const char *text, char **wanted, size_t n_wanted, PosIndex *ret) {
        PosIndex x = {};
        Scanner sc = {.s = text,
                      .len = strlen(text),
                      .line = 1,
                      .column = 1,
                      .idx = &x,
                      .wanted = wanted,
                      .n_wanted = n_wanted};
        int r;

        r = sc_value(&sc, "", 0, 0, 0);
        if (r < 0) {
                pos_index_done(&x);
                return r;
        }
        if (x.n > 1)
                qsort(x.e, x.n, sizeof(PosEntry), pos_cmp);
        *ret = x;
        return 0;
}

static const PosEntry *pos_lookup(const PosIndex *x, const char *path) {
        PosEntry key = {.path = (char *)path};
        if (!x->e)
                return NULL;
        return bsearch(&key, x->e, x->n, sizeof(PosEntry), pos_cmp);
}

/* Line and column (characters, 1-based) of a byte offset. */
static void offset_to_pos(const char *text, size_t len, size_t off, unsigned *ret_line, unsigned *ret_col) {
        unsigned line = 1, col = 1;
        if (off > len)
                off = len;
        for (size_t i = 0; i < off; i++) {
                unsigned char c = text[i];
                if (c == '\n') {
                        line++;
                        col = 1;
                } else if ((c & 0xC0) != 0x80)
                        col++;
        }
        *ret_line = line;
        *ret_col = col;
}

/* ---- validation context ----------------------------------------------------- */

/* Validation errors wait here until the scan has found their positions. */
typedef struct Pending {
        char *path; /* NULL: no position */
        bool at_key;
        char *message;
} Pending;

typedef struct Ctx {
        const char *file;
        const char *text;
        PosIndex idx;
        Diags *diags;
        const ParseContext *pctx;
        Pending *pending;
        size_t n_pending;
        unsigned n_errors;
        bool oom;
} Ctx;

static void pending_add(Ctx *c, const char *path, bool at_key, char *message) {
        char *p = NULL;
        Pending *n = realloc(c->pending, (c->n_pending + 1) * sizeof(Pending));
        if (!n || (path && !(p = strdup(path)))) {
                if (n)
                        c->pending = n;
                free(message);
                c->oom = true;
                return;
        }
        c->pending = n;
        c->pending[c->n_pending++] = (Pending){.path = p, .at_key = at_key, .message = message};
}

static void pending_done(Ctx *c) {
        for (size_t i = 0; i < c->n_pending; i++) {
                free(c->pending[i].path);
                free(c->pending[i].message);
        }
        free(c->pending);
        c->pending = NULL;
        c->n_pending = 0;
}

/* Records a validation error at the key or value at `path`. */
_printf_(4, 5) static void err(Ctx *c, const char *path, bool at_key, const char *fmt, ...) {
        char *m = NULL;
        va_list ap;

        c->n_errors++;
        if (!c->diags || c->n_errors > ERRORS_PER_FILE_MAX + 1)
                return;
        if (c->n_errors == ERRORS_PER_FILE_MAX + 1) {
                m = strdup("too many errors, giving up on this file");
                if (!m)
                        c->oom = true;
                else
                        pending_add(c, NULL, false, m);
                return;
        }

        va_start(ap, fmt);
        int r = vasprintf(&m, fmt, ap);
        va_end(ap);
        if (r < 0) {
                c->oom = true;
                return;
        }
        pending_add(c, path, at_key, m);
}

static void pos_of(Ctx *c, const char *path, bool at_key, unsigned *ret_line, unsigned *ret_col) {
        const PosEntry *e = path ? pos_lookup(&c->idx, path) : NULL;
        if (!e) {
                *ret_line = *ret_col = 0;
        } else if (at_key && e->key_line > 0) {
                *ret_line = e->key_line;
                *ret_col = e->key_column;
        } else {
                *ret_line = e->line;
                *ret_col = e->column;
        }
}

static const char *json_type_name(const json_t *v) {
        switch (json_typeof(v)) {
        case JSON_OBJECT:
                return "an object";
        case JSON_ARRAY:
                return "an array";
        case JSON_STRING:
                return "a string";
        case JSON_INTEGER:
                return "an integer";
        case JSON_REAL:
                return "a real number";
        case JSON_TRUE:
        case JSON_FALSE:
                return "a boolean";
        case JSON_NULL:
                return "null";
        }
        return "unknown";
}

static void err_unknown_key(Ctx *c, const char *path, const char *what, const char *key,
                            const char *const *names, size_t n, const char *expected) {
        const char *s = suggest_name(key, names, n);
        if (s)
                err(c, path, true, "unknown %s \"%s\" (did you mean \"%s\"?)", what, key, s);
        else
                err(c, path, true, "unknown %s \"%s\" (expected %s)", what, key, expected);
}

/* ---- properties ------------------------------------------------------------------ */

static bool is_device_type(ValueType t) {
        return t == VT_DEVICE_WEIGHT || t == VT_DEVICE_BYTES || t == VT_DEVICE_IOPS ||
               t == VT_DEVICE_DURATION;
}

/* Folds src's devices into acc; a later entry for a device replaces an earlier one. */
static int merge_devices(PropValue *acc, PropValue *src) {
        for (size_t i = 0; i < src->n_devs; i++) {
                DeviceValue *d = &src->devs[i];
                bool replaced = false;
                for (size_t j = 0; j < acc->n_devs; j++)
                        if (streq_ptr(acc->devs[j].device, d->device)) {
                                acc->devs[j].value = d->value;
                                replaced = true;
                                break;
                        }
                if (replaced)
                        continue;
                DeviceValue *n = realloc(acc->devs, (acc->n_devs + 1) * sizeof(DeviceValue));
                if (!n)
                        return -ENOMEM;
                acc->devs = n;
                acc->devs[acc->n_devs++] = (DeviceValue){.device = d->device, .value = d->value};
                d->device = NULL;
        }
        return 0;
}

/* Turns one JSON value into the text prop_value_parse() takes and parses it.
 * Returns 0, -EINVAL after reporting, or -ENOMEM. */
static int parse_scalar(Ctx *c, const char *path, const Property *p, const char *key, json_t *v,
                        PropValue *ret) {
        char num[32];
        const char *text;

        if (json_is_integer(v) && !is_device_type(p->type)) {
                snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
                text = num;
        } else if (json_is_string(v))
                text = json_string_value(v);
        else {
                err(c, path, false, "\"%s\" must be %s, not %s", key,
                    is_device_type(p->type) ? "a string or an array of strings" : "an integer or a string",
                    json_type_name(v));
                return -EINVAL;
        }

        _cleanup_free_ char *e = NULL;
        PropValue pv = {};
        int r = prop_value_parse(p, text, c->pctx, &pv, &e);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                if (e)
                        err(c, path, false, "\"%s\": %s", key, e);
                else
                        err(c, path, false, "\"%s\": invalid value \"%s\"", key, text);
                return -EINVAL;
        }
        *ret = pv;
        return 0;
}

static int parse_prop_value(Ctx *c, const char *path, const Property *p, const char *key, json_t *v,
                            PropValue *ret) {
        int r;

        if (!json_is_array(v) || !is_device_type(p->type))
                return parse_scalar(c, path, p, key, v, ret);

        /* Device lists: one "DEVICE VALUE" per element; [] resets. */
        PropValue acc = {};
        size_t i;
        json_t *el;
        bool bad = false;

        if (json_array_size(v) == 0) {
                acc.reset = true;
                *ret = acc;
                return 0;
        }
        json_array_foreach(v, i, el) {
                _cleanup_free_ char *ep = path_index(path, i);
                if (!ep) {
                        prop_value_done(&acc);
                        return -ENOMEM;
                }
                if (json_is_string(el) && json_string_value(el)[0] == 0) {
                        err(c, ep, false, "\"%s\": empty entry in device list (use [] to reset)", key);
                        bad = true;
                        continue;
                }
                if (!json_is_string(el)) {
                        err(c, ep, false, "\"%s\" entries must be strings (\"DEVICE VALUE\"), not %s", key,
                            json_type_name(el));
                        bad = true;
                        continue;
                }
                PropValue one = {};
                r = parse_scalar(c, ep, p, key, el, &one);
                if (r == -ENOMEM) {
                        prop_value_done(&acc);
                        return r;
                }
                if (r < 0) {
                        bad = true;
                        continue;
                }
                r = merge_devices(&acc, &one);
                prop_value_done(&one);
                if (r < 0) {
                        prop_value_done(&acc);
                        return r;
                }
        }
        if (bad) {
                prop_value_done(&acc);
                return -EINVAL;
        }
        *ret = acc;
        return 0;
}

/* Looks up a policy property name; reports and returns NULL when unknown. */
static const Property *lookup_property(Ctx *c, const char *path, const char *key) {
        const Property *p = property_by_name(key);
        if (p && streq(p->name, key))
                return p;

        const Property *d = property_by_dbus_name(key);
        if (d) {
                err(c, path, true, "\"%s\" is systemd's D-Bus name; policies use the unit-file name \"%s\"",
                    key, d->name);
                return NULL;
        }

        const char *s = suggest_property_name(key);
        if (s)
                err(c, path, true, "unknown property \"%s\" (did you mean \"%s\"?)", key, s);
        else
                err(c, path, true,
                    "unknown property \"%s\" (see systemd.resource-control(5) for the supported names)",
                    key);
        return NULL;
}

/* A property object ("properties" or a floor). `floor` limits the names to what the
 * pressure loop lowers. */
static int parse_prop_object(Ctx *c, const char *path, const char *what, json_t *o, bool floor,
                             PropSet *ret) {
        PropSet set = {};
        const char *key;
        json_t *v;
        bool bad = false;
        int r;

        if (!json_is_object(o)) {
                err(c, path, false, "\"%s\" must be an object, not %s", what, json_type_name(o));
                return -EINVAL;
        }

        json_object_foreach(o, key, v) {
                _cleanup_free_ char *kp = path_key(path, key);
                if (!kp) {
                        prop_set_done(&set);
                        return -ENOMEM;
                }
                const Property *p = lookup_property(c, kp, key);
                if (!p) {
                        bad = true;
                        continue;
                }
                if (floor && p->id != PROP_MEMORY_HIGH && p->id != PROP_CPU_WEIGHT &&
                    p->id != PROP_IO_WEIGHT) {
                        err(c, kp, true,
                            "\"%s\" cannot be a pressure floor (the pressure loop only lowers MemoryHigh, "
                            "CPUWeight and IOWeight)",
                            key);
                        bad = true;
                        continue;
                }
                PropValue pv = {};
                r = parse_prop_value(c, kp, p, key, v, &pv);
                if (r == -ENOMEM) {
                        prop_set_done(&set);
                        return r;
                }
                if (r < 0) {
                        bad = true;
                        continue;
                }
                if (floor && pv.reset) {
                        prop_value_done(&pv);
                        err(c, kp, false, "\"%s\": a floor needs a value, not a reset", key);
                        bad = true;
                        continue;
                }
                prop_set_put(&set, p->id, &pv);
        }
        if (bad) {
                prop_set_done(&set);
                return -EINVAL;
        }
        *ret = set;
        return 0;
}

/* ---- match -------------------------------------------------------------------- */

/* fnmatch() has no compile step and treats a lone '[' as literal; we insist on
 * balanced brackets so a typo does not silently match nothing. */
static const char *glob_problem(const char *g) {
        if (!g[0])
                return "empty pattern";
        for (const char *s = g; *s; s++) {
                if (*s == '\\') {
                        if (!s[1])
                                return "trailing backslash";
                        s++;
                        continue;
                }
                if (*s != '[')
                        continue;
                const char *t = s + 1;
                if (*t == '!' || *t == '^')
                        t++;
                if (*t == ']')
                        t++;
                for (;;) {
                        if (!*t)
                                return "unbalanced '['";
                        if (t[0] == '[' && (t[1] == ':' || t[1] == '.' || t[1] == '=')) {
                                char close = t[1];
                                const char *e = t + 2;
                                while (*e && !(e[0] == close && e[1] == ']'))
                                        e++;
                                if (!*e)
                                        return "unterminated character class";
                                t = e + 2;
                                continue;
                        }
                        if (*t == ']')
                                break;
                        t++;
                }
                s = t;
        }
        return NULL;
}

static int strv_push(char ***l, size_t *n, const char *s) {
        char **x = realloc(*l, (*n + 2) * sizeof(char *));
        if (!x)
                return -ENOMEM;
        *l = x;
        x[*n] = strdup(s);
        if (!x[*n]) {
                x[*n] = NULL;
                return -ENOMEM;
        }
        x[++*n] = NULL;
        return 0;
}

static void strv_free_local(char **l) {
        if (!l)
                return;
        for (char **i = l; *i; i++)
                free(*i);
        free(l);
}

static int parse_glob_list(Ctx *c, const char *path, const char *key, json_t *v, char ***ret) {
        char **l = NULL;
        size_t n = 0;
        bool bad = false;
        int r;

        if (json_is_string(v)) {
                const char *why = glob_problem(json_string_value(v));
                if (why) {
                        err(c, path, false, "invalid pattern \"%s\" in \"%s\": %s", json_string_value(v),
                            key, why);
                        return -EINVAL;
                }
                r = strv_push(&l, &n, json_string_value(v));
                if (r < 0) {
                        strv_free_local(l);
                        return r;
                }
                *ret = l;
                return 0;
        }
        if (!json_is_array(v)) {
                err(c, path, false, "\"%s\" must be a string or an array of strings, not %s", key,
                    json_type_name(v));
                return -EINVAL;
        }
        if (json_array_size(v) == 0) {
                err(c, path, false, "\"%s\" must not be an empty list (it would match nothing)", key);
                return -EINVAL;
        }
        size_t i;
        json_t *el;
        json_array_foreach(v, i, el) {
                _cleanup_free_ char *ep = path_index(path, i);
                if (!ep) {
                        strv_free_local(l);
                        return -ENOMEM;
                }
                if (!json_is_string(el)) {
                        err(c, ep, false, "\"%s\" entries must be strings, not %s", key, json_type_name(el));
                        bad = true;
                        continue;
                }
                const char *why = glob_problem(json_string_value(el));
                if (why) {
                        err(c, ep, false, "invalid pattern \"%s\" in \"%s\": %s", json_string_value(el), key,
                            why);
                        bad = true;
                        continue;
                }
                r = strv_push(&l, &n, json_string_value(el));
                if (r < 0) {
                        strv_free_local(l);
                        return r;
                }
        }
        if (bad) {
                strv_free_local(l);
                return -EINVAL;
        }
        *ret = l;
        return 0;
}

static const char *const match_keys[] = {"unit", "slice", "user", "exe"};

static int parse_match(Ctx *c, const char *path, json_t *o, PolicyMatch *ret) {
        PolicyMatch m = {};
        const char *key;
        json_t *v;
        bool bad = false;
        int r = 0;

        if (!json_is_object(o)) {
                err(c, path, false, "\"match\" must be an object, not %s", json_type_name(o));
                return -EINVAL;
        }
        if (json_object_size(o) == 0) {
                err(c, path, false, "\"match\" must have at least one of unit, slice, user or exe");
                return -EINVAL;
        }

        json_object_foreach(o, key, v) {
                _cleanup_free_ char *kp = path_key(path, key);
                char ***slot = streq(key, "unit")    ? &m.unit
                               : streq(key, "slice") ? &m.slice
                               : streq(key, "user")  ? &m.user
                               : streq(key, "exe")   ? &m.exe
                                                     : NULL;
                if (!kp) {
                        r = -ENOMEM;
                        break;
                }
                if (!slot) {
                        err_unknown_key(c, kp, "match key", key, match_keys, ELEMENTSOF(match_keys),
                                        "unit, slice, user or exe");
                        bad = true;
                        continue;
                }
                r = parse_glob_list(c, kp, key, v, slot);
                if (r == -ENOMEM)
                        break;
                if (r < 0) {
                        bad = true;
                        r = 0;
                }
        }
        if (r < 0 || bad) {
                strv_free_local(m.unit);
                strv_free_local(m.slice);
                strv_free_local(m.user);
                strv_free_local(m.exe);
                return r < 0 ? r : -EINVAL;
        }
        *ret = m;
        return 0;
}

/* ---- one policy -------------------------------------------------------------- */

static bool name_valid(const char *s) {
        size_t l = strlen(s);
        if (l == 0 || l > POLICY_NAME_MAX)
                return false;
        for (const char *c = s; *c; c++)
                if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
                      *c == '_' || *c == '.' || *c == '-'))
                        return false;
        return true;
}

static const char *const policy_keys[] = {"name", "priority", "class", "match", "properties", "pressure"};

/* On success also returns the path of the "name" value, to look its position up later. */
static int parse_policy(Ctx *c, const char *path, json_t *o, Policy *ret, char **ret_name_path) {
        _cleanup_free_ char *name_path = NULL;
        _cleanup_(policy_done) Policy p = {};
        const char *key;
        json_t *v;
        bool bad = false, has_match = false;
        int r;

        if (!json_is_object(o)) {
                err(c, path, false, "a policy must be an object, not %s", json_type_name(o));
                return -EINVAL;
        }

        json_object_foreach(o, key, v) {
                _cleanup_free_ char *kp = path_key(path, key);
                if (!kp)
                        return -ENOMEM;

                if (streq(key, "name")) {
                        if (!json_is_string(v)) {
                                err(c, kp, false, "\"name\" must be a string, not %s", json_type_name(v));
                                bad = true;
                        } else if (!name_valid(json_string_value(v))) {
                                err(c, kp, false,
                                    "invalid policy name \"%s\" (1-%u characters of A-Z a-z 0-9 _ . -)",
                                    json_string_value(v), POLICY_NAME_MAX);
                                bad = true;
                        } else {
                                p.name = strdup(json_string_value(v));
                                name_path = strdup(kp);
                                if (!p.name || !name_path)
                                        return -ENOMEM;
                        }
                } else if (streq(key, "priority")) {
                        if (!json_is_integer(v)) {
                                err(c, kp, false, "\"priority\" must be an integer");
                                bad = true;
                        } else
                                p.priority = json_integer_value(v);
                } else if (streq(key, "class")) {
                        if (!json_is_string(v)) {
                                err(c, kp, false, "\"class\" must be a string, not %s", json_type_name(v));
                                bad = true;
                        } else {
                                PolicyClass cl = policy_class_from_string(json_string_value(v));
                                if (cl < 0) {
                                        err(c, kp, false,
                                            "unknown class \"%s\" (expected protected, sheddable or normal)",
                                            json_string_value(v));
                                        bad = true;
                                } else {
                                        p.class = cl;
                                        p.has_class = true;
                                }
                        }
                } else if (streq(key, "match")) {
                        has_match = true;
                        r = parse_match(c, kp, v, &p.match);
                        if (r == -ENOMEM)
                                return r;
                        bad = bad || r < 0;
                } else if (streq(key, "properties")) {
                        r = parse_prop_object(c, kp, "properties", v, false, &p.props);
                        if (r == -ENOMEM)
                                return r;
                        bad = bad || r < 0;
                } else if (streq(key, "pressure")) {
                        if (!json_is_object(v)) {
                                err(c, kp, false, "\"pressure\" must be an object, not %s",
                                    json_type_name(v));
                                bad = true;
                                continue;
                        }
                        const char *k2;
                        json_t *v2;
                        json_object_foreach(v, k2, v2) {
                                _cleanup_free_ char *kp2 = path_key(kp, k2);
                                if (!kp2)
                                        return -ENOMEM;
                                if (!streq(k2, "floor")) {
                                        static const char *const fk[] = {"floor"};
                                        err_unknown_key(c, kp2, "key", k2, fk, 1, "floor");
                                        bad = true;
                                        continue;
                                }
                                r = parse_prop_object(c, kp2, "floor", v2, true, &p.floor);
                                if (r == -ENOMEM)
                                        return r;
                                bad = bad || r < 0;
                        }
                } else {
                        err_unknown_key(c, kp, "policy key", key, policy_keys, ELEMENTSOF(policy_keys),
                                        "name, priority, class, match, properties or pressure");
                        bad = true;
                }
        }

        if (!json_object_get(o, "name")) {
                err(c, path, false, "policy has no \"name\"");
                bad = true;
        }
        if (!has_match) {
                if (p.name)
                        err(c, path, false, "policy \"%s\" has no \"match\" (it would apply to every unit)",
                            p.name);
                else
                        err(c, path, false, "policy has no \"match\" (it would apply to every unit)");
                bad = true;
        }
        if (bad)
                return -EINVAL;

        p.file = strdup(c->file);
        if (!p.file)
                return -ENOMEM;
        *ret = p;
        p = (Policy){};
        *ret_name_path = TAKE_PTR(name_path);
        return 0;
}

/* ---- top-level pressure ---------------------------------------------------------------- */

/* "some avg10<5" or "full avg60 < 2.5": the stall share (percent) under which
 * pressure counts as gone. */
static int parse_calm(const char *s, PsiKind *ret_kind, unsigned *ret_avg, uint64_t *ret_threshold) {
        PsiKind kind;
        unsigned avg;

        if (strncmp(s, "some", 4) == 0)
                kind = PSI_SOME;
        else if (strncmp(s, "full", 4) == 0)
                kind = PSI_FULL;
        else
                return -EINVAL;
        s += 4;
        if (*s != ' ' && *s != '\t')
                return -EINVAL;
        while (*s == ' ' || *s == '\t')
                s++;
        if (strncmp(s, "avg10", 5) == 0) {
                avg = 10;
                s += 5;
        } else if (strncmp(s, "avg60", 5) == 0) {
                avg = 60;
                s += 5;
        } else if (strncmp(s, "avg300", 6) == 0) {
                avg = 300;
                s += 6;
        } else
                return -EINVAL;
        while (*s == ' ' || *s == '\t')
                s++;
        if (*s != '<')
                return -EINVAL;
        s++;
        while (*s == ' ' || *s == '\t')
                s++;

        /* The number as a percentage: reuse the permyriad parser. */
        size_t l = strcspn(s, " \t%");
        if (l == 0 || l > 16)
                return -EINVAL;
        const char *rest = s + l;
        if (*rest == '%')
                rest++;
        while (*rest == ' ' || *rest == '\t')
                rest++;
        if (*rest)
                return -EINVAL;
        char buf[24];
        memcpy(buf, s, l);
        buf[l] = '%';
        buf[l + 1] = 0;
        uint64_t t;
        int r = parse_permyriad(buf, false, &t);
        if (r < 0)
                return r;
        if (t == 0)
                return -ERANGE;

        *ret_kind = kind;
        *ret_avg = avg;
        *ret_threshold = t;
        return 0;
}

static const char *const pressure_keys[] = {"trigger", "calm", "hold", "interval", "step", "mode"};
static const char *const resource_keys[] = {"memory", "cpu", "io"};

static int parse_pressure_resource(Ctx *c, const char *path, const char *res, json_t *o,
                                   PressureConfig *ret) {
        PressureConfig pc;
        const char *key;
        json_t *v;
        bool bad = false;
        int r;

        pressure_config_default(&pc);
        pc.enabled = true;

        if (!json_is_object(o)) {
                err(c, path, false, "\"%s\" must be an object, not %s", res, json_type_name(o));
                return -EINVAL;
        }

        json_object_foreach(o, key, v) {
                _cleanup_free_ char *kp = path_key(path, key);
                if (!kp)
                        return -ENOMEM;
                bool known = false;
                for (size_t i = 0; i < ELEMENTSOF(pressure_keys); i++)
                        known = known || streq(key, pressure_keys[i]);
                if (!known) {
                        err_unknown_key(c, kp, "pressure key", key, pressure_keys, ELEMENTSOF(pressure_keys),
                                        "trigger, calm, hold, interval, step or mode");
                        bad = true;
                        continue;
                }
                if (!json_is_string(v)) {
                        err(c, kp, false, "\"%s\" must be a string, not %s", key, json_type_name(v));
                        bad = true;
                        continue;
                }
                const char *s = json_string_value(v);

                if (streq(key, "trigger")) {
                        int kind;
                        uint64_t stall, window;
                        r = psi_parse_trigger(s, &kind, &stall, &window);
                        if (r < 0) {
                                err(c, kp, false,
                                    r == -ERANGE
                                            ? "invalid trigger \"%s\": window must be 500ms..10s and the "
                                              "stall at most the window"
                                            : "invalid trigger \"%s\" (expected \"some|full STALL WINDOW\", "
                                              "e.g. \"some 150ms 1s\")",
                                    s);
                                bad = true;
                                continue;
                        }
                        pc.trigger_kind = kind ? PSI_FULL : PSI_SOME;
                        pc.trigger_stall_usec = stall;
                        pc.trigger_window_usec = window;
                } else if (streq(key, "calm")) {
                        r = parse_calm(s, &pc.calm_kind, &pc.calm_avg, &pc.calm_threshold);
                        if (r < 0) {
                                err(c, kp, false,
                                    "invalid calm condition \"%s\" (expected \"some|full "
                                    "avg10|avg60|avg300<PERCENT\", "
                                    "e.g. \"some avg10<5\", with 0 < PERCENT <= 100)",
                                    s);
                                bad = true;
                        }
                } else if (streq(key, "hold") || streq(key, "interval")) {
                        uint64_t u;
                        r = parse_duration(s, &u);
                        if (r < 0 || u == USEC_INFINITY ||
                            (streq(key, "interval") && u < 10 * USEC_PER_MSEC)) {
                                err(c, kp, false,
                                    "invalid %s \"%s\" (expected a finite duration%s, e.g. \"%s\")", key, s,
                                    streq(key, "interval") ? " of at least 10ms" : "",
                                    streq(key, "interval") ? "1s" : "10s");
                                bad = true;
                                continue;
                        }
                        if (streq(key, "hold"))
                                pc.hold_usec = u;
                        else
                                pc.interval_usec = u;
                } else if (streq(key, "step")) {
                        uint64_t u;
                        r = parse_permyriad(s, false, &u);
                        if (r < 0 || u == 0 || u > 10000) {
                                err(c, kp, false,
                                    "invalid step \"%s\" (expected a percentage above 0%% and at "
                                    "most 100%%, e.g. \"10%%\")",
                                    s);
                                bad = true;
                                continue;
                        }
                        pc.step = u;
                } else if (streq(key, "mode")) {
                        PressureMode m = pressure_mode_from_string(s);
                        if ((int)m < 0) {
                                err(c, kp, false, "unknown mode \"%s\" (expected throttle, dry-run or off)",
                                    s);
                                bad = true;
                                continue;
                        }
                        pc.mode = m;
                }
        }
        if (bad)
                return -EINVAL;
        *ret = pc;
        return 0;
}

static int parse_pressure(Ctx *c, const char *path, json_t *o, PressureConfig ret[static _RES_MAX]) {
        PressureConfig pcs[_RES_MAX];
        const char *key;
        json_t *v;
        bool bad = false;
        int r;

        if (!json_is_object(o)) {
                err(c, path, false, "\"pressure\" must be an object, not %s", json_type_name(o));
                return -EINVAL;
        }
        memcpy(pcs, ret, sizeof(pcs));

        json_object_foreach(o, key, v) {
                _cleanup_free_ char *kp = path_key(path, key);
                if (!kp)
                        return -ENOMEM;
                PressureResource res = pressure_resource_from_string(key);
                if ((int)res < 0) {
                        err_unknown_key(c, kp, "pressure resource", key, resource_keys,
                                        ELEMENTSOF(resource_keys), "memory, cpu or io");
                        bad = true;
                        continue;
                }
                r = parse_pressure_resource(c, kp, key, v, &pcs[res]);
                if (r == -ENOMEM)
                        return r;
                bad = bad || r < 0;
        }
        if (bad)
                return -EINVAL;
        memcpy(ret, pcs, sizeof(pcs));
        return 0;
}

/* ---- document ---------------------------------------------------------------- */

typedef struct NameRef {
        const char *name;
        size_t index;
} NameRef;

static int name_ref_cmp(const void *a, const void *b) {
        const NameRef *x = a, *y = b;
        int d = strcmp(x->name, y->name);
        return d ? d : (x->index > y->index) - (x->index < y->index);
}

/* Reports every later duplicate of a name with the position of its first definition. */
/* Reports every later duplicate of a name, at its "name" value, with the
 * position of the first definition (positions must be known by now). */
static int check_duplicates(Ctx *c, const Policy *ps, char **name_paths, size_t n) {
        if (n < 2)
                return 0;
        _cleanup_free_ NameRef *refs = calloc(n, sizeof(NameRef));
        if (!refs)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                refs[i] = (NameRef){ps[i].name, i};
        qsort(refs, n, sizeof(NameRef), name_ref_cmp);

        bool bad = false;
        for (size_t i = 1, first = 0; i < n; i++) {
                if (!streq(refs[i].name, refs[first].name)) {
                        first = i;
                        continue;
                }
                const Policy *q = &ps[refs[first].index];
                err(c, name_paths[refs[i].index], false,
                    "duplicate policy name \"%s\" (first defined at %s:%u:%u)", q->name, q->file, q->line,
                    q->column);
                bad = true;
        }
        if (c->oom)
                return -ENOMEM;
        return bad ? -EINVAL : 0;
}

static int diag_cmp(const void *a, const void *b) {
        const Diag *x = a, *y = b;
        if (x->line != y->line)
                return x->line == 0 ? 1 : y->line == 0 ? -1 : (x->line > y->line) - (x->line < y->line);
        return (x->column > y->column) - (x->column < y->column);
}

/* Insertion sort: stable, so two problems at one place keep the order they were
 * found in; a file contributes at most ERRORS_PER_FILE_MAX + 1 entries. */
static void diags_sort_stable(Diag *d, size_t n) {
        for (size_t i = 1; i < n; i++) {
                Diag t = d[i];
                size_t j = i;
                for (; j > 0 && diag_cmp(&d[j - 1], &t) > 0; j--)
                        d[j] = d[j - 1];
                d[j] = t;
        }
}

static int syntax_error(const char *json, const char *filename, const json_error_t *e, Diags *diags) {
        size_t len = strlen(json);
        unsigned line, col;

        if (strspn(json, " \t\r\n") == len) {
                if (diags)
                        (void)diags_add(diags, filename, 1, 1, "file is empty (expected a JSON object)");
                return -EINVAL;
        }

        /* jansson points past the offending token; point at its start. */
        size_t off = e->position >= 0 ? (size_t)e->position : len;
        const char *near = strstr(e->text, " near '");
        if (near && !strstr(near, " near 'end of file'")) {
                const char *tok = near + 7;
                size_t tl = strlen(tok);
                if (tl > 0 && tok[tl - 1] == '\'')
                        tl--;
                if (tl <= off && memcmp(json + off - tl, tok, tl) == 0)
                        off -= tl;
        }
        offset_to_pos(json, len, off, &line, &col);
        if (diags)
                (void)diags_add(diags, filename, line, col, "%s", e->text);
        return -EINVAL;
}

static void strv_free_n(char **l, size_t n) {
        for (size_t i = 0; i < n; i++)
                free(l[i]);
        free(l);
}

/* Looks up the positions of everything the validation needs: the pending
 * errors' paths and the policies' names. */
static int locate(Ctx *c, char **name_paths, size_t n_names) {
        size_t n = 0;
        char **wanted = calloc(c->n_pending + n_names + 1, sizeof(char *));
        if (!wanted)
                return -ENOMEM;
        for (size_t i = 0; i < c->n_pending; i++)
                if (c->pending[i].path)
                        wanted[n++] = c->pending[i].path;
        for (size_t i = 0; i < n_names; i++)
                if (name_paths[i])
                        wanted[n++] = name_paths[i];
        if (n > 1)
                qsort(wanted, n, sizeof(char *), str_cmp);
        int r = pos_index_build(c->text, wanted, n, &c->idx);
        free(wanted); /* the strings belong to pending and name_paths */
        return r;
}

static int emit_pending(Ctx *c) {
        for (size_t i = 0; i < c->n_pending; i++) {
                unsigned line, col;
                pos_of(c, c->pending[i].path, c->pending[i].at_key, &line, &col);
                if (diags_add(c->diags, c->file, line, col, "%s", c->pending[i].message) < 0)
                        return -ENOMEM;
        }
        return 0;
}

int policy_set_parse_string(const char *json, const char *filename, const ParseContext *ctx, PolicySet **ret,
                            Diags *diags) {
        _cleanup_(policy_set_freep) PolicySet *set = NULL;
        Ctx c = {.file = filename ?: "<string>", .text = json, .diags = diags, .pctx = ctx};
        char **name_paths = NULL; /* parallel to set->policies */
        json_error_t jerr;
        json_t *root;
        size_t first_diag = diags ? diags->n : 0, len;
        bool bad = false;
        int r;

        if (!json || !ctx || !ret)
                return -EINVAL;

        len = strlen(json);
        if (len > POLICY_FILE_MAX) {
                if (diags)
                        (void)diags_add(diags, c.file, 0, 0, "file too large (%zu bytes, the limit is %u)",
                                        len, POLICY_FILE_MAX);
                return -EINVAL;
        }

        root = json_loads(json, JSON_REJECT_DUPLICATES, &jerr);
        if (!root)
                return syntax_error(json, c.file, &jerr, diags);

        r = policy_set_new(&set);
        if (r < 0)
                goto finish;
        r = strv_push(&set->files, &(size_t){0}, c.file);
        if (r < 0)
                goto finish;

        if (!json_is_object(root)) {
                err(&c, "", false, "the top level must be an object with \"policies\", not %s",
                    json_type_name(root));
                bad = true;
        } else if (json_object_size(root) == 0) {
                err(&c, "", false, "the top-level object has neither \"policies\" nor \"pressure\"");
                bad = true;
        }

        const char *key;
        json_t *v;
        if (!bad)
                json_object_foreach(root, key, v) {
                        _cleanup_free_ char *kp = path_key("", key);
                        if (!kp) {
                                r = -ENOMEM;
                                goto finish;
                        }
                        if (streq(key, "policies")) {
                                if (!json_is_array(v)) {
                                        err(&c, kp, false, "\"policies\" must be an array, not %s",
                                            json_type_name(v));
                                        bad = true;
                                        continue;
                                }
                                size_t n = json_array_size(v);
                                if (n > 0) {
                                        set->policies = calloc(n, sizeof(Policy));
                                        name_paths = calloc(n, sizeof(char *));
                                        if (!set->policies || !name_paths) {
                                                r = -ENOMEM;
                                                goto finish;
                                        }
                                }
                                size_t i;
                                json_t *el;
                                json_array_foreach(v, i, el) {
                                        _cleanup_free_ char *ep = path_index(kp, i);
                                        if (!ep) {
                                                r = -ENOMEM;
                                                goto finish;
                                        }
                                        size_t k = set->n_policies;
                                        r = parse_policy(&c, ep, el, &set->policies[k], &name_paths[k]);
                                        if (r == -ENOMEM)
                                                goto finish;
                                        if (r < 0)
                                                bad = true;
                                        else
                                                set->n_policies++;
                                }
                        } else if (streq(key, "pressure")) {
                                r = parse_pressure(&c, kp, v, set->pressure);
                                if (r == -ENOMEM)
                                        goto finish;
                                bad = bad || r < 0;
                        } else {
                                static const char *const top_keys[] = {"policies", "pressure"};
                                err_unknown_key(&c, kp, "top-level key", key, top_keys, ELEMENTSOF(top_keys),
                                                "policies or pressure");
                                bad = true;
                        }
                }
        if (c.oom) {
                r = -ENOMEM;
                goto finish;
        }

        r = locate(&c, name_paths, set->n_policies);
        if (r < 0) {
                /* Cannot fail on text jansson accepted, short of memory. */
                if (r != -ENOMEM && diags)
                        (void)diags_add(diags, c.file, 0, 0, "internal error: cannot locate JSON positions");
                r = r == -ENOMEM ? r : -EINVAL;
                goto finish;
        }
        for (size_t i = 0; i < set->n_policies; i++)
                pos_of(&c, name_paths[i], false, &set->policies[i].line, &set->policies[i].column);

        r = check_duplicates(&c, set->policies, name_paths, set->n_policies);
        if (r == -ENOMEM)
                goto finish;
        if (r < 0)
                bad = true;

        if (diags) {
                r = emit_pending(&c);
                if (r < 0)
                        goto finish;
        }

        r = bad || c.n_errors > 0 ? -EINVAL : 0;

finish:
        json_decref(root);
        pos_index_done(&c.idx);
        pending_done(&c);
        strv_free_n(name_paths, set ? set->n_policies : 0);
        /* Report a file's problems in reading order, whatever order jansson's
         * hash table handed us the keys in. */
        /* Only index the array when this file added something: items may still
         * be NULL, and NULL + 0 is undefined behaviour in C. */
        if (diags && diags->n > first_diag)
                diags_sort_stable(diags->items + first_diag, diags->n - first_diag);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(set);
        return 0;
}

int policy_set_parse_file(const char *path, const ParseContext *ctx, PolicySet **ret, Diags *diags) {
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *buf = NULL;
        struct stat st;
        size_t n = 0;

        if (!path || !ctx || !ret)
                return -EINVAL;

        /* O_NONBLOCK: a FIFO put in place after the directory scan must not hang us */
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0 || fstat(fd, &st) < 0) {
                int e = errno;
                if (diags)
                        (void)diags_add(diags, path, 0, 0, "Failed to open: %s", strerror(e));
                return -e;
        }
        if (!S_ISREG(st.st_mode)) {
                if (diags)
                        (void)diags_add(diags, path, 0, 0, "not a regular file");
                return -EINVAL;
        }

        /* Read to EOF (the size may change under us), but never past the limit. */
        buf = malloc(POLICY_FILE_MAX + 2);
        if (!buf)
                return -ENOMEM;
        for (;;) {
                ssize_t k = read(fd, buf + n, POLICY_FILE_MAX + 1 - n);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        int e = errno;
                        if (diags)
                                (void)diags_add(diags, path, 0, 0, "Failed to read: %s", strerror(e));
                        return -e;
                }
                if (k == 0)
                        break;
                n += (size_t)k;
                if (n > POLICY_FILE_MAX) {
                        if (diags)
                                (void)diags_add(diags, path, 0, 0, "file too large (more than %u bytes)",
                                                POLICY_FILE_MAX);
                        return -EINVAL;
                }
        }
        buf[n] = 0;

        const char *nul = memchr(buf, 0, n);
        if (nul) {
                unsigned line, col;
                offset_to_pos(buf, n, (size_t)(nul - buf), &line, &col);
                if (diags)
                        (void)diags_add(diags, path, line, col, "file contains a NUL byte");
                return -EINVAL;
        }

        return policy_set_parse_string(buf, path, ctx, ret, diags);
}
