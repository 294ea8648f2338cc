/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fileio.h"
#include "log.h"
#include "macro.h"
#include "state.h"

/* A hand-edited or damaged entry must not break the rest. */
static void drop_non_objects(json_t *units, const char *path) {
        const char *key;
        json_t *v, *tmp;

        json_object_foreach_safe(units, tmp, key, v) {
                if (json_is_object(v))
                        continue;
                log_warning("Ignoring entry \"%s\" in %s: not an object", key, path);
                (void)json_object_del(units, key);
        }
}

static json_t *load_units(const char *path) {
        json_error_t err;
        json_t *root, *units;

        root = json_load_file(path, 0, &err);
        if (!root) {
                if (access(path, F_OK) == 0)
                        log_warning("Ignoring unreadable state file %s:%d:%d: %s", path, err.line,
                                    err.column, err.text);
                return json_object();
        }
        units = json_object_get(root, "units");
        if (!json_is_object(units)) {
                log_warning("Ignoring state file %s: no \"units\" object", path);
                json_decref(root);
                return json_object();
        }
        json_incref(units);
        json_decref(root);

        drop_non_objects(units, path);
        return units;
}

static int save_units(const char *path, json_t *units) {
        _cleanup_(json_decrefp) json_t *root = NULL;
        _cleanup_free_ char *text = NULL, *dir = NULL;
        char *slash;
        int r;

        root = json_pack("{sO}", "units", units);
        if (!root)
                return -ENOMEM;
        text = json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS);
        if (!text)
                return -ENOMEM;
        dir = strdup(path);
        if (!dir)
                return -ENOMEM;
        slash = strrchr(dir, '/');
        if (slash && slash != dir) {
                *slash = 0;
                (void)mkdir_p(dir);
        }
        r = write_file_atomic(path, text);
        if (r < 0)
                return log_error_errno(r, "Failed to write %s: %m", path);
        return 0;
}

int state_load(State *s, const char *state_dir, const char *runtime_dir) {
        *s = (State){};
        s->persistent_path = path_join(state_dir, "overrides.json");
        s->runtime_path = path_join(runtime_dir, "overrides.json");
        s->originals_path = path_join(runtime_dir, "originals.json");
        if (!s->persistent_path || !s->runtime_path || !s->originals_path) {
                state_done(s);
                return -ENOMEM;
        }
        s->persistent = load_units(s->persistent_path);
        s->runtime = load_units(s->runtime_path);
        s->originals = load_units(s->originals_path);
        if (!s->persistent || !s->runtime || !s->originals) {
                state_done(s);
                return -ENOMEM;
        }
        return 0;
}

void state_done(State *s) {
        free(s->persistent_path);
        free(s->runtime_path);
        free(s->originals_path);
        json_decref(s->persistent);
        json_decref(s->runtime);
        json_decref(s->originals);
        *s = (State){};
}

int state_get_layer(State *s, bool runtime, const char *unit, const ParseContext *ctx, PropSet *ret) {
        json_t *obj = json_object_get(runtime ? s->runtime : s->persistent, unit), *v;
        PropSet set = {};
        const char *key;

        json_object_foreach(obj, key, v) {
                const Property *p = property_by_name(key);
                _cleanup_free_ char *err = NULL;
                PropValue pv = {};

                if (!p || !json_is_string(v)) {
                        log_warning("Ignoring stored override %s for %s: unknown property or not a string",
                                    key, unit);
                        continue;
                }
                if (prop_value_parse(p, json_string_value(v), ctx, &pv, &err) < 0) {
                        log_warning("Ignoring stored override for %s: %s", unit, strna(err));
                        continue;
                }
                prop_set_put(&set, p->id, &pv);
        }
        *ret = set;
        return 0;
}

int state_set_layer(State *s, bool runtime, const char *unit, const PropSet *set) {
        json_t *units = runtime ? s->runtime : s->persistent;
        _cleanup_(json_decrefp) json_t *obj = json_object(), *old = NULL;
        const char *path = runtime ? s->runtime_path : s->persistent_path;
        int r;

        if (!obj)
                return -ENOMEM;
        for (PropertyId id = 0; id < _PROP_MAX; id++) {
                _cleanup_free_ char *text = NULL;

                if (!set->has[id])
                        continue;
                r = prop_value_format(property_get(id), &set->v[id], &text);
                if (r < 0)
                        return r;
                if (json_object_set_new(obj, property_get(id)->name, json_string(text)) < 0)
                        return -ENOMEM;
        }

        old = json_object_get(units, unit);
        json_incref(old);
        if (json_object_size(obj) > 0)
                r = json_object_set(units, unit, obj);
        else
                r = old ? json_object_del(units, unit) : 0;
        if (r < 0)
                return -ENOMEM;

        r = save_units(path, units);
        if (r < 0) {
                /* all or nothing: put the previous layer back in memory too */
                if (old)
                        (void)json_object_set(units, unit, old);
                else
                        (void)json_object_del(units, unit);
                return r;
        }
        return 0;
}

const char *state_get_original(State *s, const char *unit, const char *file) {
        json_t *files = json_object_get(json_object_get(s->originals, unit), "files");

        return json_string_value(json_object_get(files, file));
}

int state_put_original(State *s, const char *unit, uint64_t cgroup_id, const char *file,
                       const char *content) {
        json_t *u, *files;
        int r;

        if (state_get_original(s, unit, file))
                return 0;
        u = json_object_get(s->originals, unit);
        if (!u) {
                u = json_pack("{sIs{}}", "cgroup-id", (json_int_t)cgroup_id, "files");
                if (!u || json_object_set_new(s->originals, unit, u) < 0)
                        return -ENOMEM;
        }
        files = json_object_get(u, "files");
        if (!json_is_object(files)) {
                files = json_object();
                if (!files || json_object_set_new(u, "files", files) < 0)
                        return -ENOMEM;
        }
        if (json_object_set_new(files, file, json_string(content)) < 0)
                return -ENOMEM;
        r = save_units(s->originals_path, s->originals);
        if (r < 0) {
                /* a value we cannot restore later must not be changed now */
                (void)json_object_del(files, file);
                return r;
        }
        return 0;
}

int state_drop_original(State *s, const char *unit, const char *file) {
        json_t *u = json_object_get(s->originals, unit);
        json_t *files = json_object_get(u, "files");

        if (!json_object_get(files, file))
                return 0;
        (void)json_object_del(files, file);
        if (json_object_size(files) == 0)
                (void)json_object_del(s->originals, unit);
        return save_units(s->originals_path, s->originals);
}

int state_drop_unit_originals(State *s, const char *unit) {
        if (!json_object_get(s->originals, unit))
                return 0;
        (void)json_object_del(s->originals, unit);
        return save_units(s->originals_path, s->originals);
}

int state_check_cgroup_id(State *s, const char *unit, uint64_t cgroup_id) {
        json_t *u = json_object_get(s->originals, unit);
        json_t *id = json_object_get(u, "cgroup-id");

        if (!u)
                return 0;
        if (json_is_integer(id) && (uint64_t)json_integer_value(id) == cgroup_id)
                return 0;
        log_info("%s: recorded originals belong to an earlier instance of its cgroup, dropping them", unit);
        return state_drop_unit_originals(s, unit);
}

int state_list_originals(State *s, const char *unit, char ***ret) {
        json_t *files = json_object_get(json_object_get(s->originals, unit), "files"), *v;
        size_t n = 0;
        const char *key;
        char **l;

        l = calloc(json_object_size(files) + 1, sizeof(char *));
        if (!l)
                return -ENOMEM;
        json_object_foreach(files, key, v) {
                l[n] = strdup(key);
                if (!l[n]) {
                        strv_freep(&l);
                        return -ENOMEM;
                }
                n++;
        }
        *ret = l;
        return 0;
}

int state_prune_originals(State *s, bool (*keep)(const char *unit, void *userdata), void *userdata) {
        const char *unit;
        json_t *v, *tmp;
        bool changed = false;

        json_object_foreach_safe(s->originals, tmp, unit, v) {
                if (keep(unit, userdata))
                        continue;
                log_info("%s: no longer present, forgetting its recorded original values", unit);
                (void)json_object_del(s->originals, unit);
                changed = true;
        }
        return changed ? save_units(s->originals_path, s->originals) : 0;
}
