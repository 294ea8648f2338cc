/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Parsers and formatters for systemd's value syntax (systemd.resource-control(5)).
 * Every parser trims surrounding whitespace like systemd's unit-file reader and
 * rejects anything else it does not understand; the reason for a failure is kept
 * per thread for the caller's message (value_error_reason()). */

#define _GNU_SOURCE 1
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

#include "macro.h"
#include "value.h"

#define WHITESPACE " \t\n\r"

static _Thread_local const char *last_reason = "";

const char *value_error_reason(void) {
        return last_reason;
}

/* Records why parsing failed and returns the errno, so callers can write
 * `return fail(-EINVAL, "...")`. */
static int fail(int r, const char *reason) {
        last_reason = reason;
        return r;
}

bool string_has_nul(const char *s, size_t len) {
        return s && memchr(s, 0, len) != NULL;
}

static bool is_ws(char c) {
        return c && strchr(WHITESPACE, c);
}

static bool is_digit(char c) {
        return c >= '0' && c <= '9';
}

/* The text between leading and trailing whitespace, as [*ret_start, *ret_start + *ret_len). */
static void trim(const char *s, const char **ret_start, size_t *ret_len) {
        while (is_ws(*s))
                s++;
        size_t n = strlen(s);
        while (n > 0 && is_ws(s[n - 1]))
                n--;
        *ret_start = s;
        *ret_len = n;
}

/* A malloc'ed, trimmed copy; NULL on OOM. */
static char *trimmed_dup(const char *s) {
        const char *b;
        size_t n;

        trim(s, &b, &n);
        return strndup(b, n);
}

/* Unsigned decimal digits at *p (at least one), advancing *p. */
static int read_digits(const char **p, uint64_t *ret) {
        const char *q = *p;
        uint64_t v = 0;

        if (!is_digit(*q))
                return fail(-EINVAL, "not a number");
        for (; is_digit(*q); q++) {
                unsigned d = (unsigned) (*q - '0');
                if (v > (UINT64_MAX - d) / 10)
                        return fail(-ERANGE, "number too large");
                v = v * 10 + d;
        }
        *p = q;
        *ret = v;
        return 0;
}

/* Optional ".ddd" at *p: the digits as an integer plus their count. At most
 * max_digits digits are accepted (so value * 10^-n stays exact). */
static int read_fraction(const char **p, unsigned max_digits, uint64_t *ret_frac, unsigned *ret_n) {
        const char *q = *p;
        uint64_t f = 0;
        unsigned n = 0;

        if (*q != '.') {
                *ret_frac = 0;
                *ret_n = 0;
                return 0;
        }
        q++;
        if (!is_digit(*q))
                return fail(-EINVAL, "expected digits after decimal point");
        for (; is_digit(*q); q++) {
                if (n >= max_digits)
                        return fail(-EINVAL, "too many digits after decimal point");
                f = f * 10 + (unsigned) (*q - '0');
                n++;
        }
        *p = q;
        *ret_frac = f;
        *ret_n = n;
        return 0;
}

static uint64_t pow10_u64(unsigned n) {
        uint64_t r = 1;
        while (n-- > 0)
                r *= 10;
        return r;
}

/* ip.frac (n fraction digits) × mul, truncated toward zero; -ERANGE on overflow. */
static int scale_decimal(uint64_t ip, uint64_t frac, unsigned n, uint64_t mul, uint64_t *ret) {
        unsigned __int128 v = (unsigned __int128) ip * mul;
        v += (unsigned __int128) frac * mul / pow10_u64(n);
        if (v > UINT64_MAX)
                return fail(-ERANGE, "number too large");
        *ret = (uint64_t) v;
        return 0;
}

/* systemd's safe_atou64() spelling, which set-property uses for weights and
 * TasksMax: leading whitespace and one '+' are taken, nothing may follow the
 * digits (not even whitespace). Base 10 only: systemd would also read "0x12c"
 * and "0o454", which no one means for a weight. */
int parse_unsigned(const char *s, uint64_t *ret) {
        const char *p;
        uint64_t v;
        int r;

        if (!s)
                return fail(-EINVAL, "missing value");
        p = s + strspn(s, WHITESPACE);
        if (*p == 0)
                return fail(-EINVAL, "empty value");
        if (*p == '-')
                return fail(-EINVAL, "negative values are not allowed");
        if (*p == '+')
                p++;
        r = read_digits(&p, &v);
        if (r < 0)
                return r;
        if (*p)
                return fail(-EINVAL, is_ws(*p) && p[strspn(p, WHITESPACE)] == 0
                                             ? "trailing whitespace (systemd refuses it)"
                                             : "trailing characters after number");
        *ret = v;
        return 0;
}

/* Leading whitespace and a '+' before a percentage, as systemd's safe_atoi()
 * takes them; the result points at the digits. */
static const char *skip_plus(const char *s) {
        s += strspn(s, WHITESPACE);
        return *s == '+' ? s + 1 : s;
}

static int reject_sign(const char *s) {
        if (*s == '-')
                return fail(-EINVAL, "negative values are not allowed");
        if (*s == '+')
                return fail(-EINVAL, "a sign is not allowed");
        return 0;
}

/* "N%", "N.NN%", "N.N‰", "N‱" → parts per `unit` where 100% = `unit`, at most
 * `pct_digits` decimals for "%". Text must be trimmed already. */
static int parse_percent_scaled(const char *s, unsigned pct_digits, uint64_t unit, uint64_t *ret) {
        static const struct {
                const char *suffix;
                uint64_t per_100pct;
                unsigned max_digits;
        } suffixes[] = {
                { "%", 100, 0 }, /* max_digits comes from pct_digits */
                { "\xe2\x80\xb0", 1000, 1 }, /* ‰ */
                { "\xe2\x80\xb1", 10000, 0 }, /* ‱ */
        };
        size_t len = strlen(s);
        int r;

        r = reject_sign(s);
        if (r < 0)
                return r;

        for (size_t i = 0; i < ELEMENTSOF(suffixes); i++) {
                size_t sl = strlen(suffixes[i].suffix);
                if (len <= sl || !streq(s + len - sl, suffixes[i].suffix))
                        continue;

                const char *p = s;
                uint64_t ip, frac;
                unsigned n;
                unsigned maxd = i == 0 ? pct_digits : suffixes[i].max_digits;

                r = read_digits(&p, &ip);
                if (r < 0)
                        return r;
                r = read_fraction(&p, maxd, &frac, &n);
                if (r < 0)
                        return r;
                if (p != s + len - sl)
                        return fail(-EINVAL, is_ws(*p) ? "space before percent sign" : "trailing characters after number");

                /* value = (ip + frac/10^n) * unit / per_100pct, exact when the
                 * digit limits say so. */
                unsigned __int128 num = ((unsigned __int128) ip * pow10_u64(n) + frac) * unit;
                unsigned __int128 den = (unsigned __int128) pow10_u64(n) * suffixes[i].per_100pct;
                unsigned __int128 v = num / den;
                if (v > UINT64_MAX)
                        return fail(-ERANGE, "number too large");
                *ret = (uint64_t) v;
                return 0;
        }
        return fail(-EINVAL, "expected a percentage like \"50%\"");
}

int parse_permyriad(const char *s, bool allow_over_100, uint64_t *ret) {
        _cleanup_free_ char *t = NULL;
        uint64_t v;
        int r;

        if (!s)
                return fail(-EINVAL, "missing value");
        t = trimmed_dup(s);
        if (!t)
                return -ENOMEM;
        if (!*t)
                return fail(-EINVAL, "empty value");
        r = parse_percent_scaled(skip_plus(t), 2, 10000, &v);
        if (r < 0)
                return r;
        if (!allow_over_100 && v > 10000)
                return fail(-ERANGE, "percentage above 100%");
        *ret = v;
        return 0;
}

int parse_cpu_quota(const char *s, bool own_text, uint64_t *ret_usec_per_sec) {
        uint64_t v;
        int r;

        if (!s)
                return fail(-EINVAL, "missing value");
        if (own_text) {
                _cleanup_free_ char *t = trimmed_dup(s);
                if (!t)
                        return -ENOMEM;
                if (streq(t, "infinity")) {
                        *ret_usec_per_sec = UINT64_MAX;
                        return 0;
                }
                r = parse_percent_scaled(t, 4, USEC_PER_SEC, &v);
        } else {
                /* systemd's parse_permyriad_unbounded(): "N.NN%", "N.N‰", "N‱";
                 * no "infinity" (the empty assignment is that). */
                const char *t = skip_plus(s);
                size_t n = strlen(t);
                if (*t == 0)
                        return fail(-EINVAL, "empty value");
                if (is_ws(t[n - 1]))
                        return fail(-EINVAL, "trailing whitespace (systemd refuses it)");
                if (streq(t, "infinity"))
                        return fail(-EINVAL, "\"infinity\" is not a quota (an empty value removes the quota)");
                r = parse_percent_scaled(t, 2, USEC_PER_SEC, &v);
        }
        if (r < 0)
                return r;
        if (v == 0)
                return fail(-ERANGE, "quota must be above 0%");
        if (v == UINT64_MAX)
                return fail(-ERANGE, "number too large");
        *ret_usec_per_sec = v;
        return 0;
}

/* "12.5" style text of num/den with up to max_digits decimals, trailing zeros
 * dropped. Exact when den divides num * 10^max_digits. */
static int format_decimal(uint64_t num, uint64_t den, unsigned max_digits, const char *suffix, char **ret) {
        uint64_t ip = num / den, rem = num % den;
        char frac[24] = "";
        unsigned n = 0;

        while (rem && n < max_digits) {
                unsigned __int128 x = (unsigned __int128) rem * 10;
                frac[n++] = (char) ('0' + (unsigned) (x / den));
                rem = (uint64_t) (x % den);
        }
        frac[n] = 0;
        while (n > 0 && frac[n - 1] == '0')
                frac[--n] = 0;

        char *t;
        if (asprintf(&t, "%" PRIu64 "%s%s%s", ip, n ? "." : "", frac, suffix) < 0)
                return -ENOMEM;
        *ret = t;
        return 0;
}

int format_cpu_quota(uint64_t usec_per_sec, char **ret) {
        if (usec_per_sec == UINT64_MAX) {
                char *t = strdup("infinity");
                if (!t)
                        return -ENOMEM;
                *ret = t;
                return 0;
        }
        /* percent = usec / 10000, exact with 4 decimals. */
        return format_decimal(usec_per_sec, 10000, 4, "%", ret);
}

static const struct {
        char c;
        unsigned exp;
} size_suffixes[] = {
        { 'B', 0 }, { 'K', 1 }, { 'M', 2 }, { 'G', 3 }, { 'T', 4 }, { 'P', 5 }, { 'E', 6 },
};

static uint64_t ipow(uint64_t base, unsigned exp) {
        uint64_t r = 1;
        while (exp-- > 0)
                r *= base;
        return r;
}

/* The suffix at *p (after optional whitespace) as an index into size_suffixes,
 * or ELEMENTSOF(size_suffixes) for none (plain bytes). */
static size_t read_size_suffix(const char **p) {
        const char *q = *p + strspn(*p, WHITESPACE);

        for (size_t i = 0; i < ELEMENTSOF(size_suffixes); i++)
                if (*q == size_suffixes[i].c) {
                        *p = q + 1;
                        return i;
                }
        return ELEMENTSOF(size_suffixes);
}

/* One or more components as systemd's parse_size() takes them: "1G 512M",
 * "1.5G", "1.5" (= 1, fractions of a byte are dropped), each in a smaller unit
 * than the one before; leading whitespace and '+' are taken, trailing
 * whitespace is not. Text must not be empty. */
static int parse_size_components(const char *s, uint64_t base, uint64_t *ret) {
        const char *p = s;
        size_t last = SIZE_MAX; /* suffix index of the previous component */
        uint64_t sum = 0;
        int r;

        do {
                uint64_t ip, frac = 0, mul, part;
                unsigned nd = 0;
                size_t k;

                p += strspn(p, WHITESPACE);
                if (*p == 0)
                        return fail(-EINVAL, "trailing whitespace (systemd refuses it)");
                if (*p == '-')
                        return fail(-EINVAL, "negative values are not allowed");
                if (*p == '+')
                        p++;
                r = read_digits(&p, &ip);
                if (r < 0)
                        return r;
                if (*p == '.') /* "10.M" is valid, as in systemd */
                        for (p++; is_digit(*p); p++) {
                                if (nd >= 18)
                                        return fail(-EINVAL, "too many digits after decimal point");
                                frac = frac * 10 + (unsigned) (*p - '0');
                                nd++;
                        }
                k = read_size_suffix(&p);
                /* bytes ("B" or none) rank below K; units must get smaller */
                size_t rank = k == ELEMENTSOF(size_suffixes) ? 0 : k;
                if (last != SIZE_MAX && rank >= last)
                        return fail(-EINVAL, k < ELEMENTSOF(size_suffixes) || !*p
                                                     ? "units must get smaller from one part to the next"
                                                     : "trailing characters after number");
                if (k == ELEMENTSOF(size_suffixes) && *p && !is_ws(*p)) {
                        if (strchr("kmgtpe", *p))
                                return fail(-EINVAL, "unknown unit (units are upper case: K M G T P E)");
                        return fail(-EINVAL, "trailing characters after number");
                }
                if (k < ELEMENTSOF(size_suffixes) && *p && !is_ws(*p) && !is_digit(*p) && *p != '+')
                        return fail(-EINVAL, "trailing characters after unit");
                last = rank;
                mul = k == ELEMENTSOF(size_suffixes) ? 1 : ipow(base, size_suffixes[k].exp);
                r = scale_decimal(ip, frac, nd, mul, &part);
                if (r < 0)
                        return r;
                if (part > UINT64_MAX - sum)
                        return fail(-ERANGE, "number too large");
                sum += part;
        } while (*p);

        *ret = sum;
        return 0;
}

int parse_size_base(const char *s, uint64_t base, bool allow_percent, uint64_t ram_bytes, uint64_t *ret) {
        uint64_t v;
        size_t n;
        int r;

        if (!s)
                return fail(-EINVAL, "missing value");
        if (base != 1000 && base != 1024)
                return fail(-EINVAL, "unsupported base");
        if (s[strspn(s, WHITESPACE)] == 0)
                return fail(-EINVAL, "empty value");
        if (streq(s, "infinity")) {
                *ret = UINT64_MAX;
                return 0;
        }

        n = strlen(s);
        if (s[n - 1] == '%' || strstr(s, "\xe2\x80\xb0") || strstr(s, "\xe2\x80\xb1")) {
                uint64_t pm;

                if (!allow_percent)
                        return fail(-EINVAL, "a percentage is not allowed here");
                r = parse_percent_scaled(skip_plus(s), 2, 10000, &pm);
                if (r < 0)
                        return r;
                if (pm > 10000)
                        return fail(-ERANGE, "percentage above 100%");
                if (ram_bytes == 0)
                        return fail(-EINVAL, "a percentage needs the memory size, which is unknown");
                v = (uint64_t) ((unsigned __int128) ram_bytes * pm / 10000);
        } else {
                r = parse_size_components(s, base, &v);
                if (r < 0)
                        return r;
        }
        if (v == UINT64_MAX) /* reserved for infinity */
                return fail(-ERANGE, "number too large");
        *ret = v;
        return 0;
}

int parse_size(const char *s, uint64_t ram_bytes, uint64_t *ret) {
        return parse_size_base(s, 1024, true, ram_bytes, ret);
}

int format_size_base(uint64_t bytes, uint64_t base, char **ret) {
        char *t;
        int r;

        if (bytes == UINT64_MAX)
                r = asprintf(&t, "infinity");
        else {
                unsigned best = 0;
                for (unsigned e = 1; e <= 6; e++) {
                        uint64_t m = ipow(base, e);
                        if (bytes != 0 && bytes % m == 0)
                                best = e;
                }
                if (best == 0)
                        r = asprintf(&t, "%" PRIu64, bytes);
                else
                        r = asprintf(&t, "%" PRIu64 "%c", bytes / ipow(base, best), size_suffixes[best].c);
        }
        if (r < 0)
                return -ENOMEM;
        *ret = t;
        return 0;
}

int format_size(uint64_t bytes, char **ret) {
        return format_size_base(bytes, 1024, ret);
}

/* Time units as systemd spells them (parse_time()); case matters: "m" is a
 * minute, "M" a month. */
static const struct {
        const char *name;
        uint64_t usec;
} time_units[] = {
        { "us", 1 },
        { "usec", 1 },
        { "\xc2\xb5s", 1 }, /* µs, MICRO SIGN */
        { "\xce\xbcs", 1 }, /* μs, GREEK SMALL LETTER MU */
        { "ms", 1000ULL },
        { "msec", 1000ULL },
        { "s", 1000000ULL },
        { "sec", 1000000ULL },
        { "second", 1000000ULL },
        { "seconds", 1000000ULL },
        { "m", 60000000ULL },
        { "min", 60000000ULL },
        { "minute", 60000000ULL },
        { "minutes", 60000000ULL },
        { "h", 3600000000ULL },
        { "hr", 3600000000ULL },
        { "hour", 3600000000ULL },
        { "hours", 3600000000ULL },
        { "d", 86400000000ULL },
        { "day", 86400000000ULL },
        { "days", 86400000000ULL },
        { "w", 604800000000ULL },
        { "week", 604800000000ULL },
        { "weeks", 604800000000ULL },
        { "M", 2629800000000ULL }, /* 30.44 days, as systemd */
        { "month", 2629800000000ULL },
        { "months", 2629800000000ULL },
        { "y", 31557600000000ULL }, /* 365.25 days */
        { "year", 31557600000000ULL },
        { "years", 31557600000000ULL },
};

static bool is_unit_char(const char *p, size_t *ret_len) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')) {
                *ret_len = 1;
                return true;
        }
        if ((unsigned char) p[0] == 0xc2 && (unsigned char) p[1] == 0xb5) {
                *ret_len = 2;
                return true;
        }
        if ((unsigned char) p[0] == 0xce && (unsigned char) p[1] == 0xbc) {
                *ret_len = 2;
                return true;
        }
        return false;
}

int parse_duration(const char *s, uint64_t *ret_usec) {
        const char *b;
        size_t n;
        uint64_t sum = 0;
        unsigned components = 0;
        bool unitless = false;
        int r;

        if (!s)
                return fail(-EINVAL, "missing value");
        trim(s, &b, &n);
        if (n == 0)
                return fail(-EINVAL, "empty value");
        _cleanup_free_ char *t = strndup(b, n);
        if (!t)
                return -ENOMEM;

        if (streq(t, "infinity")) {
                *ret_usec = UINT64_MAX;
                return 0;
        }

        for (const char *p = t; *p;) {
                uint64_t ip, frac, part, mul;
                unsigned nd;
                size_t ul = 0, k;

                while (is_ws(*p))
                        p++;
                r = reject_sign(p);
                if (r < 0)
                        return r;
                if (!is_digit(*p))
                        return fail(-EINVAL, "expected a number");
                r = read_digits(&p, &ip);
                if (r < 0)
                        return r;
                r = read_fraction(&p, 18, &frac, &nd);
                if (r < 0)
                        return r;

                while (is_unit_char(p + ul, &k))
                        ul += k;
                if (ul == 0) {
                        if (*p && !is_ws(*p))
                                return fail(-EINVAL, "trailing characters after number");
                        mul = USEC_PER_SEC; /* a bare number is seconds */
                        unitless = true;
                } else {
                        mul = 0;
                        for (size_t i = 0; i < ELEMENTSOF(time_units); i++)
                                if (strlen(time_units[i].name) == ul && strncmp(p, time_units[i].name, ul) == 0) {
                                        mul = time_units[i].usec;
                                        break;
                                }
                        if (mul == 0)
                                return fail(-EINVAL, "unknown time unit (use us, ms, s, min, h, d)");
                        p += ul;
                        if (*p && !is_ws(*p) && !is_digit(*p))
                                return fail(-EINVAL, "trailing characters after time unit");
                }
                components++;

                r = scale_decimal(ip, frac, nd, mul, &part);
                if (r < 0)
                        return r;
                if (part > UINT64_MAX - sum)
                        return fail(-ERANGE, "duration too long");
                sum += part;
        }

        if (unitless && components > 1)
                return fail(-EINVAL, "a number without unit is only allowed alone");
        if (sum == UINT64_MAX)
                return fail(-ERANGE, "duration too long");
        *ret_usec = sum;
        return 0;
}

int format_duration(uint64_t usec, char **ret) {
        static const struct {
                const char *name;
                uint64_t usec;
        } units[] = {
                { "d", 86400000000ULL }, { "h", 3600000000ULL }, { "min", 60000000ULL },
                { "s", 1000000ULL },     { "ms", 1000ULL },      { "us", 1 },
        };
        char buf[256] = "";
        size_t used = 0;

        if (usec == UINT64_MAX) {
                char *t = strdup("infinity");
                if (!t)
                        return -ENOMEM;
                *ret = t;
                return 0;
        }
        if (usec == 0) {
                char *t = strdup("0");
                if (!t)
                        return -ENOMEM;
                *ret = t;
                return 0;
        }
        for (size_t i = 0; i < ELEMENTSOF(units); i++) {
                uint64_t k = usec / units[i].usec;
                if (k == 0)
                        continue;
                usec -= k * units[i].usec;
                used += (size_t) snprintf(buf + used, sizeof buf - used, "%s%" PRIu64 "%s", used ? " " : "", k,
                                          units[i].name);
        }
        char *t = strdup(buf);
        if (!t)
                return -ENOMEM;
        *ret = t;
        return 0;
}

int parse_u64(const char *s, bool allow_infinity, uint64_t *ret) {
        const char *b, *p;
        size_t n;
        uint64_t v;
        int r;

        if (!s)
                return fail(-EINVAL, "missing value");
        trim(s, &b, &n);
        if (n == 0)
                return fail(-EINVAL, "empty value");
        if (allow_infinity && n == 8 && strncmp(b, "infinity", 8) == 0) {
                *ret = UINT64_MAX;
                return 0;
        }
        r = reject_sign(b);
        if (r < 0)
                return r;
        p = b;
        r = read_digits(&p, &v);
        if (r < 0)
                return r;
        if (p != b + n)
                return fail(-EINVAL, "trailing characters after number");
        *ret = v;
        return 0;
}

int parse_weight(const char *s, bool allow_idle, uint64_t *ret) {
        if (!s)
                return fail(-EINVAL, "missing value");
        /* cg_cpu_weight_parse(): "idle" exactly, else a number */
        if (streq(s, "idle")) {
                if (!allow_idle)
                        return fail(-EINVAL, "\"idle\" is only allowed for CPUWeight");
                *ret = 0;
                return 0;
        }
        return parse_unsigned(s, ret);
}

int parse_oom_score_adjust(const char *s, int32_t *ret) {
        const char *b, *p;
        size_t n;
        bool neg = false;
        uint64_t v;
        int r;

        if (!s)
                return fail(-EINVAL, "missing value");
        trim(s, &b, &n);
        if (n == 0)
                return fail(-EINVAL, "empty value");
        p = b;
        if (*p == '-' || *p == '+') {
                neg = *p == '-';
                p++;
        }
        r = read_digits(&p, &v);
        if (r < 0)
                return r;
        if (p != b + n)
                return fail(-EINVAL, "trailing characters after number");
        if (v > 1000)
                return fail(-ERANGE, "must be -1000..1000");
        *ret = neg ? -(int32_t) v : (int32_t) v;
        return 0;
}

/* Sets bits lo..hi in mask (size CPUSET_MAX_INDEX/8+1). */
static void mask_set_range(uint8_t *mask, unsigned lo, unsigned hi) {
        while (lo <= hi && (lo % 8) != 0)
                mask[lo / 8] |= (uint8_t) (1U << (lo % 8)), lo++;
        while (lo + 7 <= hi) {
                mask[lo / 8] = 0xff;
                lo += 8;
        }
        while (lo <= hi)
                mask[lo / 8] |= (uint8_t) (1U << (lo % 8)), lo++;
}

static int read_index(const char **p, unsigned *ret) {
        uint64_t v;
        int r;

        r = reject_sign(*p);
        if (r < 0)
                return r;
        r = read_digits(p, &v);
        if (r == -ERANGE || (r >= 0 && v > CPUSET_MAX_INDEX))
                return fail(-ERANGE, "index above 8191");
        if (r < 0)
                return r;
        *ret = (unsigned) v;
        return 0;
}

int parse_cpuset(const char *s, uint8_t **ret_mask, size_t *ret_size) {
        uint8_t mask[CPUSET_MAX_INDEX / 8 + 1] = {};
        const char *b;
        size_t n, size = 0;
        int r;

        if (!s)
                return fail(-EINVAL, "missing value");
        trim(s, &b, &n);
        if (n == 0) {
                *ret_mask = NULL;
                *ret_size = 0;
                return 0;
        }
        _cleanup_free_ char *t = strndup(b, n);
        if (!t)
                return -ENOMEM;

        /* Elements "N" or "A-B", separated by commas and/or whitespace. As
         * systemd's parse_cpu_set(): empty elements ("1,,2", a leading or trailing
         * comma) are skipped, and a range whose end is before its start ("3-1")
         * adds nothing (systemd logs and ignores it). */
        const char *p = t;
        for (;;) {
                unsigned lo, hi;

                p += strspn(p, WHITESPACE ",");
                if (*p == 0)
                        break;
                r = read_index(&p, &lo);
                if (r < 0)
                        return r;
                hi = lo;
                if (*p == '-') {
                        p++;
                        r = read_index(&p, &hi);
                        if (r < 0)
                                return r;
                }
                if (lo <= hi) {
                        mask_set_range(mask, lo, hi);
                        if (hi / 8 + 1 > size)
                                size = hi / 8 + 1;
                }

                if (*p == 0)
                        break;
                if (!is_ws(*p) && *p != ',')
                        return fail(-EINVAL, "trailing characters after number");
                if (p[strspn(p, WHITESPACE)] == '-')
                        return fail(-EINVAL, "space around '-' in range");
        }

        if (size == 0) { /* nothing but empty elements and empty ranges */
                *ret_mask = NULL;
                *ret_size = 0;
                return 0;
        }
        uint8_t *m = malloc(size);
        if (!m)
                return -ENOMEM;
        memcpy(m, mask, size);
        *ret_mask = m;
        *ret_size = size;
        return 0;
}

static bool mask_test(const uint8_t *mask, size_t size, size_t i) {
        return i / 8 < size && (mask[i / 8] >> (i % 8)) & 1;
}

int format_cpuset(const uint8_t *mask, size_t size, char **ret) {
        size_t bits = size * 8, cap = 64, used = 0;
        _cleanup_free_ char *buf = malloc(cap);

        if (!buf)
                return -ENOMEM;
        buf[0] = 0;
        for (size_t i = 0; i < bits; i++) {
                if (!mask_test(mask, size, i))
                        continue;
                size_t j = i;
                while (j + 1 < bits && mask_test(mask, size, j + 1))
                        j++;

                char part[48];
                int k = j > i ? snprintf(part, sizeof part, "%s%zu-%zu", used ? "," : "", i, j)
                              : snprintf(part, sizeof part, "%s%zu", used ? "," : "", i);
                if (used + (size_t) k + 1 > cap) {
                        while (used + (size_t) k + 1 > cap)
                                cap *= 2;
                        char *nb = realloc(buf, cap);
                        if (!nb)
                                return -ENOMEM;
                        buf = nb;
                }
                memcpy(buf + used, part, (size_t) k + 1);
                used += (size_t) k;
                i = j;
        }
        *ret = TAKE_PTR(buf);
        return 0;
}

int parse_devnum(const char *s, unsigned *ret_major, unsigned *ret_minor) {
        const char *p = s;
        uint64_t maj, min;
        int r;

        if (!s || !is_digit(*p))
                return fail(-EINVAL, "not MAJOR:MINOR");
        r = read_digits(&p, &maj);
        if (r == -ERANGE)
                return fail(-ERANGE, "device number too large");
        if (r < 0 || *p != ':')
                return fail(-EINVAL, "not MAJOR:MINOR");
        p++;
        if (!is_digit(*p))
                return fail(-EINVAL, "not MAJOR:MINOR");
        r = read_digits(&p, &min);
        if (r == -ERANGE)
                return fail(-ERANGE, "device number too large");
        if (r < 0 || *p)
                return fail(-EINVAL, "not MAJOR:MINOR");
        if (maj >= (1U << 12) || min >= (1U << 20))
                return fail(-ERANGE, "device number too large");
        *ret_major = (unsigned) maj;
        *ret_minor = (unsigned) min;
        return 0;
}

int parse_device_pair(const char *s, char **ret_device, char **ret_value) {
        const char *b;
        size_t n;
        unsigned maj, min;
        int r;

        if (!s)
                return fail(-EINVAL, "missing value");
        b = s + strspn(s, WHITESPACE);
        if (*b == 0)
                return fail(-EINVAL, "empty value");

        /* As systemd: the device is everything before the first space, the value
         * everything after it ("/dev/sda 1G 500M"); device paths have no spaces. */
        n = strcspn(b, WHITESPACE);
        if (b[n] == 0)
                return fail(-EINVAL, "expected \"DEVICE VALUE\"");

        _cleanup_free_ char *dev = strndup(b, n);
        _cleanup_free_ char *val = strdup(b + n + 1);
        if (!dev || !val)
                return -ENOMEM;
        if (val[strspn(val, WHITESPACE)] == 0)
                return fail(-EINVAL, "expected \"DEVICE VALUE\"");

        for (const char *c = dev; *c; c++)
                if ((unsigned char) *c < 0x20 || *c == 0x7f)
                        return fail(-EINVAL, "control character in device name");
        if (dev[0] == '/') {
                if (strlen(dev) > 4096)
                        return fail(-EINVAL, "device path too long");
        } else {
                r = parse_devnum(dev, &maj, &min);
                if (r == -ERANGE)
                        return r;
                if (r < 0)
                        return fail(-EINVAL, "device must be an absolute path or MAJOR:MINOR");
        }

        *ret_device = TAKE_PTR(dev);
        *ret_value = TAKE_PTR(val);
        return 0;
}
