/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The inotify wd → unit index: rising and out-of-order puts, replace, remove,
 * misses, and many entries. */

#include <errno.h>
#include <stdio.h>

#include "tests.h"
#include "wd-index.h"

int main(void) {
        WdIndex x = {};
        Unit *a = (Unit *)0x10, *b = (Unit *)0x20, *c = (Unit *)0x30;

        ASSERT_TRUE(wd_index_get(&x, 1) == NULL);
        ASSERT_EQ_INT(wd_index_put(&x, 5, a), 0);
        ASSERT_EQ_INT(wd_index_put(&x, 9, b), 0);
        ASSERT_EQ_INT(wd_index_put(&x, 2, c), 0); /* after a wrap-around */
        ASSERT_TRUE(wd_index_get(&x, 5) == a && wd_index_get(&x, 9) == b && wd_index_get(&x, 2) == c);
        ASSERT_TRUE(wd_index_get(&x, 3) == NULL && wd_index_get(&x, 10) == NULL);
        ASSERT_EQ_INT(wd_index_put(&x, 5, c), 0); /* the kernel reuses a wd: the new unit */
        ASSERT_TRUE(wd_index_get(&x, 5) == c);
        ASSERT_EQ_INT((int)x.n, 3);
        wd_index_remove(&x, 9);
        wd_index_remove(&x, 9);
        wd_index_remove(&x, 77);
        ASSERT_TRUE(wd_index_get(&x, 9) == NULL && wd_index_get(&x, 2) == c);
        ASSERT_EQ_INT((int)x.n, 2);

        for (int wd = 100; wd < 20100; wd++)
                ASSERT_EQ_INT(wd_index_put(&x, wd, (Unit *)(size_t)(wd * 16)), 0);
        for (int wd = 100; wd < 20100; wd += 7)
                ASSERT_TRUE(wd_index_get(&x, wd) == (Unit *)(size_t)(wd * 16));
        for (int wd = 100; wd < 20100; wd += 2)
                wd_index_remove(&x, wd);
        ASSERT_TRUE(wd_index_get(&x, 100) == NULL && wd_index_get(&x, 101) == (Unit *)(size_t)(101 * 16));
        ASSERT_EQ_INT((int)x.n, 2 + 10000);
        wd_index_done(&x);
        ASSERT_TRUE(x.n == 0 && !x.entries);
        printf("test-wd-index: all passed\n");
        return 0;
}
