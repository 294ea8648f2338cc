/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Pure parsers for systemd's value syntax (systemd.resource-control(5)).
 * No I/O. All return 0 on success or a negative errno:
 *   -EINVAL  malformed text (junk, empty where not allowed, '3-1', embedded NUL, sign)
 *   -ERANGE  well-formed but out of range / overflow
 * Outputs (ret_*) are written only on success. The caller (property.c) turns the
 * errno into a message naming the property and the bad text. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Upper bound on CPU / NUMA node indexes we accept in a list; larger is -ERANGE.
 * systemd's own limit is 8192 CPUs (CPU_SET bitmap of 1024 bytes). */
#define CPUSET_MAX_INDEX 8191U

/* As systemd's parse_size(): "1024", "1K", "1.5G", "1G 512M" (parts in falling
 * units), "1.5" (= 1), "infinity" exactly (→ UINT64_MAX), "N%" of ram_bytes.
 * Base 1024; suffixes B K M G T P E; no trailing whitespace. */
int parse_size(const char *s, uint64_t ram_bytes, uint64_t *ret);

/* "50%", "12.5%" → permyriad (0..10000 for 0%..100%, more allowed when
 * allow_over_100, e.g. CPUQuota=200%). */
int parse_permyriad(const char *s, bool allow_over_100, uint64_t *ret);

/* "100ms", "1.5s", "2min", "500us", "1h", "1s 500ms", bare number = seconds;
 * "infinity" → UINT64_MAX. Result in µs. */
int parse_duration(const char *s, uint64_t *ret_usec);

/* CPUWeight/IOWeight syntax: a number as parse_unsigned() takes it; with
 * allow_idle "idle" → 0 (systemd's CGROUP_WEIGHT_IDLE). The range (1..10000) is
 * the property table's (property_u64_in_range()), not checked here. */
int parse_weight(const char *s, bool allow_idle, uint64_t *ret);

/* A number spelled as systemd's safe_atou64() takes it in set-property:
 * leading whitespace and '+' allowed, nothing after the digits (no trailing
 * whitespace), decimal only. */
int parse_unsigned(const char *s, uint64_t *ret);

/* Plain unsigned decimal, no sign, no junk; "infinity" accepted when allow_infinity. */
int parse_u64(const char *s, bool allow_infinity, uint64_t *ret);

/* OOMScoreAdjust: -1000..1000. */
int parse_oom_score_adjust(const char *s, int32_t *ret);

/* "0-3,8" or "0-3 8" → systemd's `ay` bitmask (bit i of byte i/8 = CPU i).
 * ret_mask is malloc'ed, ret_size bytes, trailing zero bytes trimmed; an empty
 * string yields NULL/0. */
int parse_cpuset(const char *s, uint8_t **ret_mask, size_t *ret_size);

/* Inverse of parse_cpuset: canonical "0-3,8"; empty mask → "". malloc'ed. */
int format_cpuset(const uint8_t *mask, size_t size, char **ret);

/* "DEVICE VALUE": splits at the last run of whitespace. DEVICE must be an
 * absolute path (/dev/...) or MAJ:MIN; returns both strings malloc'ed. */
int parse_device_pair(const char *s, char **ret_device, char **ret_value);

/* Canonical text for sizes: "1G" when exact, else bytes; UINT64_MAX → "infinity". */
int format_size(uint64_t bytes, char **ret);
/* Canonical text for durations: "100ms", "1s", "1min 30s"; UINT64_MAX → "infinity". */
int format_duration(uint64_t usec, char **ret);


/* Why the last parse_* / format_* call in this thread failed, as a short phrase
 * ("trailing characters after number", "number too large", ...). Static
 * string, never NULL ("" when nothing failed yet). property.c puts it into its
 * messages. */
const char *value_error_reason(void);

/* C strings stop at NUL: layers holding length-carrying data (D-Bus, JSON,
 * fuzzers) call this first and reject such input before parsing. */
bool string_has_nul(const char *s, size_t len);

/* parse_size with an explicit base: 1024 for memory, 1000 for IO bandwidth and
 * IOPS (systemd parses IO{Read,Write}{Bandwidth,IOPS}Max= to the base of 1000).
 * allow_percent=false rejects "N%" with -EINVAL. */
int parse_size_base(const char *s, uint64_t base, bool allow_percent, uint64_t ram_bytes, uint64_t *ret);
/* format_size with an explicit base (1024 or 1000). */
int format_size_base(uint64_t bytes, uint64_t base, char **ret);

/* CPUQuota as systemd's set-property takes it: "N%" with up to 2 decimals,
 * "N‰" with 1, "N‱" (leading whitespace and '+' allowed) → µs of CPU time per
 * second (100% = 1000000). 0 is -ERANGE, "infinity" -EINVAL (systemd refuses
 * both). own_text: our own canonical text (state files), which has up to 4
 * decimals (µs resolution, any value D-Bus can carry) and may be "infinity". */
int parse_cpu_quota(const char *s, bool own_text, uint64_t *ret_usec_per_sec);
/* Inverse: "50%", "12.5%", "0.0001%"; UINT64_MAX → "infinity". */
int format_cpu_quota(uint64_t usec_per_sec, char **ret);

/* "8:0" → major 8, minor 0 (Linux limits: major < 4096, minor < 2^20). -EINVAL
 * when s is not of that form, -ERANGE when a number is too large. */
int parse_devnum(const char *s, unsigned *ret_major, unsigned *ret_minor);
