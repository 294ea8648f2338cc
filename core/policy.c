/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Policy sets: ownership, merging, the systemd-style directory search and unit
 * matching. JSON parsing and validation live in policy-json.c. */

#define _GNU_SOURCE 1 /* asprintf */

#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "policy.h"

const char *const policy_default_dirs[] = {
        "/etc/cgpolicyd/policies.d",
        "/run/cgpolicyd/policies.d",
        "/usr/lib/cgpolicyd/policies.d",
        NULL,
};

static const char *const class_names[_CLASS_MAX] = {
        [CLASS_NORMAL] = "normal",
        [CLASS_PROTECTED] = "protected",
        [CLASS_SHEDDABLE] = "sheddable",
};

static const char *const mode_names[_PRESSURE_MODE_MAX] = {
        [PRESSURE_THROTTLE] = "throttle",
        [PRESSURE_DRY_RUN] = "dry-run",
        [PRESSURE_OFF] = "off",
};

static const char *const resource_names[_RES_MAX] = {
        [RES_MEMORY] = "memory",
        [RES_CPU] = "cpu",
        [RES_IO] = "io",
};

static int lookup(const char *const *names, int n, const char *s) {
        if (!s)
                return -1;
        for (int i = 0; i < n; i++)
                if (streq(names[i], s))
                        return i;
        return -1;
}

const char *policy_class_to_string(PolicyClass c) {
        return c >= 0 && c < _CLASS_MAX ? class_names[c] : NULL;
}

PolicyClass policy_class_from_string(const char *s) {
        return (PolicyClass)lookup(class_names, _CLASS_MAX, s);
}

const char *pressure_mode_to_string(PressureMode m) {
        return m >= 0 && m < _PRESSURE_MODE_MAX ? mode_names[m] : NULL;
}

PressureMode pressure_mode_from_string(const char *s) {
        return (PressureMode)lookup(mode_names, _PRESSURE_MODE_MAX, s);
}

const char *pressure_resource_to_string(PressureResource r) {
        return r >= 0 && r < _RES_MAX ? resource_names[r] : NULL;
}

PressureResource pressure_resource_from_string(const char *s) {
        return (PressureResource)lookup(resource_names, _RES_MAX, s);
}

void prop_set_done(PropSet *s) {
        if (!s)
                return;
        for (size_t i = 0; i < _PROP_MAX; i++)
                if (s->has[i]) {
                        prop_value_done(&s->v[i]);
                        s->has[i] = false;
                }
        s->v = mfree(s->v);
}

int prop_set_copy(PropSet *dst, const PropSet *src) {
        PropSet t = {};
        int r;

        for (size_t i = 0; i < _PROP_MAX; i++) {
                PropValue v = {};

                if (!src->has[i])
                        continue;
                r = prop_value_copy(&v, &src->v[i]);
                if (r >= 0) {
                        prop_set_put(&t, (PropertyId)i, &v);
                        r = t.has[i] ? 0 : -ENOMEM;
                }
                if (r < 0) {
                        prop_set_done(&t);
                        return r;
                }
        }
        *dst = t;
        return 0;
}

void prop_set_put(PropSet *s, PropertyId id, PropValue *v) {
        if (id < 0 || id >= _PROP_MAX)
                return;
        if (!s->v) {
                s->v = calloc(_PROP_MAX, sizeof(PropValue));
                if (!s->v) {
                        prop_value_done(v);
                        *v = (PropValue){};
                        return;
                }
        }
        prop_set_unset(s, id);
        s->v[id] = *v;
        s->has[id] = true;
        *v = (PropValue){};
}

void prop_set_unset(PropSet *s, PropertyId id) {
        if (id < 0 || id >= _PROP_MAX || !s->has[id])
                return;
        prop_value_done(&s->v[id]);
        s->v[id] = (PropValue){};
        s->has[id] = false;
}

int prop_set_assign(PropSet *dst, const PropSet *src, const bool *replace) {
        PropSet t = {};
        int r;

        r = prop_set_copy(&t, dst);
        if (r < 0)
                return r;
        for (PropertyId id = 0; id < _PROP_MAX; id++) {
                PropValue v = {};

                if (!src->has[id])
                        continue;
                r = prop_value_copy(&v, &src->v[id]);
                if (r >= 0 && t.has[id] && !(replace && replace[id]))
                        r = prop_value_assign(property_get(id), &t.v[id], true, &v);
                else if (r >= 0) {
                        prop_set_put(&t, id, &v);
                        r = t.has[id] ? 0 : -ENOMEM;
                }
                prop_value_done(&v);
                if (r < 0) {
                        prop_set_done(&t);
                        return r;
                }
        }
        prop_set_done(dst);
        *dst = t;
        return 0;
}

void pressure_config_default(PressureConfig *ret) {
        /* Memory pressure that stalls some task 15% of a one-second window is
         * where latency-sensitive services start to suffer; 5% avg10 is calm. */
        *ret = (PressureConfig){
                .enabled = false,
                .trigger_kind = PSI_SOME,
                .trigger_stall_usec = 150 * USEC_PER_MSEC,
                .trigger_window_usec = 1 * USEC_PER_SEC,
                .calm_kind = PSI_SOME,
                .calm_avg = 10,
                .calm_threshold = 500,
                .hold_usec = 10 * USEC_PER_SEC,
                .interval_usec = 1 * USEC_PER_SEC,
                .step = 1000,
                .mode = PRESSURE_THROTTLE,
        };
}

int policy_set_new(PolicySet **ret) {
        PolicySet *s = calloc(1, sizeof(PolicySet));
        if (!s)
                return -ENOMEM;
        s->files = calloc(1, sizeof(char *));
        if (!s->files) {
                free(s);
                return -ENOMEM;
        }
        for (size_t r = 0; r < _RES_MAX; r++)
                pressure_config_default(&s->pressure[r]);
        *ret = s;
        return 0;
}

static void strv_free(char **l) {
        if (!l)
                return;
        for (char **i = l; *i; i++)
                free(*i);
        free(l);
}

void policy_done(Policy *p) {
        if (!p)
                return;
        free(p->name);
        strv_free(p->match.unit);
        strv_free(p->match.slice);
        strv_free(p->match.user);
        strv_free(p->match.exe);
        prop_set_done(&p->props);
        prop_set_done(&p->floor);
        free(p->file);
        *p = (Policy){};
}

void policy_set_free(PolicySet *s) {
        if (!s)
                return;
        for (size_t i = 0; i < s->n_policies; i++)
                policy_done(&s->policies[i]);
        free(s->policies);
        strv_free(s->files);
        free(s);
}

const Policy *policy_set_find(const PolicySet *s, const char *name) {
        if (!s || !name)
                return NULL;
        for (size_t i = 0; i < s->n_policies; i++)
                if (streq_ptr(s->policies[i].name, name))
                        return &s->policies[i];
        return NULL;
}

static size_t strv_length(char **l) {
        size_t n = 0;
        while (l && l[n])
                n++;
        return n;
}

/* p's name is taken by q (NULL: free): says so in diags. */
static bool report_duplicate(const Policy *p, const Policy *q, Diags *diags) {
        if (!q)
                return false;
        if (diags)
                (void)diags_add(diags, p->file, p->line, p->column,
                                "duplicate policy name \"%s\" (first defined at %s:%u:%u)", p->name, strna(q->file),
                                q->line, q->column);
        return true;
}

int policy_set_merge(PolicySet *dst, PolicySet *src, Diags *diags) {
        bool dup = false;

        if (!dst || !src)
                return -EINVAL;

        /* Check everything first: a failed merge leaves both sets as they were. */
        for (size_t i = 0; i < src->n_policies; i++)
                dup = report_duplicate(&src->policies[i], policy_set_find(dst, src->policies[i].name), diags) ||
                      dup;
        if (dup)
                return -EEXIST;

        size_t nf_dst = strv_length(dst->files), nf_src = strv_length(src->files);
        char **files = realloc(dst->files, (nf_dst + nf_src + 1) * sizeof(char *));
        if (!files)
                return -ENOMEM;
        dst->files = files;

        if (src->n_policies > 0) {
                Policy *n = realloc(dst->policies, (dst->n_policies + src->n_policies) * sizeof(Policy));
                if (!n) {
                        dst->files[nf_dst] = NULL;
                        return -ENOMEM;
                }
                dst->policies = n;
                memcpy(dst->policies + dst->n_policies, src->policies, src->n_policies * sizeof(Policy));
                dst->n_policies += src->n_policies;
                free(src->policies);
                src->policies = NULL;
                src->n_policies = 0;
        }

        for (size_t i = 0; i < nf_src; i++) {
                dst->files[nf_dst + i] = src->files[i];
                src->files[i] = NULL;
        }
        dst->files[nf_dst + nf_src] = NULL;

        for (size_t r = 0; r < _RES_MAX; r++)
                if (src->pressure[r].enabled)
                        dst->pressure[r] = src->pressure[r];

        return 0;
}

#ifndef MAX
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#endif

typedef struct DirEntry {
        char *name;   /* file name, the key for precedence and ordering */
        char *path;   /* NULL when masked */
        size_t order; /* which directory (earlier wins on the same name), then position */
} DirEntry;

static void dir_entries_free(DirEntry *e, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(e[i].name);
                free(e[i].path);
        }
        free(e);
}

static int dir_entry_cmp(const void *a, const void *b) {
        const DirEntry *x = a, *y = b;
        int c = strcmp(x->name, y->name);

        if (c != 0)
                return c;
        return x->order < y->order ? -1 : x->order > y->order;
}

static bool is_json_name(const char *n) {
        size_t l = strlen(n);
        /* Hidden files are editor/backup droppings, as systemd ignores them. */
        return n[0] != '.' && l > 5 && streq(n + l - 5, ".json");
}

/* A symlink to /dev/null (or /dev/null's device itself) masks the name, as in systemd. */
static bool is_masked(int dfd, const char *name, const struct stat *st) {
        char target[32];
        ssize_t k = readlinkat(dfd, name, target, sizeof(target) - 1);
        if (k > 0) {
                target[k] = 0;
                if (streq(target, "/dev/null"))
                        return true;
        }
        return S_ISCHR(st->st_mode) && st->st_rdev == makedev(1, 3);
}

static const char *file_type_name(mode_t m) {
        return S_ISDIR(m) ? "a directory" : S_ISFIFO(m) ? "a FIFO" : S_ISSOCK(m) ? "a socket"
               : S_ISCHR(m) ? "a character device" : S_ISBLK(m) ? "a block device" : "not a regular file";
}

/* An entry named *.json that cannot be a policy file (a directory, a FIFO, a
 * dangling link or a symlink loop) is skipped, but said: a policy silently not
 * loaded is an outage found late. These are warnings, not errors (diag
 * severity), so the rest still loads. */
static void note_skipped(PolicyDirSkipped *skipped, const char *dir, const char *name, const char *why) {
        char *s = NULL;
        size_t dl = strlen(dir);

        if (!skipped)
                return;
        if (asprintf(&s, "%s%s%s: %s, skipped", dir, dl > 0 && dir[dl - 1] == '/' ? "" : "/", name, why) < 0)
                return;
        char **n = realloc(skipped->items, (skipped->n + 2) * sizeof(char *));
        if (!n) {
                free(s);
                return;
        }
        skipped->items = n;
        skipped->items[skipped->n++] = s;
        skipped->items[skipped->n] = NULL;
}

void policy_dir_skipped_done(PolicyDirSkipped *s) {
        if (!s)
                return;
        for (size_t i = 0; i < s->n; i++)
                free(s->items[i]);
        free(s->items);
        *s = (PolicyDirSkipped){};
}

/* Appends the *.json entries of dir; duplicates across directories are dropped
 * later, after one sort (a scan per entry made loading quadratic). */
static int collect_dir(const char *dir, size_t dir_index, DirEntry **entries, size_t *n, size_t *cap,
                       Diags *diags, PolicyDirSkipped *skipped) {
        _cleanup_close_ int dfd = -1;
        DIR *d;

        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0) {
                if (errno == ENOENT)
                        return 0;
                int e = errno;
                if (diags)
                        (void)diags_add(diags, dir, 0, 0, "Failed to open directory: %s", strerror(e));
                return -e;
        }
        int fd2 = dup(dfd);
        if (fd2 < 0)
                return -errno;
        d = fdopendir(fd2);
        if (!d) {
                int e = errno;
                close(fd2);
                return -e;
        }

        int r = 0;
        struct dirent *de;
        while ((errno = 0, de = readdir(d))) {
                if (!is_json_name(de->d_name))
                        continue;

                struct stat st;
                if (fstatat(dfd, de->d_name, &st, 0) < 0) {
                        int e = errno;
                        struct stat lst;
                        /* A dangling symlink is only fine when it masks. */
                        if (fstatat(dfd, de->d_name, &lst, AT_SYMLINK_NOFOLLOW) < 0)
                                continue; /* gone meanwhile */
                        memset(&st, 0, sizeof(st));
                        st.st_mode = lst.st_mode;
                        if (!is_masked(dfd, de->d_name, &st)) {
                                note_skipped(skipped, dir, de->d_name,
                                             e == ELOOP    ? "a symlink loop"
                                             : e == ENOENT ? "a dangling symlink"
                                                           : strerror(e));
                                continue;
                        }
                }

                bool masked = is_masked(dfd, de->d_name, &st);
                if (!masked && !S_ISREG(st.st_mode)) {
                        note_skipped(skipped, dir, de->d_name, file_type_name(st.st_mode));
                        continue;
                }

                if (*n >= *cap) {
                        size_t nc = *cap ? *cap * 2 : 64;
                        DirEntry *ne = realloc(*entries, nc * sizeof(DirEntry));
                        if (!ne) {
                                r = -ENOMEM;
                                break;
                        }
                        *entries = ne;
                        *cap = nc;
                }
                DirEntry e = {.name = strdup(de->d_name), .order = dir_index};
                if (!e.name) {
                        r = -ENOMEM;
                        break;
                }
                size_t dl = strlen(dir);
                bool slash = dl > 0 && dir[dl - 1] == '/';
                if (!masked && asprintf(&e.path, "%s%s%s", dir, slash ? "" : "/", de->d_name) < 0) {
                        free(e.name);
                        r = -ENOMEM;
                        break;
                }
                (*entries)[(*n)++] = e;
        }
        if (r == 0 && errno != 0) {
                r = -errno;
                if (diags)
                        (void)diags_add(diags, dir, 0, 0, "Failed to read directory: %s", strerror(-r));
        }
        closedir(d);
        return r;
}

/* Policy names seen so far, for the duplicate check: open addressing over
 * indexes into the set being built, so each name costs O(1), not a scan. */
typedef struct NameIndex {
        size_t *slots; /* index + 1; 0 = empty */
        size_t n_slots, n;
} NameIndex;

static uint64_t name_hash(const char *s) {
        uint64_t h = 1469598103934665603ULL; /* FNV-1a */
        for (; *s; s++)
                h = (h ^ (unsigned char)*s) * 1099511628211ULL;
        return h;
}

static const Policy *name_index_find(const NameIndex *x, const PolicySet *set, const char *name) {
        if (!x->n_slots || !name)
                return NULL;
        for (size_t i = name_hash(name) & (x->n_slots - 1);; i = (i + 1) & (x->n_slots - 1)) {
                size_t v = x->slots[i];
                if (v == 0)
                        return NULL;
                if (streq_ptr(set->policies[v - 1].name, name))
                        return &set->policies[v - 1];
        }
}

static int name_index_add(NameIndex *x, const PolicySet *set, size_t idx) {
        if ((x->n + 1) * 2 > x->n_slots) {
                size_t ns = x->n_slots ? x->n_slots * 2 : 256;
                size_t *s = calloc(ns, sizeof(size_t));
                if (!s)
                        return -ENOMEM;
                for (size_t i = 0; i < x->n_slots; i++) {
                        size_t v = x->slots[i];
                        if (v == 0)
                                continue;
                        size_t j = name_hash(set->policies[v - 1].name ?: "") & (ns - 1);
                        while (s[j])
                                j = (j + 1) & (ns - 1);
                        s[j] = v;
                }
                free(x->slots);
                x->slots = s;
                x->n_slots = ns;
        }
        size_t j = name_hash(set->policies[idx].name ?: "") & (x->n_slots - 1);
        while (x->slots[j])
                j = (j + 1) & (x->n_slots - 1);
        x->slots[j] = idx + 1;
        x->n++;
        return 0;
}

/* policy_set_merge() without its scans: the duplicate check through idx, the
 * arrays grown geometrically (*cap_p, *n_files, *cap_f kept by the caller). */
static int merge_indexed(PolicySet *dst, PolicySet *src, NameIndex *idx, size_t *cap_p, size_t *n_files,
                         size_t *cap_f, Diags *diags) {
        bool dup = false;
        size_t nf_src = strv_length(src->files);

        for (size_t i = 0; i < src->n_policies; i++)
                dup = report_duplicate(&src->policies[i], name_index_find(idx, dst, src->policies[i].name),
                                       diags) ||
                      dup;
        if (dup)
                return -EEXIST;

        if (*n_files + nf_src + 1 > *cap_f) {
                size_t nc = MAX(*cap_f * 2, *n_files + nf_src + 1);
                char **f = realloc(dst->files, nc * sizeof(char *));
                if (!f)
                        return -ENOMEM;
                dst->files = f;
                *cap_f = nc;
        }
        if (dst->n_policies + src->n_policies > *cap_p) {
                size_t nc = MAX(*cap_p * 2, dst->n_policies + src->n_policies);
                Policy *np = realloc(dst->policies, nc * sizeof(Policy));
                if (!np)
                        return -ENOMEM;
                dst->policies = np;
                *cap_p = nc;
        }
        for (size_t i = 0; i < src->n_policies; i++) {
                dst->policies[dst->n_policies] = src->policies[i];
                if (name_index_add(idx, dst, dst->n_policies) < 0) {
                        /* not added: give it back so nothing is freed twice */
                        return -ENOMEM;
                }
                dst->n_policies++;
                src->policies[i] = (Policy){};
        }
        free(src->policies);
        src->policies = NULL;
        src->n_policies = 0;

        for (size_t i = 0; i < nf_src; i++) {
                dst->files[(*n_files)++] = src->files[i];
                src->files[i] = NULL;
        }
        dst->files[*n_files] = NULL;

        for (size_t r = 0; r < _RES_MAX; r++)
                if (src->pressure[r].enabled)
                        dst->pressure[r] = src->pressure[r];
        return 0;
}

int policy_set_load_dirs_full(const char *const *dirs, const ParseContext *ctx, PolicySet **ret, Diags *diags,
                              PolicyDirSkipped *skipped) {
        _cleanup_(policy_set_freep) PolicySet *set = NULL;
        NameIndex idx = {};
        DirEntry *entries = NULL;
        size_t n = 0, cap = 0, cap_p = 0, n_files = 0, cap_f = 0;
        int r, ret_r = 0;

        if (!dirs || !ctx || !ret)
                return -EINVAL;

        for (size_t k = 0; dirs[k]; k++) {
                r = collect_dir(dirs[k], k, &entries, &n, &cap, diags, skipped);
                if (r < 0) {
                        dir_entries_free(entries, n);
                        return r;
                }
        }
        if (n > 0) {
                size_t w = 0;

                qsort(entries, n, sizeof(DirEntry), dir_entry_cmp);
                /* the same name in several directories: the earliest directory's wins */
                for (size_t i = 0; i < n; i++) {
                        if (w > 0 && streq(entries[w - 1].name, entries[i].name)) {
                                free(entries[i].name);
                                free(entries[i].path);
                                continue;
                        }
                        entries[w++] = entries[i];
                }
                n = w;
        }

        r = policy_set_new(&set);
        if (r < 0)
                goto finish;
        n_files = strv_length(set->files);
        cap_f = n_files;

        /* Keep going after a bad file so one run reports every problem. */
        for (size_t i = 0; i < n; i++) {
                _cleanup_(policy_set_freep) PolicySet *one = NULL;

                if (!entries[i].path)
                        continue; /* masked */

                r = policy_set_parse_file(entries[i].path, ctx, &one, diags);
                if (r == -ENOMEM)
                        goto finish;
                if (r < 0) {
                        ret_r = ret_r ?: r;
                        continue;
                }
                r = merge_indexed(set, one, &idx, &cap_p, &n_files, &cap_f, diags);
                if (r == -ENOMEM)
                        goto finish;
                if (r < 0)
                        ret_r = ret_r ?: -EINVAL;
        }
        r = ret_r;
        if (r >= 0)
                *ret = TAKE_PTR(set);
finish:
        free(idx.slots);
        dir_entries_free(entries, n);
        return r < 0 ? r : 0;
}

int policy_set_load_dirs(const char *const *dirs, const ParseContext *ctx, PolicySet **ret, Diags *diags) {
        return policy_set_load_dirs_full(dirs, ctx, ret, diags, NULL);
}

static bool match_list(char **patterns, const char *value) {
        if (!patterns)
                return true; /* key absent: no constraint */
        if (!value)
                return false; /* unknown never matches a present key */
        for (char **p = patterns; *p; p++)
                if (fnmatch(*p, value, 0) == 0)
                        return true;
        return false;
}

bool policy_matches(const Policy *p, const UnitInfo *u) {
        if (!p || !u)
                return false;
        /* A policy without any match key would match everything; the loader
         * forbids it, and we refuse to guess here too. */
        if (!p->match.unit && !p->match.slice && !p->match.user && !p->match.exe)
                return false;
        return match_list(p->match.unit, u->name) && match_list(p->match.slice, u->slice) &&
               match_list(p->match.user, u->user) && match_list(p->match.exe, u->exe);
}
