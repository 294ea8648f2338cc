/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* originals.log: what a batch of applies (start-up, reload, many new units)
 * recorded, appended to a log instead of rewriting the whole originals.json
 * once per batch, which made a start-up of N units write O(N²) bytes (issue 10).
 * One JSON object per line:
 *   {"generation": G}                                       first line
 *   {"unit": "db.service", "entry": {"cgroup-id": N, "files": {...}}}
 *   {"unit": "gone.service", "entry": null}                 its originals dropped
 * Each line is a unit's whole entry after the batch, so replaying is setting
 * or deleting entries in order. The log belongs to the originals.json of the
 * same generation: a full save writes generation G+1 and then removes the log,
 * so a crash between the two leaves a log that is ignored, not replayed over a
 * newer file. A last line cut short by a crash was never acknowledged (its
 * fsync did not return) and is dropped; a bad line before it damages the log. */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "macro.h"
#include "state-log.h"

static int write_all(int fd, const char *s, size_t len) {
        while (len > 0) {
                ssize_t k = write(fd, s, len);

                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                s += k;
                len -= (size_t)k;
        }
        return 0;
}

/* Appends one line per unit touched since the last save or append. */
int state_log_append(State *s) {
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        FILE *mem;
        struct stat st;
        const char *unit;
        json_t *v;
        int r = 0;

        fd = open(s->originals_log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0644);
        if (fd < 0 || fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EBADFD;
        mem = open_memstream(&text, &len);
        if (!mem)
                return -ENOMEM;
        if (st.st_size == 0)
                fprintf(mem, "{\"generation\": %" JSON_INTEGER_FORMAT "}\n", s->originals_generation);
        json_object_foreach(s->originals_touched, unit, v) {
                _cleanup_(json_decrefp) json_t *line = json_pack("{sssO?}", "unit", unit, "entry",
                                                                 json_object_get(s->originals, unit));
                _cleanup_free_ char *t = line ? json_dumps(line, JSON_COMPACT) : NULL;

                if (!t) {
                        r = -ENOMEM;
                        break;
                }
                fprintf(mem, "%s\n", t);
        }
        if (fclose(mem) != 0 && r == 0)
                r = -ENOMEM;
        if (r < 0)
                return r;
        /* a failed write may leave part of a line: cut it, so the log stays whole */
        r = write_all(fd, text, len);
        if (r >= 0 && fsync(fd) < 0)
                r = -errno;
        if (r < 0) {
                (void)ftruncate(fd, st.st_size);
                return r;
        }
        json_object_clear(s->originals_touched);
        s->originals_logged = true;
        return 0;
}

/* Replays originals.log over s->originals. Returns 0, or -EBADMSG when a line
 * before the last could not be used (the caller treats the originals as lost). */
int state_log_replay(State *s) {
        _cleanup_(fclosep) FILE *f = NULL;
        _cleanup_free_ char *line = NULL;
        size_t alloc = 0, n = 0, bad = 0, bad_line = 0;
        json_int_t generation = -1;
        int fd, r = 0;
        struct stat st;
        ssize_t k;

        fd = open(s->originals_log_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
        if (fd < 0)
                return errno == ENOENT ? 0 : -errno;
        /* whatever it holds, the next flush saves originals.json whole and removes it */
        s->originals_log_found = s->originals_logged = true;
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
                (void)close(fd);
                return -EBADMSG;
        }
        f = fdopen(fd, "r");
        if (!f) {
                (void)close(fd);
                return -errno;
        }
        while ((k = getline(&line, &alloc, f)) >= 0) {
                _cleanup_(json_decrefp) json_t *o = NULL;
                json_t *unit, *entry;

                n++;
                if (bad > 0) {
                        /* something follows a bad line: it was not a torn last line */
                        r = -EBADMSG;
                        break;
                }
                o = line[k > 0 ? k - 1 : 0] == '\n' ? json_loads(line, 0, NULL) : NULL;
                if (n == 1) {
                        json_t *g = json_object_get(o, "generation");

                        if (!json_is_integer(g)) {
                                bad = 1, bad_line = n;
                                continue;
                        }
                        generation = json_integer_value(g);
                        if (generation != s->originals_generation) {
                                log_info("Ignoring %s: it belongs to generation %" JSON_INTEGER_FORMAT
                                         " of %s, which is at %" JSON_INTEGER_FORMAT,
                                         s->originals_log_path, generation, s->originals_path,
                                         s->originals_generation);
                                return 0;
                        }
                        continue;
                }
                unit = json_object_get(o, "unit");
                entry = json_object_get(o, "entry");
                if (!json_is_string(unit) || !(json_is_object(entry) || json_is_null(entry))) {
                        bad = 1, bad_line = n;
                        continue;
                }
                if (json_is_null(entry))
                        (void)json_object_del(s->originals, json_string_value(unit));
                else if (json_object_set(s->originals, json_string_value(unit), entry) < 0)
                        return -ENOMEM;
        }
        if (r < 0) {
                log_error("State file %s: line %zu cannot be read, and more follows", s->originals_log_path,
                          bad_line);
                return r;
        }
        if (bad > 0)
                log_warning("%s: dropping its last line (%zu), cut short by an interrupted write",
                            s->originals_log_path, bad_line);
        return 0;
}
