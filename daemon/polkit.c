/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include <systemd/sd-bus.h>
#include "log.h"

#include "bus-errors.h"
#include "macro.h"
#include "polkit.h"

/* A query in flight or answered but not yet picked up by the re-dispatched call. */
typedef struct PolkitQuery {
        struct PolkitQuery *next;
        PolkitRegistry *registry;
        sd_bus_message *request; /* the method call being authorized (the key) */
        sd_bus_slot *slot;       /* pending CheckAuthorization */
        int result;              /* -1 pending, 0 denied, 1 allowed */
        bool challenge;          /* polkit wants interaction the caller did not allow */
        uint64_t done_usec;
} PolkitQuery;

struct PolkitRegistry {
        PolkitQuery *queries;
};

/* Answers nobody picked up (the call failed validation when re-dispatched, e.g.
 * its unit vanished meanwhile) are dropped after this long. */
#define STALE_USEC (60 * USEC_PER_SEC)

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * USEC_PER_SEC + (uint64_t)ts.tv_nsec / 1000;
}

static void query_free(PolkitQuery *q) {
        if (!q)
                return;
        sd_bus_slot_unref(q->slot);
        sd_bus_message_unref(q->request);
        free(q);
}

static void registry_unlink(PolkitRegistry *r, PolkitQuery *q) {
        for (PolkitQuery **i = &r->queries; *i; i = &(*i)->next)
                if (*i == q) {
                        *i = q->next;
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

static void registry_prune(PolkitRegistry *r) {
        uint64_t now = now_usec();

        for (PolkitQuery **i = &r->queries; *i;) {
                PolkitQuery *q = *i;
                if (q->result >= 0 && now - q->done_usec > STALE_USEC) {
                        *i = q->next;
                        query_free(q);
                } else
                        i = &q->next;
        }
}

static int check_auth_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        PolkitQuery *q = userdata;
        const sd_bus_error *e;
        int r;

        q->slot = sd_bus_slot_unref(q->slot);
        q->result = 0;
        q->done_usec = now_usec();

        e = sd_bus_message_get_error(reply);
        if (e) {
                /* No polkit on this bus (ServiceUnknown/NameHasNoOwner) or it failed:
                 * only root gets through, and root never gets here. */
                log_debug("polkit query failed, denying: %s: %s", e->name, strna(e->message));
        } else {
                int authorized = 0, challenge = 0;

                r = sd_bus_message_enter_container(reply, 'r', "bba{ss}");
                if (r >= 0)
                        r = sd_bus_message_read(reply, "bb", &authorized, &challenge);
                if (r < 0)
                        log_warning("Unparsable polkit reply, denying: %s", strerror(-r));
                else {
                        q->result = authorized ? 1 : 0;
                        q->challenge = !authorized && challenge;
                }
        }

        /* Let the method handler run again; it finds this answer by the message. */
        r = sd_bus_enqueue_for_read(sd_bus_message_get_bus(q->request), q->request);
        if (r < 0) {
                log_warning("Failed to requeue authorized call: %s", strerror(-r));
                (void)sd_bus_reply_method_errorf(q->request, SD_BUS_ERROR_FAILED,
                                                 "Failed to process authorization: %s", strerror(-r));
                registry_unlink(q->registry, q);
                query_free(q);
        }
        return 1;
}

static int start_query(sd_bus_message *m, const char *action, const char *const *details,
                       PolkitRegistry *reg) {
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
        q->registry = reg;
        q->result = -1;
        q->request = sd_bus_message_ref(m);

        /* A person may be typing a password: give interactive queries time. */
        r = sd_bus_call_async(bus, &q->slot, c, check_auth_reply, q,
                              interactive ? 5 * 60 * USEC_PER_SEC : 25 * USEC_PER_SEC);
        if (r < 0) {
                query_free(q);
                return r;
        }
        q->next = reg->queries;
        reg->queries = q;
        return 0;
}

int polkit_verify(sd_bus_message *m, const char *action, const char *const *details,
                  PolkitRegistry **registry, sd_bus_error *error) {
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        uid_t uid;
        int r;

        if (!m || !action || !registry)
                return -EINVAL;

        if (*registry) {
                registry_prune(*registry);
                for (PolkitQuery *q = (*registry)->queries; q; q = q->next) {
                        if (q->request != m)
                                continue;
                        if (q->result < 0)
                                return 0; /* still waiting (should not be dispatched yet) */
                        int result = q->result;
                        bool challenge = q->challenge;
                        registry_unlink(*registry, q);
                        query_free(q);
                        if (result > 0)
                                return 1;
                        if (challenge)
                                (void)sd_bus_error_setf(
                                        error, SD_BUS_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED,
                                        "Interactive authentication required for %s.", action);
                        else
                                (void)sd_bus_error_setf(error, BUS_ERROR_ACCESS_DENIED,
                                                        "Access denied: not authorized for %s.", action);
                        return -EACCES;
                }
        }

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
        r = start_query(m, action, details, *registry);
        if (r < 0) {
                /* Could not even ask: that is a no. */
                log_warning("Failed to query polkit: %s", strerror(-r));
                (void)sd_bus_error_setf(error, BUS_ERROR_ACCESS_DENIED,
                                        "Access denied: could not query polkit for %s.", action);
                return -EACCES;
        }
        return 0;
}
