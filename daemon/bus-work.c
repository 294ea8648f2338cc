/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bus-work.h"
#include "log.h"
#include "bus-stub.h"
#include "macro.h"
#include "polkit.h"

typedef struct WorkItem {
        struct WorkItem *next;
        sd_bus_message *stub;
        polkit_run_t run;
        void *userdata;
        void (*free_userdata)(void *);
} WorkItem;

/* One caller's queue; the callers with work form a ring, `turn` is next. */
typedef struct PeerQueue {
        struct PeerQueue *next;
        char *sender;
        WorkItem *head, **tail;
        unsigned n;
} PeerQueue;

struct BusWork {
        sd_bus *bus;
        sd_event_source *defer;
        PeerQueue *peers; /* singly linked; `turn` walks it round-robin */
        PeerQueue *turn;
        unsigned n_queued;
        unsigned n_refused; /* since the last warning */
};

static void item_free(WorkItem *i) {
        if (!i)
                return;
        sd_bus_message_unref(i->stub);
        if (i->free_userdata)
                i->free_userdata(i->userdata);
        free(i);
}

static void peer_free(PeerQueue *p) {
        while (p->head) {
                WorkItem *i = p->head;
                p->head = i->next;
                item_free(i);
        }
        free(p->sender);
        free(p);
}

BusWork *bus_work_free(BusWork *w) {
        if (!w)
                return NULL;
        while (w->peers) {
                PeerQueue *p = w->peers;
                w->peers = p->next;
                peer_free(p);
        }
        sd_event_source_disable_unref(w->defer);
        sd_bus_unref(w->bus);
        free(w);
        return NULL;
}

unsigned bus_work_queued(const BusWork *w) {
        return w ? w->n_queued : 0;
}

unsigned bus_work_queued_for(const BusWork *w, const char *sender) {
        if (!w || !sender)
                return 0;
        for (const PeerQueue *p = w->peers; p; p = p->next)
                if (streq(p->sender, sender))
                        return p->n;
        return 0;
}

static void peer_unlink(BusWork *w, PeerQueue *p) {
        for (PeerQueue **i = &w->peers; *i; i = &(*i)->next)
                if (*i == p) {
                        *i = p->next;
                        break;
                }
        if (w->turn == p)
                w->turn = p->next;
}

static int on_work(sd_event_source *s, void *userdata) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        BusWork *w = userdata;
        PeerQueue *p;
        WorkItem *i;
        int r;

        /* read ahead: what came in meanwhile gets answered or queued first */
        for (unsigned k = 0; k < BUS_WORK_READ_AHEAD; k++) {
                r = sd_bus_process(w->bus, NULL);
                if (r <= 0)
                        break;
        }

        if (!w->turn)
                w->turn = w->peers;
        p = w->turn;
        if (!p) {
                (void)sd_event_source_set_enabled(s, SD_EVENT_OFF);
                return 0;
        }
        i = p->head;
        p->head = i->next;
        if (!p->head)
                p->tail = &p->head;
        p->n--;
        w->n_queued--;
        w->turn = p->next;
        if (p->n == 0) {
                peer_unlink(w, p);
                peer_free(p);
        }

        r = i->run(i->stub, i->userdata, &error);
        if (r < 0) {
                if (sd_bus_error_is_set(&error))
                        (void)sd_bus_reply_method_error(i->stub, &error);
                else
                        (void)sd_bus_reply_method_errno(i->stub, r, NULL);
        }
        item_free(i);

        if (w->n_queued == 0) {
                (void)sd_event_source_set_enabled(s, SD_EVENT_OFF);
                if (w->n_refused > 0) {
                        log_warning("Work queues empty again; %u call(s) were refused while they were full",
                                    w->n_refused);
                        w->n_refused = 0;
                }
        }
        return 0;
}


int bus_work_submit(BusWork **wp, sd_event *event, sd_bus_message *m, polkit_run_t run, void *userdata,
                    void (*free_userdata)(void *), sd_bus_error *error) {
        const char *sender = sd_bus_message_get_sender(m);
        PeerQueue *p = NULL;
        BusWork *w;
        WorkItem *i;
        int r;

        if (!sender)
                return -EBADMSG;
        if (!*wp) {
                w = calloc(1, sizeof(*w));
                if (!w)
                        return -ENOMEM;
                w->bus = sd_bus_ref(sd_bus_message_get_bus(m));
                r = sd_event_add_defer(event, &w->defer, on_work, w);
                if (r < 0) {
                        bus_work_free(w);
                        return r;
                }
                (void)sd_event_source_set_description(w->defer, "bus-work");
                *wp = w;
        }
        w = *wp;

        for (p = w->peers; p; p = p->next)
                if (streq(p->sender, sender))
                        break;
        if (p && p->n >= BUS_WORK_QUEUE_MAX) {
                if (w->n_refused++ == 0)
                        log_warning("Caller %s has %u calls queued, refusing more until they are done", sender,
                                    p->n);
                (void)sd_bus_error_setf(error, SD_BUS_ERROR_LIMITS_EXCEEDED,
                                        "Too many calls queued from this connection (at most %u); wait for "
                                        "their replies.",
                                        BUS_WORK_QUEUE_MAX);
                return -EBUSY;
        }

        i = calloc(1, sizeof(*i));
        if (!i)
                return -ENOMEM;
        r = bus_message_stub_new(m, &i->stub);
        if (r < 0) {
                free(i);
                return r;
        }
        if (!p) {
                p = calloc(1, sizeof(*p));
                if (p)
                        p->sender = strdup(sender);
                if (!p || !p->sender) {
                        free(p);
                        item_free(i);
                        return -ENOMEM;
                }
                p->tail = &p->head;
                /* at the end of the ring, so that callers already waiting go first */
                PeerQueue **e = &w->peers;
                while (*e)
                        e = &(*e)->next;
                *e = p;
        }
        i->run = run;
        i->userdata = userdata;
        i->free_userdata = free_userdata;
        *p->tail = i;
        p->tail = &i->next;
        p->n++;
        w->n_queued++;
        (void)sd_event_source_set_enabled(w->defer, SD_EVENT_ON);
        return 0;
}
