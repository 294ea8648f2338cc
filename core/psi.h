/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Parsing of the kernel's PSI text (Documentation/accounting/psi.rst):
 *   some avg10=0.00 avg60=0.00 avg300=0.00 total=0
 *   full avg10=0.00 avg60=0.00 avg300=0.00 total=0
 * and of trigger specs in policy syntax ("some 150ms 1s"). Pure. */

#include <stdbool.h>
#include <stdint.h>

typedef struct PsiStats {
        uint64_t avg10, avg60, avg300; /* permyriad: "1.23" → 123 */
        uint64_t total;                /* µs */
} PsiStats;

typedef struct PsiPressure {
        bool has_some, has_full; /* cpu.pressure had no "full" line before 5.13 */
        PsiStats some, full;
} PsiPressure;

/* Rejects missing/duplicate fields, junk, overflow with -EINVAL/-ERANGE. */
int psi_parse(const char *text, PsiPressure *ret);

/* Folds `p` into `acc`: each average and total becomes the larger of the two,
 * has_some/has_full true if either has it. The worst of several cgroups. */
void psi_merge_max(PsiPressure *acc, const PsiPressure *p);

/* "some 150ms 1s" → kind (0 some, 1 full), stall and window in µs. Window must be
 * 500ms..10s, stall ≤ window (the kernel's rules). */
int psi_parse_trigger(const char *s, int *ret_kind, uint64_t *ret_stall_usec, uint64_t *ret_window_usec);

/* The text written to a cgroup's *.pressure file: "some 150000 1000000". */
int psi_format_trigger(int kind, uint64_t stall_usec, uint64_t window_usec, char **ret);
