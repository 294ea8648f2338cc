/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Table-driven tests of the value parsers and formatters (core/value.c). */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "macro.h"
#include "tests.h"
#include "value.h"

#define K 1024ULL
#define M (K * K)
#define G (M * K)
#define T (G * K)
#define E (G * G)
#define INF UINT64_MAX
#define GIB8 (8 * G)

typedef struct {
        const char *in;
        uint64_t base;
        int r;
        uint64_t out;
} SizeCase;

static void test_parse_size(void) {
        static const SizeCase cases[] = {
                { "0", 1024, 0, 0 },
                { "1024", 1024, 0, 1024 },
                { "1K", 1024, 0, K },
                { "1B", 1024, 0, 1 },
                { "512M", 1024, 0, 512 * M },
                { "1G", 1024, 0, G },
                { "1.5G", 1024, 0, G + G / 2 },
                { "1.1K", 1024, 0, 1126 }, /* truncated, as systemd does */
                { "2T", 1024, 0, 2 * T },
                { "1E", 1024, 0, E },
                { "15E", 1024, 0, 15 * E },
                { "  4G", 1024, 0, 4 * G },
                /* systemd's parse_size(): several parts in falling units, a '+',
                 * a space before the unit, fractions of a byte dropped */
                { "1G 512M", 1024, 0, G + 512 * M },
                { "1G512M", 1024, 0, G + 512 * M },
                { "1T 1G 1M 1K 1", 1024, 0, T + G + M + K + 1 },
                { "+1G", 1024, 0, G },
                { "1 G", 1024, 0, G },
                { "1.5", 1024, 0, 1 },
                { "1.", 1024, 0, 1 },
                { "10.M", 1024, 0, 10 * M },
                { "1G 500M", 1000, 0, 1500000000 },
                { "infinity", 1024, 0, INF },
                { "50%", 1024, 0, GIB8 / 2 },
                { "12.5%", 1024, 0, GIB8 / 8 },
                { "100%", 1024, 0, GIB8 },
                { "0%", 1024, 0, 0 },
                { "1M", 1000, 0, 1000000 },
                { "1.5K", 1000, 0, 1500 },
                { "18446744073709551614", 1024, 0, UINT64_MAX - 1 },
                /* bad */
                { "", 1024, -EINVAL, 0 },
                { "   ", 1024, -EINVAL, 0 },
                { "-1", 1024, -EINVAL, 0 },
                { "12X", 1024, -EINVAL, 0 },
                { "1KB", 1024, -EINVAL, 0 },
                { "1k", 1024, -EINVAL, 0 },
                { "4G ", 1024, -EINVAL, 0 },      /* trailing whitespace: systemd refuses it */
                { "1G 512M ", 1024, -EINVAL, 0 },
                { "512M 1G", 1024, -EINVAL, 0 },  /* units must fall */
                { "1K 1K", 1024, -EINVAL, 0 },
                { "1 2", 1024, -EINVAL, 0 },
                { "1G -5M", 1024, -EINVAL, 0 },
                { " infinity", 1024, -EINVAL, 0 },
                { ".5G", 1024, -EINVAL, 0 },
                { "G", 1024, -EINVAL, 0 },
                { "0x10", 1024, -EINVAL, 0 },
                { "inf", 1024, -EINVAL, 0 },
                { "Infinity", 1024, -EINVAL, 0 },
                { "101%", 1024, -ERANGE, 0 },
                { "50 %", 1024, -EINVAL, 0 },
                { "1.234%", 1024, -EINVAL, 0 },
                { "16E", 1024, -ERANGE, 0 },
                { "18446744073709551615", 1024, -ERANGE, 0 },
                { "18446744073709551616", 1024, -ERANGE, 0 },
                { "99999999999999999999999", 1024, -ERANGE, 0 },
                { "1.0000000000000000001G", 1024, -EINVAL, 0 },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                uint64_t v = 4242;
                int r = parse_size_base(cases[i].in, cases[i].base, true, GIB8, &v);
                if (r != cases[i].r)
                        fprintf(stderr, "parse_size(\"%s\") = %d, expected %d\n", cases[i].in, r, cases[i].r);
                ASSERT_EQ_INT(r, cases[i].r);
                if (r == 0)
                        ASSERT_EQ_U64(v, cases[i].out);
                else {
                        ASSERT_EQ_U64(v, 4242); /* untouched on failure */
                        ASSERT_TRUE(*value_error_reason() != 0);
                }
        }

        /* parse_size is base 1024 with percentages of the given RAM size. */
        uint64_t v;
        ASSERT_EQ_INT(parse_size("1K", 0, &v), 0);
        ASSERT_EQ_U64(v, 1024);
        ASSERT_EQ_INT(parse_size("10%", 0, &v), -EINVAL); /* RAM size unknown */
        ASSERT_EQ_INT(parse_size_base("10%", 1000, false, GIB8, &v), -EINVAL);
        ASSERT_EQ_INT(parse_size(NULL, 0, &v), -EINVAL);
        ASSERT_EQ_INT(parse_size("12X", 0, &v), -EINVAL);
        ASSERT_STREQ(value_error_reason(), "trailing characters after number");
        ASSERT_EQ_INT(parse_size("-1", 0, &v), -EINVAL);
        ASSERT_CONTAINS(value_error_reason(), "negative");
}

static void test_format_size(void) {
        static const struct {
                uint64_t in, base;
                const char *out;
        } cases[] = {
                { 0, 1024, "0" },
                { 1, 1024, "1" },
                { 1000, 1024, "1000" },
                { K, 1024, "1K" },
                { G, 1024, "1G" },
                { 1536 * M, 1024, "1536M" },
                { G + 1, 1024, "1073741825" },
                { 3 * E, 1024, "3E" },
                { INF, 1024, "infinity" },
                { 1000000, 1000, "1M" },
                { 1500, 1000, "1500" },
                { 1024, 1000, "1024" },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char *s = NULL;
                uint64_t back;
                ASSERT_EQ_INT(format_size_base(cases[i].in, cases[i].base, &s), 0);
                ASSERT_STREQ(s, cases[i].out);
                /* parses back to the same number */
                ASSERT_EQ_INT(parse_size_base(s, cases[i].base, false, 0, &back), 0);
                ASSERT_EQ_U64(back, cases[i].in);
                free(s);
        }
        char *s = NULL;
        ASSERT_EQ_INT(format_size(2 * G, &s), 0);
        ASSERT_STREQ(s, "2G");
        free(s);
}

static void test_parse_permyriad(void) {
        static const struct {
                const char *in;
                bool over;
                int r;
                uint64_t out;
        } cases[] = {
                { "50%", false, 0, 5000 },
                { "0%", false, 0, 0 },
                { "100%", false, 0, 10000 },
                { "12.5%", false, 0, 1250 },
                { "0.01%", false, 0, 1 },
                { " 7% ", false, 0, 700 },
                { "200%", true, 0, 20000 },
                { "5\xe2\x80\xb0", false, 0, 50 },   /* 5‰ */
                { "5\xe2\x80\xb1", false, 0, 5 },    /* 5‱ */
                { "200%", false, -ERANGE, 0 },
                { "101%", false, -ERANGE, 0 },
                { "50", false, -EINVAL, 0 },
                { "%", false, -EINVAL, 0 },
                { "-5%", false, -EINVAL, 0 },
                { "5.%", false, -EINVAL, 0 },
                { "0.001%", false, -EINVAL, 0 },
                { "5%%", false, -EINVAL, 0 },
                { "5x%", false, -EINVAL, 0 },
                { "", false, -EINVAL, 0 },
                { "99999999999999999999%", true, -ERANGE, 0 },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                uint64_t v = 77;
                int r = parse_permyriad(cases[i].in, cases[i].over, &v);
                if (r != cases[i].r)
                        fprintf(stderr, "parse_permyriad(\"%s\") = %d\n", cases[i].in, r);
                ASSERT_EQ_INT(r, cases[i].r);
                ASSERT_EQ_U64(v, r == 0 ? cases[i].out : 77);
        }
}

static void test_cpu_quota(void) {
        static const struct {
                const char *in;
                bool own; /* our own canonical text (state files) */
                int r;
                uint64_t out;
                const char *canon;
        } cases[] = {
                { "100%", 0, 0, 1000000, "100%" },
                { "50%", 0, 0, 500000, "50%" },
                { "200%", 0, 0, 2000000, "200%" },
                { "12.5%", 0, 0, 125000, "12.5%" },
                { "0.01%", 0, 0, 100, "0.01%" },
                { "+50%", 0, 0, 500000, "50%" }, /* systemd's safe_atoi() takes a '+' */
                { " 50%", 0, 0, 500000, "50%" },
                { "5\xe2\x80\xb0", 0, 0, 5000, "0.5%" },   /* ‰ */
                { "5\xe2\x80\xb1", 0, 0, 500, "0.05%" },   /* ‱ */
                /* systemd refuses more than two decimals, "infinity" and 0 */
                { "0.005%", 0, -EINVAL, 0, NULL },
                { "0.0001%", 0, -EINVAL, 0, NULL },
                { "infinity", 0, -EINVAL, 0, NULL },
                { "0%", 0, -ERANGE, 0, NULL },
                { "0.00%", 0, -ERANGE, 0, NULL },
                { "50", 0, -EINVAL, 0, NULL },
                { "-50%", 0, -EINVAL, 0, NULL },
                { "50%x", 0, -EINVAL, 0, NULL },
                { "50% ", 0, -EINVAL, 0, NULL },
                { "", 0, -EINVAL, 0, NULL },
                /* our own text: 4 decimals (any µs/s value D-Bus can carry), infinity */
                { "0.0001%", 1, 0, 1, "0.0001%" },
                { "33.3333%", 1, 0, 333333, "33.3333%" },
                { "infinity", 1, 0, UINT64_MAX, "infinity" },
                { "0.00001%", 1, -EINVAL, 0, NULL },
                { "0%", 1, -ERANGE, 0, NULL },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                uint64_t v = 9;
                int r = parse_cpu_quota(cases[i].in, cases[i].own, &v);
                if (r != cases[i].r)
                        fprintf(stderr, "parse_cpu_quota(\"%s\", %d) = %d\n", cases[i].in, cases[i].own, r);
                ASSERT_EQ_INT(r, cases[i].r);
                if (r < 0) {
                        ASSERT_EQ_U64(v, 9);
                        continue;
                }
                ASSERT_EQ_U64(v, cases[i].out);
                char *s = NULL;
                ASSERT_EQ_INT(format_cpu_quota(v, &s), 0);
                ASSERT_STREQ(s, cases[i].canon);
                free(s);
        }
}

static void test_parse_duration(void) {
        static const struct {
                const char *in;
                int r;
                uint64_t out;
        } cases[] = {
                { "0", 0, 0 },
                { "1", 0, 1000000 },
                { "5", 0, 5000000 },
                { "100ms", 0, 100000 },
                { "100msec", 0, 100000 },
                { "500us", 0, 500 },
                { "500usec", 0, 500 },
                { "500\xc2\xb5s", 0, 500 }, /* µs */
                { "500\xce\xbcs", 0, 500 }, /* μs */
                { "1.5s", 0, 1500000 },
                { "2sec", 0, 2000000 },
                { "2seconds", 0, 2000000 },
                { "1second", 0, 1000000 },
                { "2m", 0, 120000000 },
                { "2min", 0, 120000000 },
                { "2minutes", 0, 120000000 },
                { "1h", 0, 3600000000ULL },
                { "1hr", 0, 3600000000ULL },
                { "2hours", 0, 7200000000ULL },
                { "1d", 0, 86400000000ULL },
                { "2days", 0, 172800000000ULL },
                { "1w", 0, 604800000000ULL },
                { "1s 500ms", 0, 1500000 },
                { "1s500ms", 0, 1500000 },
                { "1min 30s", 0, 90000000 },
                { "  10s  ", 0, 10000000 },
                { "infinity", 0, UINT64_MAX },
                { "0.5ms", 0, 500 },
                { "1.5us", 0, 1 },
                /* bad */
                { "", -EINVAL, 0 },
                { "-1s", -EINVAL, 0 },
                { "+1s", -EINVAL, 0 },
                { "1x", -EINVAL, 0 },
                { "1 s", -EINVAL, 0 },
                { "1 2", -EINVAL, 0 },
                { "s", -EINVAL, 0 },
                { "1ss", -EINVAL, 0 },
                { "1s,", -EINVAL, 0 },
                { "1S", -EINVAL, 0 },
                { "1.s", -EINVAL, 0 },
                { "infinite", -EINVAL, 0 },
                { "1ns", -EINVAL, 0 },
                { "584555y", -ERANGE, 0 },
                { "99999999999999999999", -ERANGE, 0 },
                { "18446744073709551615us", -ERANGE, 0 },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                uint64_t v = 3;
                int r = parse_duration(cases[i].in, &v);
                if (r != cases[i].r)
                        fprintf(stderr, "parse_duration(\"%s\") = %d, expected %d\n", cases[i].in, r, cases[i].r);
                ASSERT_EQ_INT(r, cases[i].r);
                ASSERT_EQ_U64(v, r == 0 ? cases[i].out : 3);
        }
}

static void test_format_duration(void) {
        static const struct {
                uint64_t in;
                const char *out;
        } cases[] = {
                { 0, "0" },
                { 1, "1us" },
                { 1000, "1ms" },
                { 100000, "100ms" },
                { 1000000, "1s" },
                { 1500000, "1s 500ms" },
                { 90000000, "1min 30s" },
                { 3600000000ULL, "1h" },
                { 90061000001ULL, "1d 1h 1min 1s 1us" },
                { UINT64_MAX - 1, NULL },
                { UINT64_MAX, "infinity" },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char *s = NULL;
                uint64_t back;
                ASSERT_EQ_INT(format_duration(cases[i].in, &s), 0);
                if (cases[i].out)
                        ASSERT_STREQ(s, cases[i].out);
                ASSERT_EQ_INT(parse_duration(s, &back), 0);
                ASSERT_EQ_U64(back, cases[i].in);
                free(s);
        }
}

static void test_plain_numbers(void) {
        uint64_t v;
        int32_t i;

        ASSERT_EQ_INT(parse_u64("42", false, &v), 0);
        ASSERT_EQ_U64(v, 42);
        ASSERT_EQ_INT(parse_u64(" 007 ", false, &v), 0);
        ASSERT_EQ_U64(v, 7);
        ASSERT_EQ_INT(parse_u64("18446744073709551615", false, &v), 0);
        ASSERT_EQ_U64(v, UINT64_MAX);
        ASSERT_EQ_INT(parse_u64("infinity", true, &v), 0);
        ASSERT_EQ_U64(v, UINT64_MAX);
        ASSERT_EQ_INT(parse_u64("infinity", false, &v), -EINVAL);
        ASSERT_EQ_INT(parse_u64("18446744073709551616", false, &v), -ERANGE);
        ASSERT_EQ_INT(parse_u64("-1", false, &v), -EINVAL);
        ASSERT_EQ_INT(parse_u64("1 2", false, &v), -EINVAL);
        ASSERT_EQ_INT(parse_u64("", false, &v), -EINVAL);

        static const struct {
                const char *in;
                bool idle;
                int r;
                uint64_t out;
        } w[] = {
                { "1", false, 0, 1 },         { "100", false, 0, 100 },    { "10000", false, 0, 10000 },
                { "idle", true, 0, 0 },       { " idle ", true, -EINVAL, 0 }, { "idle", false, -EINVAL, 0 },
                /* syntax only: the range is the property table's */
                { "0", true, 0, 0 },          { "10001", false, 0, 10001 }, { "-5", false, -EINVAL, 0 },
                /* safe_atou64() as systemd's set-property uses it */
                { "+300", false, 0, 300 },    { " 300", false, 0, 300 },   { "300 ", false, -EINVAL, 0 },
                { "0x12c", false, -EINVAL, 0 }, { "+-3", false, -EINVAL, 0 },
                { "5 0", false, -EINVAL, 0 }, { "IDLE", true, -EINVAL, 0 }, { "", false, -EINVAL, 0 },
        };
        for (size_t k = 0; k < ELEMENTSOF(w); k++) {
                uint64_t x = 5;
                ASSERT_EQ_INT(parse_weight(w[k].in, w[k].idle, &x), w[k].r);
                ASSERT_EQ_U64(x, w[k].r == 0 ? w[k].out : 5);
        }

        static const struct {
                const char *in;
                int r;
                int32_t out;
        } o[] = {
                { "0", 0, 0 },           { "-1000", 0, -1000 },    { "1000", 0, 1000 },  { "+5", 0, 5 },
                { "-900", 0, -900 },     { "1001", -ERANGE, 0 },   { "-1001", -ERANGE, 0 }, { "--1", -EINVAL, 0 },
                { "1e3", -EINVAL, 0 },   { "", -EINVAL, 0 },       { "-", -EINVAL, 0 },
                { "99999999999999999999", -ERANGE, 0 },
        };
        for (size_t k = 0; k < ELEMENTSOF(o); k++) {
                i = 12;
                ASSERT_EQ_INT(parse_oom_score_adjust(o[k].in, &i), o[k].r);
                ASSERT_EQ_INT(i, o[k].r == 0 ? o[k].out : 12);
        }
}

static void test_cpuset(void) {
        static const struct {
                const char *in;
                int r;
                const char *canon; /* NULL: empty mask */
        } cases[] = {
                { "0", 0, "0" },
                { "0-3", 0, "0-3" },
                { "0-3,8", 0, "0-3,8" },
                { "0-3 8", 0, "0-3,8" },
                { "8,0-3", 0, "0-3,8" },
                { "0, 1, 2", 0, "0-2" },
                { "1 ,2", 0, "1-2" },
                { "0-1", 0, "0-1" },
                { "3-3", 0, "3" },
                { "0-3,2-5", 0, "0-5" },
                { "8191", 0, "8191" },
                { "0-8191", 0, "0-8191" },
                { "7,8,15,16", 0, "7-8,15-16" },
                { "", 0, NULL },
                { "  ", 0, NULL },
                /* as systemd's parse_cpu_set(): empty elements are skipped, a
                 * reversed range adds nothing */
                { "3-1", 0, NULL },
                { "1-0", 0, NULL },
                { "1-0,2", 0, "2" },
                { "1,,0", 0, "0-1" },
                { "1,,2", 0, "1-2" },
                { ",1", 0, "1" },
                { "1,", 0, "1" },
                { ",", 0, NULL },
                { "8192", -ERANGE, NULL },
                { "0-8192", -ERANGE, NULL },
                { "99999999999999999999", -ERANGE, NULL },
                { "-1", -EINVAL, NULL },
                { "1-", -EINVAL, NULL },
                { "a", -EINVAL, NULL },
                { "1;2", -EINVAL, NULL },
                { "1--2", -EINVAL, NULL },
                { "1-2-3", -EINVAL, NULL },
                { "0 - 3", -EINVAL, NULL },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                uint8_t *mask = (uint8_t *) 1;
                size_t size = 99;
                int r = parse_cpuset(cases[i].in, &mask, &size);
                if (r != cases[i].r)
                        fprintf(stderr, "parse_cpuset(\"%s\") = %d\n", cases[i].in, r);
                ASSERT_EQ_INT(r, cases[i].r);
                if (r < 0) {
                        ASSERT_TRUE(mask == (uint8_t *) 1 && size == 99);
                        continue;
                }
                char *s = NULL;
                ASSERT_EQ_INT(format_cpuset(mask, size, &s), 0);
                ASSERT_STREQ(s, cases[i].canon ?: "");
                if (!cases[i].canon)
                        ASSERT_TRUE(mask == NULL && size == 0);
                free(s);
                free(mask);
        }

        /* The mask is systemd's `ay`: bit i of byte i/8. */
        uint8_t *mask;
        size_t size;
        ASSERT_EQ_INT(parse_cpuset("0 -3", &mask, &size), -EINVAL);
        ASSERT_STREQ(value_error_reason(), "space around '-' in range");
        ASSERT_EQ_INT(parse_cpuset("1,9", &mask, &size), 0);
        ASSERT_EQ_U64(size, 2);
        ASSERT_EQ_INT(mask[0], 0x02);
        ASSERT_EQ_INT(mask[1], 0x02);
        free(mask);
}

static void test_device_pair(void) {
        static const struct {
                const char *in;
                int r;
                const char *dev, *val;
        } cases[] = {
                { "/dev/sda 10M", 0, "/dev/sda", "10M" },
                /* as systemd: the device ends at the first space, the value is the rest */
                { "  /dev/sda  10M", 0, "/dev/sda", " 10M" },
                { "/dev/sda 1G 500M", 0, "/dev/sda", "1G 500M" },
                { "/dev/sda 10M ", 0, "/dev/sda", "10M " },
                { "8:0 200", 0, "8:0", "200" },
                { "/dev/disk/by-label/My\\x20Disk 5", 0, "/dev/disk/by-label/My\\x20Disk", "5" },
                { "/dev/block/8:0 5", 0, "/dev/block/8:0", "5" },
                { "/var/lib 100", 0, "/var/lib", "100" },
                { "4095:1048575 1", 0, "4095:1048575", "1" },
                { "/dev/sda", -EINVAL, NULL, NULL },
                { "/dev/sda ", -EINVAL, NULL, NULL },
                { "10M", -EINVAL, NULL, NULL },
                { "sda 10M", -EINVAL, NULL, NULL },
                { "8: 10M", -EINVAL, NULL, NULL },
                { "8:0x 10M", -EINVAL, NULL, NULL },
                { "4096:0 1", -ERANGE, NULL, NULL },
                { "8:1048576 1", -ERANGE, NULL, NULL },
                { "/dev/s\001da 1", -EINVAL, NULL, NULL },
                { "", -EINVAL, NULL, NULL },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char *d = NULL, *v = NULL;
                int r = parse_device_pair(cases[i].in, &d, &v);
                if (r != cases[i].r)
                        fprintf(stderr, "parse_device_pair(\"%s\") = %d\n", cases[i].in, r);
                ASSERT_EQ_INT(r, cases[i].r);
                if (r == 0) {
                        ASSERT_STREQ(d, cases[i].dev);
                        ASSERT_STREQ(v, cases[i].val);
                } else
                        ASSERT_TRUE(!d && !v);
                free(d);
                free(v);
        }

        unsigned maj = 1, min = 1;
        ASSERT_EQ_INT(parse_devnum("259:3", &maj, &min), 0);
        ASSERT_EQ_INT(maj, 259);
        ASSERT_EQ_INT(min, 3);
        ASSERT_EQ_INT(parse_devnum("259:3 ", &maj, &min), -EINVAL);
        ASSERT_EQ_INT(parse_devnum("/dev/sda", &maj, &min), -EINVAL);
}

static void test_string_has_nul(void) {
        static const char with_nul[] = "1G\0junk";
        ASSERT_TRUE(string_has_nul(with_nul, sizeof with_nul - 1));
        ASSERT_TRUE(!string_has_nul(with_nul, 2));
        ASSERT_TRUE(!string_has_nul("", 0));
        /* A C string that stops at the NUL parses as its prefix: callers with
         * length-carrying data must check first, which is why the helper exists. */
        uint64_t v;
        ASSERT_EQ_INT(parse_size(with_nul, 0, &v), 0);
        ASSERT_EQ_U64(v, G);
}

int main(void) {
        test_parse_size();
        test_format_size();
        test_parse_permyriad();
        test_cpu_quota();
        test_parse_duration();
        test_format_duration();
        test_plain_numbers();
        test_cpuset();
        test_device_pair();
        test_string_has_nul();
        printf("test-value: all passed\n");
        return 0;
}
