/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Authorization of state-changing method calls: uid 0 may, everyone else is
 * asked about at polkit (org.freedesktop.PolicyKit1.Authority.CheckAuthorization)
 * asynchronously; no polkit on the bus means no.
 *
 * Usage in a method handler, after all validation and the no-op check, with the
 * call's arguments already parsed into a small request object:
 *
 *     r = polkit_authorize(m, "org.cgpolicy1.manage", details, &registry,
 *                          run, req, req_free, error);
 *     if (r < 0) return r;              // denied or refused: error is set
 *     if (r == 0) { TAKE_PTR(req); return 1; }  // polkit asked; run() follows
 *     return run(m, req, error);        // root: go ahead now
 *
 * While polkit thinks, only the request object and a stub of the call (sender,
 * serial, flags: what the reply needs) are kept, never the call message itself,
 * so a pending call costs a few hundred bytes whatever its size. Pending queries
 * are capped per uid and in all; beyond the cap a call is refused at once with
 * org.freedesktop.DBus.Error.LimitsExceeded. */

#include <systemd/sd-bus.h>

typedef struct PolkitRegistry PolkitRegistry;

#define POLKIT_ACTION_MANAGE "org.cgpolicy1.manage"

/* A uid may have this many queries pending, all uids together POLKIT_PENDING_MAX:
 * well under dbus-daemon's 128 pending replies per connection, so that a flood
 * cannot make our own CheckAuthorization calls fail for everyone else. */
#define POLKIT_PENDING_PER_UID 16U
#define POLKIT_PENDING_MAX 64U

/* Runs the change once authorized and replies to reply_to (a stub of the call
 * after a polkit answer, the call itself when allowed at once). Same contract as
 * an sd-bus method handler: negative with error set, or a negative errno. */
typedef int (*polkit_run_t)(sd_bus_message *reply_to, void *userdata, sd_bus_error *error);

/* details: NULL or a NULL-terminated key, value, key, value, ... list.
 * Returns 1 allowed now (userdata stays the caller's), 0 asked polkit (userdata
 * now belongs to the registry, freed with free_userdata), -EACCES denied (error set
 * to AccessDenied), -EBUSY too many pending (error set to LimitsExceeded), other
 * negative errno on failure. */
int polkit_authorize(sd_bus_message *m, const char *action, const char *const *details,
                     PolkitRegistry **registry, polkit_run_t run, void *userdata,
                     void (*free_userdata)(void *), sd_bus_error *error);

/* Queries pending (for tests and the status line). */
unsigned polkit_registry_pending(const PolkitRegistry *r);
/* Calls refused so far: polkit said no, could not be asked, or too many pending (metrics). */
uint64_t polkit_registry_denials(const PolkitRegistry *r);

PolkitRegistry *polkit_registry_free(PolkitRegistry *r);
