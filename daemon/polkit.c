/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <stdlib.h>

#include <systemd/sd-bus.h>
#include "journal.h"
#include "log.h"

#include "bus-errors.h"
#include "bus-stub.h"
#include "macro.h"
#include "polkit.h"

/* A query in flight. Holds what the decision and the reply need, nothing of the
 * call's payload. */
typedef struct PolkitQuery {
        struct PolkitQuery *next;
        PolkitRegistry *registry;
        sd_bus_message *stub; /* sender, serial and flags of the call, to reply to */
        sd_bus_slot *slot;    /* pending CheckAuthorization */
        uid_t uid;
        const char *action; /* a string literal of the caller */
        char *unit, *property; /* the details, for the journal entry of a refusal */
        polkit_run_t run;
        void *userdata;
        void (*free_userdata)(void *);
} PolkitQuery;

struct PolkitRegistry {
        PolkitQuery *queries;
        unsigned n_pending;
        /* calls refused over the caps since the burst began; 0: no burst */
        unsigned n_refused;
        uint64_t n_denied; /* every refusal, for the metrics */
};

static void query_free(PolkitQuery *q) {
        if (!q)
                return;
        sd_bus_slot_unref(q->slot);
        sd_bus_message_unref(q->stub);
        free(q->unit);
        free(q->property);
        if (q->free_userdata)
                q->free_userdata(q->userdata);
        free(q);
}

static void registry_unlink(PolkitRegistry *r, PolkitQuery *q) {
        for (PolkitQuery **i = &r->queries; *i; i = &(*i)->next)
                if (*i == q) {
                        *i = q->next;
                        r->n_pending--;
                        return;
                }
}

PolkitRegistry *polkit_registry_free(PolkitRegistry *r) {
        if (!r)
                return NULL;
        while (r->queries) {
                PolkitQuery *q = r->queries;
                r->queries = q->next;
                query_free(q);
        }
        free(r);
        return NULL;
}

unsigned polkit_registry_pending(const PolkitRegistry *r) {
        return r ? r->n_pending : 0;
}

uint64_t polkit_registry_denials(const PolkitRegistry *r) {
        return r ? r->n_denied : 0;
}

static unsigned pending_of_uid(const PolkitRegistry *r, uid_t uid) {
        unsigned n = 0;

        for (const PolkitQuery *q = r->queries; q; q = q->next)
                if (q->uid == uid)
                        n++;
        return n;
}

/* A burst of refusals ends when nobody is at a cap any more: say how big it was. */
static void burst_maybe_over(PolkitRegistry *r) {
        if (r->n_refused == 0 || r->n_pending >= POLKIT_PENDING_MAX)
                return;
        for (const PolkitQuery *q = r->queries; q; q = q->next)
                if (pending_of_uid(r, q->uid) >= POLKIT_PENDING_PER_UID)
                        return;
        log_warning("Authorization queue below its limits again; %u call(s) were refused meanwhile",
                    r->n_refused);
        r->n_refused = 0;
}


static const char *detail(const char *const *details, const char *key) {
        for (const char *const *d = details; d && d[0] && d[1]; d += 2)
                if (streq(d[0], key))
                        return d[1][0] ? d[1] : NULL;
        return NULL;
}

/* Every refusal is counted (metrics) and, but for the calls of a flood past the
 * first (quiet), gets a journal entry naming the caller. */
static void refused(PolkitRegistry *reg, uid_t uid, const char *action, const char *unit, const char *property,
                    const char *why, bool quiet) {
        char caller[32];

        reg->n_denied++;
        if (quiet)
                return;
        snprintf(caller, sizeof(caller), "uid %u", (unsigned)uid);
        log_decision(&(Decision){.kind = DECISION_REFUSED, .priority = LOG_NOTICE, .unit = unit,
                                 .property = property, .layer = caller, .reason = why},
                     "Refused %s%s%s%s%s from %s: %s", action, unit ? " on " : "", unit ?: "",
                     property ? " for " : "", property ?: "", caller, why);
}

static void reply_error(sd_bus_message *stub, int r, const sd_bus_error *e) {
        if (sd_bus_error_is_set(e))
                (void)sd_bus_reply_method_error(stub, e);
        else
                (void)sd_bus_reply_method_errno(stub, r, NULL);
}

static int check_auth_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        PolkitQuery *q = userdata;
        PolkitRegistry *reg = q->registry;
        const sd_bus_error *e;
        int authorized = 0, challenge = 0, r;

        q->slot = sd_bus_slot_unref(q->slot);
        registry_unlink(reg, q);

        e = sd_bus_message_get_error(reply);
        if (e)
                /* No polkit on this bus (ServiceUnknown/NameHasNoOwner) or it failed:
                 * only root gets through, and root never gets here. */
                log_debug("polkit query failed, denying: %s: %s", e->name, strna(e->message));
        else {
                r = sd_bus_message_enter_container(reply, 'r', "bba{ss}");
                if (r >= 0)
                        r = sd_bus_message_read(reply, "bb", &authorized, &challenge);
                if (r < 0) {
                        log_warning("Unparsable polkit reply, denying: %s", strerror(-r));
                        authorized = challenge = 0;
                }
        }

        if (authorized) {
                r = q->run(q->stub, q->userdata, &error);
                if (r < 0)
                        reply_error(q->stub, r, &error);
        } else if (challenge) {
                refused(reg, q->uid, q->action, q->unit, q->property, "interactive authentication required", false);
                (void)sd_bus_reply_method_errorf(q->stub, SD_BUS_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED,
                                                 "Interactive authentication required for %s.", q->action);
        } else {
                refused(reg, q->uid, q->action, q->unit, q->property,
                        e ? "polkit could not be asked" : "not authorized by polkit", false);
                (void)sd_bus_reply_method_errorf(q->stub, BUS_ERROR_ACCESS_DENIED,
                                                 "Access denied: not authorized for %s.", q->action);
        }
        query_free(q);
        burst_maybe_over(reg);
        return 1;
}

static int start_query(PolkitRegistry *reg, sd_bus_message *m, uid_t uid, const char *action,
                       const char *const *details, polkit_run_t run, void *userdata,
                       void (*free_userdata)(void *)) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *c = NULL;
        sd_bus *bus = sd_bus_message_get_bus(m);
        const char *sender = sd_bus_message_get_sender(m);
        bool interactive = sd_bus_message_get_allow_interactive_authorization(m) > 0;
        int r;

        if (!sender)
                return -EBADMSG;

        r = sd_bus_message_new_method_call(bus, &c, "org.freedesktop.PolicyKit1",
                                           "/org/freedesktop/PolicyKit1/Authority",
                                           "org.freedesktop.PolicyKit1.Authority", "CheckAuthorization");
        if (r < 0)
                return r;
        r = sd_bus_message_append(c, "(sa{sv})s", "system-bus-name", 1, "name", "s", sender, action);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(c, 'a', "{ss}");
        if (r < 0)
                return r;
        for (const char *const *d = details; d && d[0] && d[1]; d += 2) {
                r = sd_bus_message_append(c, "{ss}", d[0], d[1]);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(c);
        if (r < 0)
                return r;
        r = sd_bus_message_append(c, "us", (uint32_t)(interactive ? 1 : 0), "");
        if (r < 0)
                return r;

        PolkitQuery *q = calloc(1, sizeof(*q));
        if (!q)
                return -ENOMEM;
        *q = (PolkitQuery){.registry = reg, .uid = uid, .action = action, .run = run};
        if ((detail(details, "unit") && !(q->unit = strdup(detail(details, "unit")))) ||
            (detail(details, "property") && !(q->property = strdup(detail(details, "property"))))) {
                query_free(q);
                return -ENOMEM;
        }
        r = bus_message_stub_new(m, &q->stub);
        if (r < 0) {
                query_free(q);
                return r;
        }

        /* A person may be typing a password: give interactive queries time. */
        r = sd_bus_call_async(bus, &q->slot, c, check_auth_reply, q,
                              interactive ? 5 * 60 * USEC_PER_SEC : 25 * USEC_PER_SEC);
        if (r < 0) {
                query_free(q);
                return r;
        }
        /* from here on the registry owns userdata */
        q->userdata = userdata;
        q->free_userdata = free_userdata;
        q->next = reg->queries;
        reg->queries = q;
        reg->n_pending++;
        return 0;
}

int polkit_authorize(sd_bus_message *m, const char *action, const char *const *details,
                     PolkitRegistry **registry, polkit_run_t run, void *userdata,
                     void (*free_userdata)(void *), sd_bus_error *error) {
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        PolkitRegistry *reg;
        unsigned n_uid;
        uid_t uid;
        int r;

        if (!m || !action || !registry || !run)
                return -EINVAL;

        r = sd_bus_query_sender_creds(m, SD_BUS_CREDS_EUID | SD_BUS_CREDS_UID, &creds);
        if (r < 0)
                return r;
        r = sd_bus_creds_get_euid(creds, &uid);
        if (r < 0)
                r = sd_bus_creds_get_uid(creds, &uid);
        if (r < 0)
                return r;
        if (uid == 0)
                return 1;

        if (!*registry) {
                *registry = calloc(1, sizeof(PolkitRegistry));
                if (!*registry)
                        return -ENOMEM;
        }
        reg = *registry;

        n_uid = pending_of_uid(reg, uid);
        if (n_uid >= POLKIT_PENDING_PER_UID || reg->n_pending >= POLKIT_PENDING_MAX) {
                refused(reg, uid, action, detail(details, "unit"), detail(details, "property"),
                        "too many authorizations pending", reg->n_refused > 0);
                /* once per burst: a flood must not flood the journal too */
                if (reg->n_refused++ == 0)
                        log_warning("Too many pending authorizations (uid %u: %u, all: %u; limits %u and %u), "
                                    "refusing further calls until polkit answers some",
                                    (unsigned)uid, n_uid, reg->n_pending, POLKIT_PENDING_PER_UID,
                                    POLKIT_PENDING_MAX);
                (void)sd_bus_error_setf(error, SD_BUS_ERROR_LIMITS_EXCEEDED,
                                        "Too many authorization requests pending (at most %u per user, %u "
                                        "in all); try again later.",
                                        POLKIT_PENDING_PER_UID, POLKIT_PENDING_MAX);
                return -EBUSY;
        }

        r = start_query(reg, m, uid, action, details, run, userdata, free_userdata);
        if (r < 0) {
                /* Could not even ask: that is a no. */
                log_warning("Failed to query polkit: %s", strerror(-r));
                refused(reg, uid, action, detail(details, "unit"), detail(details, "property"),
                        "polkit could not be asked", false);
                (void)sd_bus_error_setf(error, BUS_ERROR_ACCESS_DENIED,
                                        "Access denied: could not query polkit for %s.", action);
                return -EACCES;
        }
        return 0;
}
