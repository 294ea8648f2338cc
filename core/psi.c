/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The kernel's PSI text (Documentation/accounting/psi.rst) and trigger specs.
 * Strict: the kernel's format is fixed, so anything else is a bug or an attack
 * and is refused rather than guessed at. */

#define _GNU_SOURCE 1
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

#include "macro.h"
#include "psi.h"
#include "value.h"

/* The kernel's trigger window bounds (kernel/sched/psi.c). */
#define PSI_WINDOW_MIN_USEC (500 * USEC_PER_MSEC)
#define PSI_WINDOW_MAX_USEC (10 * USEC_PER_SEC)
#define PSI_TEXT_MAX 4096U

/* "12.34" → 1234 (permyriad); 0..100.00, at most two decimals. */
static int parse_avg(const char *s, size_t n, uint64_t *ret) {
        uint64_t ip = 0, frac = 0;
        size_t i = 0, nd = 0;

        if (n == 0 || s[0] < '0' || s[0] > '9')
                return -EINVAL;
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
                if (ip > 1000)
                        return -ERANGE;
                ip = ip * 10 + (uint64_t) (s[i] - '0');
        }
        if (i < n && s[i] == '.') {
                i++;
                for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, nd++) {
                        if (nd >= 2)
                                return -EINVAL;
                        frac = frac * 10 + (uint64_t) (s[i] - '0');
                }
                if (nd == 0)
                        return -EINVAL;
        }
        if (i != n)
                return -EINVAL;
        if (nd == 1)
                frac *= 10;
        uint64_t v = ip * 100 + frac;
        if (v > 10000)
                return -ERANGE;
        *ret = v;
        return 0;
}

static int parse_total(const char *s, size_t n, uint64_t *ret) {
        uint64_t v = 0;

        if (n == 0)
                return -EINVAL;
        for (size_t i = 0; i < n; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return -EINVAL;
                unsigned d = (unsigned) (s[i] - '0');
                if (v > (UINT64_MAX - d) / 10)
                        return -ERANGE;
                v = v * 10 + d;
        }
        *ret = v;
        return 0;
}

/* One line without its "\n": "some avg10=0.00 avg60=0.00 avg300=0.00 total=0". */
static int parse_line(const char *line, size_t len, int *ret_kind, PsiStats *ret) {
        static const char *const keys[] = { "avg10", "avg60", "avg300", "total" };
        PsiStats st = {};
        bool seen[4] = {};
        size_t i = 0;
        int kind, r;

        if (len >= 5 && strncmp(line, "some ", 5) == 0)
                kind = 0;
        else if (len >= 5 && strncmp(line, "full ", 5) == 0)
                kind = 1;
        else
                return -EINVAL;
        i = 4;

        while (i < len) {
                size_t start, klen, vlen;
                const char *eq;
                int k = -1;

                if (line[i] != ' ')
                        return -EINVAL;
                while (i < len && line[i] == ' ')
                        i++;
                if (i == len)
                        break; /* trailing spaces */
                start = i;
                while (i < len && line[i] != ' ')
                        i++;
                eq = memchr(line + start, '=', i - start);
                if (!eq)
                        return -EINVAL;
                klen = (size_t) (eq - (line + start));
                vlen = i - start - klen - 1;
                for (size_t j = 0; j < ELEMENTSOF(keys); j++)
                        if (strlen(keys[j]) == klen && strncmp(line + start, keys[j], klen) == 0)
                                k = (int) j;
                if (k < 0)
                        return -EINVAL;
                if (seen[k])
                        return -EINVAL;
                seen[k] = true;
                switch (k) {
                case 0:
                        r = parse_avg(eq + 1, vlen, &st.avg10);
                        break;
                case 1:
                        r = parse_avg(eq + 1, vlen, &st.avg60);
                        break;
                case 2:
                        r = parse_avg(eq + 1, vlen, &st.avg300);
                        break;
                default:
                        r = parse_total(eq + 1, vlen, &st.total);
                }
                if (r < 0)
                        return r;
        }
        for (size_t j = 0; j < ELEMENTSOF(seen); j++)
                if (!seen[j])
                        return -EINVAL;
        *ret_kind = kind;
        *ret = st;
        return 0;
}

int psi_parse(const char *text, PsiPressure *ret) {
        PsiPressure p = {};
        size_t n;
        int r;

        if (!text || !ret)
                return -EINVAL;
        n = strlen(text);
        if (n == 0 || n > PSI_TEXT_MAX)
                return -EINVAL;

        for (size_t i = 0; i < n;) {
                const char *nl = memchr(text + i, '\n', n - i);
                size_t len = nl ? (size_t) (nl - (text + i)) : n - i;
                PsiStats st;
                int kind;

                if (len == 0)
                        return -EINVAL; /* blank line */
                r = parse_line(text + i, len, &kind, &st);
                if (r < 0)
                        return r;
                if (kind == 0) {
                        if (p.has_some)
                                return -EINVAL;
                        p.has_some = true;
                        p.some = st;
                } else {
                        if (p.has_full)
                                return -EINVAL;
                        p.has_full = true;
                        p.full = st;
                }
                i += len + (nl ? 1 : 0);
        }
        if (!p.has_some)
                return -EINVAL; /* every pressure file has a "some" line */
        *ret = p;
        return 0;
}

static int check_trigger(int kind, uint64_t stall, uint64_t window) {
        if (kind != 0 && kind != 1)
                return -EINVAL;
        if (window < PSI_WINDOW_MIN_USEC || window > PSI_WINDOW_MAX_USEC)
                return -ERANGE;
        if (stall == 0 || stall > window)
                return -ERANGE;
        return 0;
}

int psi_parse_trigger(const char *s, int *ret_kind, uint64_t *ret_stall_usec, uint64_t *ret_window_usec) {
        char kind_s[8], stall_s[64], window_s[64], junk[2];
        uint64_t stall, window;
        int kind, r;

        if (!s || strlen(s) > 256)
                return -EINVAL;
        /* Three whitespace-separated words; durations in systemd's syntax. */
        if (sscanf(s, " %7s %63s %63s %1s", kind_s, stall_s, window_s, junk) != 3)
                return -EINVAL;
        if (streq(kind_s, "some"))
                kind = 0;
        else if (streq(kind_s, "full"))
                kind = 1;
        else
                return -EINVAL;
        r = parse_duration(stall_s, &stall);
        if (r < 0)
                return r;
        r = parse_duration(window_s, &window);
        if (r < 0)
                return r;
        r = check_trigger(kind, stall, window);
        if (r < 0)
                return r;
        *ret_kind = kind;
        *ret_stall_usec = stall;
        *ret_window_usec = window;
        return 0;
}

int psi_format_trigger(int kind, uint64_t stall_usec, uint64_t window_usec, char **ret) {
        char *t;
        int r;

        r = check_trigger(kind, stall_usec, window_usec);
        if (r < 0)
                return r;
        if (asprintf(&t, "%s %" PRIu64 " %" PRIu64, kind == 0 ? "some" : "full", stall_usec, window_usec) < 0)
                return -ENOMEM;
        *ret = t;
        return 0;
}

static void stats_max(PsiStats *acc, const PsiStats *s) {
        acc->avg10 = acc->avg10 > s->avg10 ? acc->avg10 : s->avg10;
        acc->avg60 = acc->avg60 > s->avg60 ? acc->avg60 : s->avg60;
        acc->avg300 = acc->avg300 > s->avg300 ? acc->avg300 : s->avg300;
        acc->total = acc->total > s->total ? acc->total : s->total;
}

void psi_merge_max(PsiPressure *acc, const PsiPressure *p) {
        if (p->has_some) {
                if (!acc->has_some)
                        acc->some = p->some;
                stats_max(&acc->some, &p->some);
                acc->has_some = true;
        }
        if (p->has_full) {
                if (!acc->has_full)
                        acc->full = p->full;
                stats_max(&acc->full, &p->full);
                acc->has_full = true;
        }
}
