/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Every decision the daemon makes, as one structured journal entry: a MESSAGE_ID
 * per kind (catalogued in cgpolicyd(8)), the unit also as OBJECT_SYSTEMD_UNIT=
 * (so that `journalctl -u UNIT` shows what was done to it), property, old and
 * new value, layer and reason in CGPOLICYD_* fields.
 *
 * Where it goes: with $CGPOLICYD_JOURNAL_EXPORT=PATH, appended to PATH in the
 * journal export format (tests, and hosts without journald), stderr keeping its
 * plain line; else, when stderr is the journal (JOURNAL_STREAM), to journald with
 * sd_journal_sendv() and nothing on stderr (one entry, not two); else only the
 * plain MESSAGE line on stderr, as any other log line. */

#include <stdarg.h>

typedef enum DecisionKind {
        DECISION_APPLY,     /* a value written (policy, override, reload, discovery) */
        DECISION_REASSERT,  /* a value changed behind our back, written again */
        DECISION_REBALANCE, /* a pressure loop step (also in dry-run mode) */
        DECISION_RESTORE,   /* an original value put back */
        DECISION_REFUSED,   /* a state-changing call refused (authorization) */
        _DECISION_KIND_MAX,
} DecisionKind;

/* "apply", "reassert", "rebalance", "restore", "refused" */
const char *decision_kind_to_string(DecisionKind k);
/* 32 hex digits, as in systemd's catalog */
const char *decision_kind_message_id(DecisionKind k);

typedef struct Decision {
        DecisionKind kind;
        int priority;          /* LOG_INFO, LOG_NOTICE, ... */
        const char *unit;      /* "db.service"; NULL when none */
        const char *property;  /* "MemoryHigh" (or the cgroup file when it maps to none) */
        const char *old_value; /* NULL: unknown */
        const char *new_value;
        const char *layer;     /* "policy", "runtime", "pressure", ... */
        const char *reason;
} Decision;

/* log_decision(&(Decision){...}, "format", ...): the Decision, then MESSAGE. */
#define log_decision(...) log_decision_internal(__FILE__, __LINE__, __func__, __VA_ARGS__)
void log_decision_internal(const char *file, int line, const char *func, const Decision *d, const char *fmt,
                           ...) __attribute__((format(printf, 5, 6)));
