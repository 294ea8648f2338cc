/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "bus-stub.h"
#include "macro.h"

int bus_message_stub_new(sd_bus_message *m, sd_bus_message **ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *s = NULL;
        uint64_t cookie;
        int r;

        r = sd_bus_message_get_cookie(m, &cookie);
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_call(sd_bus_message_get_bus(m), &s, NULL, sd_bus_message_get_path(m),
                                           sd_bus_message_get_interface(m), sd_bus_message_get_member(m));
        if (r < 0)
                return r;
        r = sd_bus_message_set_sender(s, sd_bus_message_get_sender(m));
        if (r < 0)
                return r;
        r = sd_bus_message_set_expect_reply(s, sd_bus_message_get_expect_reply(m));
        if (r < 0)
                return r;
        r = sd_bus_message_seal(s, cookie, 0);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(s);
        return 0;
}
