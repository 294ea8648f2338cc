/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Authorization of state-changing method calls: uid 0 may, everyone else is
 * asked about at polkit (org.freedesktop.PolicyKit1.Authority.CheckAuthorization)
 * asynchronously; no polkit on the bus means no.
 *
 * Usage in a method handler, after all validation and the no-op check:
 *
 *     r = polkit_verify(m, "org.cgpolicy1.manage", details, &registry, error);
 *     if (r < 0) return r;     // denied: error is set
 *     if (r == 0) return 1;    // asked polkit; the call is dispatched again on its answer
 *     ... change state ...
 *
 * The handler must be idempotent up to the polkit_verify() call, because the
 * same message is queued again (sd_bus_enqueue_for_read) when polkit answers. */

#include <systemd/sd-bus.h>

typedef struct PolkitRegistry PolkitRegistry;

#define POLKIT_ACTION_MANAGE "org.cgpolicy1.manage"

/* details: NULL or a NULL-terminated key, value, key, value, ... list.
 * Returns 1 allowed, 0 pending, -EACCES denied (error set to AccessDenied or
 * InteractiveAuthorizationRequired), other negative errno on failure. */
int polkit_verify(sd_bus_message *m, const char *action, const char *const *details,
                  PolkitRegistry **registry, sd_bus_error *error);

PolkitRegistry *polkit_registry_free(PolkitRegistry *r);
