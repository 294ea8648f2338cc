/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "log.h"
#include "macro.h"
#include "state-log.h"
#include "state.h"

/* mkostemp's XXXXXX alphabet */
#define TEMP_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

static void closedirp(DIR **d) {
        if (*d)
                (void)closedir(*d);
}

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

/* A state file we cannot use is moved out of the way rather than ignored: the
 * next save would otherwise replace it, and with it every entry an admin could
 * still recover by hand. Returns false when it could not be moved; the caller
 * then must not write that file at all. */
static bool keep_aside(const char *path, const char *why) {
        _cleanup_free_ char *aside = NULL;
        struct timespec ts;
        struct tm tm;
        char stamp[32];

        (void)clock_gettime(CLOCK_REALTIME, &ts);
        if (!gmtime_r(&ts.tv_sec, &tm) || strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%S", &tm) == 0)
                stamp[0] = 0;
        if (asprintf(&aside, "%s.corrupt-%s.%06ld", path, stamp, ts.tv_nsec / 1000) < 0)
                aside = NULL;
        if (!aside || renameat2(AT_FDCWD, path, AT_FDCWD, aside, RENAME_NOREPLACE) < 0) {
                log_error_errno(aside ? -errno : -ENOMEM,
                                "State file %s: %s; cannot move it aside (%m), so it will not be written "
                                "until it is repaired or removed",
                                path, why);
                return false;
        }
        log_error("State file %s: %s; kept as %s, starting without its entries", path, why, aside);
        return true;
}

/* Loads the "units" object of path. Missing is empty. Anything else that is not a
 * well-formed state file (syntax error, FIFO, symlink, directory) is kept aside;
 * *ret_locked is set when it could not even be moved. Never blocks: a FIFO is opened
 * non-blocking and refused before it is read. */
static json_t *load_units(const char *path, bool *ret_locked, bool *ret_damaged, json_int_t *ret_generation) {
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *why = NULL;
        json_error_t err;
        json_t *root, *units;
        struct stat st;

        *ret_locked = false;
        if (ret_damaged)
                *ret_damaged = true; /* until it is found missing or well-formed */
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK);
        if (fd < 0) {
                if (errno == ENOENT) {
                        if (ret_damaged)
                                *ret_damaged = false;
                        return json_object();
                }
                if (errno == ELOOP)
                        *ret_locked = !keep_aside(path, "is a symbolic link, not a regular file");
                else {
                        log_error_errno(-errno, "State file %s cannot be opened (%m); it will not be written", path);
                        *ret_locked = true;
                }
                return json_object();
        }
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
                *ret_locked = !keep_aside(path, "is not a regular file");
                return json_object();
        }

        root = json_loadfd(fd, 0, &err);
        if (!root) {
                if (asprintf(&why, "%s:%d:%d: %s", path, err.line, err.column, err.text) < 0)
                        why = NULL;
                *ret_locked = !keep_aside(path, why ? why : "cannot be parsed");
                return json_object();
        }
        units = json_object_get(root, "units");
        if (!json_is_object(units)) {
                json_decref(root);
                *ret_locked = !keep_aside(path, "has no \"units\" object");
                return json_object();
        }
        if (ret_generation)
                *ret_generation = json_integer_value(json_object_get(root, "generation")); /* 0 if none */
        json_incref(units);
        json_decref(root);

        drop_non_objects(units, path);
        if (ret_damaged)
                *ret_damaged = false;
        return units;
}

/* Temp files of atomic writes a kill interrupted ("overrides.json.AbC123"): the
 * rename never happened, so they hold nothing the real file lacks. */
static void remove_stale_temp_files(const char *dir) {
        _cleanup_(closedirp) DIR *d = opendir(dir);
        unsigned n = 0;
        struct dirent *de;

        if (!d)
                return;
        while ((de = readdir(d))) {
                static const char *const bases[] = { "overrides.json.", "originals.json.", "revert.json." };

                for (size_t i = 0; i < ELEMENTSOF(bases); i++) {
                        size_t l = strlen(bases[i]);

                        if (strncmp(de->d_name, bases[i], l) != 0 || strlen(de->d_name + l) != 6 ||
                            strspn(de->d_name + l, TEMP_CHARS) != 6)
                                continue;
                        if (unlinkat(dirfd(d), de->d_name, 0) == 0)
                                n++;
                        else
                                log_warning_errno(-errno, "Cannot remove stale temporary file %s/%s: %m", dir,
                                                  de->d_name);
                }
        }
        if (n > 0)
                log_info("Removed %u temporary file(s) left in %s by interrupted writes", n, dir);
}

static int save_units_generation(const char *path, json_t *units, bool locked, json_int_t generation);

static int save_units(const char *path, json_t *units, bool locked) {
        return save_units_generation(path, units, locked, -1);
}

/* generation < 0: none (the override files) */
static int save_units_generation(const char *path, json_t *units, bool locked, json_int_t generation) {
        _cleanup_(json_decrefp) json_t *root = NULL;
        _cleanup_free_ char *text = NULL, *dir = NULL;
        char *slash;
        int r;

        if (locked)
                return log_error_errno(-EBADFD, "Not writing %s: the file there could not be read or moved aside",
                                       path);
        root = generation >= 0 ? json_pack("{sIsO}", "generation", generation, "units", units)
                               : json_pack("{sO}", "units", units);
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

/* Drops props (NULL: all) of unit from one layer's "units" object, in memory. */
static int drop_props(json_t *units, const char *unit, json_t *props) {
        json_t *obj = json_object_get(units, unit), *v;
        size_t i;

        if (!obj)
                return 0;
        if (json_is_null(props) || !props)
                return json_object_del(units, unit) < 0 ? -ENOMEM : 0;
        json_array_foreach(props, i, v)
                if (json_is_string(v))
                        (void)json_object_del(obj, json_string_value(v));
        if (json_object_size(obj) == 0)
                (void)json_object_del(units, unit);
        return 0;
}

/* Both layers to disk; on failure the persistent one is put back as it was. */
static int save_layers(State *s, json_t *old_persistent) {
        int r;

        r = save_units(s->persistent_path, s->persistent, s->persistent_locked);
        if (r < 0)
                return r;
        r = save_units(s->runtime_path, s->runtime, s->runtime_locked);
        if (r < 0 && old_persistent &&
            save_units(s->persistent_path, old_persistent, s->persistent_locked) < 0)
                return -EIO; /* the revert is half on disk: only revert.json can finish it */
        return r;
}

int state_revert(State *s, const char *unit, const char *const *props) {
        _cleanup_(json_decrefp) json_t *intent = NULL, *list = NULL, *old_p = NULL, *old_r = NULL;
        _cleanup_free_ char *text = NULL;
        int r;

        if (props) {
                list = json_array();
                if (!list)
                        return -ENOMEM;
                for (const char *const *p = props; *p; p++)
                        if (json_array_append_new(list, json_string(*p)) < 0)
                                return -ENOMEM;
        }
        intent = json_pack("{ssso}", "unit", unit, "properties", list ? json_incref(list) : json_null());
        if (!intent)
                return -ENOMEM;
        text = json_dumps(intent, JSON_INDENT(2) | JSON_SORT_KEYS);
        old_p = json_deep_copy(s->persistent);
        old_r = json_deep_copy(s->runtime);
        if (!text || !old_p || !old_r)
                return -ENOMEM;
        if (s->persistent_locked || s->runtime_locked)
                return log_error_errno(-EBADFD, "Not reverting %s: a state file could not be read or moved aside",
                                       unit);

        /* the commit point */
        r = write_file_atomic(s->revert_path, text);
        if (r < 0)
                return log_error_errno(r, "Failed to write %s: %m", s->revert_path);

        r = drop_props(s->persistent, unit, list);
        if (r >= 0)
                r = drop_props(s->runtime, unit, list);
        if (r >= 0)
                r = save_layers(s, old_p);
        if (r == -EIO) {
                log_error("Reverting %s: only the persistent layer was saved; %s completes it at the next start",
                          unit, s->revert_path);
                return r;
        }
        if (r < 0) {
                json_decref(s->persistent);
                json_decref(s->runtime);
                s->persistent = TAKE_PTR(old_p);
                s->runtime = TAKE_PTR(old_r);
        }
        if (unlink(s->revert_path) < 0 && errno != ENOENT)
                log_warning_errno(-errno, "Cannot remove %s: %m", s->revert_path);
        return r;
}

/* A revert.json left by a kill between its rename and its removal: do the rest. */
static void finish_revert(State *s) {
        _cleanup_(json_decrefp) json_t *intent = NULL;
        json_error_t err;
        const char *unit;
        json_t *props;

        intent = json_load_file(s->revert_path, 0, &err);
        if (!intent) {
                if (access(s->revert_path, F_OK) == 0)
                        log_warning("Ignoring %s: %s", s->revert_path, err.text);
                (void)unlink(s->revert_path);
                return;
        }
        unit = json_string_value(json_object_get(intent, "unit"));
        props = json_object_get(intent, "properties");
        if (!unit || !(json_is_null(props) || json_is_array(props))) {
                log_warning("Ignoring %s: no unit or properties", s->revert_path);
                (void)unlink(s->revert_path);
                return;
        }
        if (drop_props(s->persistent, unit, props) < 0 || drop_props(s->runtime, unit, props) < 0 ||
            save_layers(s, NULL) < 0) {
                log_error("Cannot finish the interrupted revert of %s; %s is kept to retry", unit,
                          s->revert_path);
                return;
        }
        log_info("%s: finished a revert that was interrupted", unit);
        (void)unlink(s->revert_path);
}

/* originals.log over originals.json. Beside a damaged originals.json it cannot
 * be placed (whose generation?): kept aside with it. A damaged log loses what
 * the originals are, as a damaged originals.json does (originals_lost). */
static void load_log(State *s) {
        int r;

        if (s->originals_lost || s->originals_locked) {
                if (access(s->originals_log_path, F_OK) == 0)
                        (void)keep_aside(s->originals_log_path, "belongs to a damaged originals.json");
                return;
        }
        r = state_log_replay(s);
        if (r == -EBADMSG) {
                if (!keep_aside(s->originals_log_path, "cannot be read"))
                        s->originals_locked = true;
                s->originals_lost = true;
        } else if (r < 0) {
                log_error_errno(r, "Cannot read %s (%m): original values unknown", s->originals_log_path);
                s->originals_lost = true;
        }
}

int state_load(State *s, const char *state_dir, const char *runtime_dir) {
        *s = (State){};
        s->persistent_path = path_join(state_dir, "overrides.json");
        s->runtime_path = path_join(runtime_dir, "overrides.json");
        s->originals_path = path_join(runtime_dir, "originals.json");
        s->revert_path = path_join(runtime_dir, "revert.json");
        s->originals_log_path = path_join(runtime_dir, "originals.log");
        s->originals_touched = json_object();
        if (!s->persistent_path || !s->runtime_path || !s->originals_path || !s->revert_path ||
            !s->originals_log_path || !s->originals_touched) {
                state_done(s);
                return -ENOMEM;
        }
        remove_stale_temp_files(state_dir);
        remove_stale_temp_files(runtime_dir);
        s->persistent = load_units(s->persistent_path, &s->persistent_locked, NULL, NULL);
        s->runtime = load_units(s->runtime_path, &s->runtime_locked, NULL, NULL);
        s->originals = load_units(s->originals_path, &s->originals_locked, &s->originals_lost,
                                  &s->originals_generation);
        if (!s->persistent || !s->runtime || !s->originals) {
                state_done(s);
                return -ENOMEM;
        }
        load_log(s);
        finish_revert(s);
        return 0;
}

void state_done(State *s) {
        free(s->persistent_path);
        free(s->runtime_path);
        free(s->originals_path);
        free(s->revert_path);
        free(s->originals_log_path);
        json_decref(s->originals_touched);
        json_decref(s->persistent);
        json_decref(s->runtime);
        json_decref(s->originals);
        *s = (State){};
}

int state_get_layer(State *s, bool runtime, const char *unit, const ParseContext *ctx, PropSet *ret) {
        json_t *obj = json_object_get(runtime ? s->runtime : s->persistent, unit), *v;
        /* The stored texts are our own canonical ones, which include forms that only
         * D-Bus input produces (a CPUQuota with 4 decimals). */
        ParseContext own = ctx ? *ctx : (ParseContext) {};
        PropSet set = {};
        const char *key;

        own.own_text = true;

        json_object_foreach(obj, key, v) {
                const Property *p = property_by_name(key);
                _cleanup_free_ char *err = NULL;
                PropValue pv = {};

                if (!p || !json_is_string(v)) {
                        log_warning("Ignoring stored override %s for %s: unknown property or not a string",
                                    key, unit);
                        continue;
                }
                if (prop_value_parse(p, json_string_value(v), &own, &pv, &err) < 0) {
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

        r = save_units(path, units, runtime ? s->runtime_locked : s->persistent_locked);
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

/* unit's originals changed in memory: the next flush saves them */
static void touch(State *s, const char *unit) {
        s->originals_dirty = true;
        if (json_object_set_new(s->originals_touched, unit, json_true()) < 0)
                s->originals_appending = false; /* cannot tell what to append: save it all */
}

const char *state_get_original(State *s, const char *unit, const char *file) {
        json_t *files = json_object_get(json_object_get(s->originals, unit), "files");

        return json_string_value(json_object_get(files, file));
}

int state_put_original(State *s, const char *unit, uint64_t cgroup_id, const char *file,
                       const char *content) {
        json_t *u, *files;

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
        touch(s, unit);
        return 0;
}

int state_flush_originals(State *s) {
        int r;

        if (!s->originals_dirty)
                return 0;
        if (s->originals_appending && !s->originals_locked && !s->originals_log_found) {
                r = state_log_append(s);
                if (r >= 0) {
                        s->originals_dirty = false;
                        log_debug("Appended to %s", s->originals_log_path);
                        return 0;
                }
                log_warning_errno(r, "Cannot append to %s (%m), saving %s whole", s->originals_log_path,
                                  s->originals_path);
        }
        r = save_units_generation(s->originals_path, s->originals, s->originals_locked,
                                  s->originals_generation + 1);
        if (r < 0)
                return r;
        s->originals_generation++;
        /* the log is of the generation before: ignored at a load, removed now */
        if (s->originals_logged && unlink(s->originals_log_path) < 0 && errno != ENOENT)
                log_warning_errno(-errno, "Cannot remove %s: %m", s->originals_log_path);
        s->originals_logged = s->originals_log_found = false;
        json_object_clear(s->originals_touched);
        s->originals_dirty = false;
        s->n_originals_saves++;
        log_debug("Saved %s (%zu units)", s->originals_path, json_object_size(s->originals));
        return 0;
}

int state_originals_batch(State *s, bool on) {
        s->originals_appending = on;
        if (on || !s->originals_logged)
                return 0;
        s->originals_dirty = true; /* fold the log into one save */
        return state_flush_originals(s);
}

int state_drop_original(State *s, const char *unit, const char *file) {
        json_t *u = json_object_get(s->originals, unit);
        json_t *files = json_object_get(u, "files");

        if (!json_object_get(files, file))
                return 0;
        (void)json_object_del(files, file);
        if (json_object_size(files) == 0)
                (void)json_object_del(s->originals, unit);
        touch(s, unit);
        return 0;
}

int state_drop_unit_originals(State *s, const char *unit) {
        if (!json_object_get(s->originals, unit))
                return 0;
        (void)json_object_del(s->originals, unit);
        touch(s, unit);
        return 0;
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

int state_list_original_units(State *s, char ***ret) {
        size_t n = 0;
        const char *unit;
        json_t *v;
        char **l;

        l = calloc(json_object_size(s->originals) + 1, sizeof(char *));
        if (!l)
                return -ENOMEM;
        json_object_foreach(s->originals, unit, v) {
                l[n] = strdup(unit);
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
        if (changed)
                s->originals_dirty = true;
        return state_flush_originals(s);
}
