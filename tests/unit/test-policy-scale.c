/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Issue 9 item 14: loading a policy directory is linear in the number of files.
 * It was quadratic (10k files 0.8 s, 40k 15 s; 92 s for 10k under ASan, so a
 * reload outlasted `cgpolicyctl reload`'s timeout and the watchdog): each file
 * name was compared with every earlier one, and each merge looked every policy
 * name up in a list and recounted the file list. Loads N and 4N files and
 * requires the time to grow by far less than the 16x of a quadratic loader. */

#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "policy.h"
#include "tests.h"

static const ParseContext ctx = {.ram_bytes = 8ULL << 30, .tasks_limit = 4194304};

static void make_dir(const char *dir, unsigned n) {
        char path[4096];

        for (unsigned i = 0; i < n; i++) {
                snprintf(path, sizeof(path), "%s/%08u.json", dir, i);
                FILE *f = fopen(path, "we");
                ASSERT_TRUE(f);
                fprintf(f,
                        "{ \"policies\": [ { \"name\": \"p%u\", \"match\": { \"unit\": \"u%u.service\" }, "
                        "\"properties\": { \"CPUWeight\": 800 } } ] }\n",
                        i, i);
                ASSERT_TRUE(fclose(f) == 0);
        }
}

/* user CPU time: the kernel's share (open, read) is linear and noisy; the
 * quadratic part was all comparisons */
static double now_sec(void) {
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
}

/* best of three: the machine is shared */
static double load_time(const char *dir, unsigned n) {
        const char *dirs[] = {dir, NULL};
        double best = 1e9;

        for (int k = 0; k < 3; k++) {
                PolicySet *set = NULL;
                Diags d = {};
                double t0 = now_sec();
                int r = policy_set_load_dirs(dirs, &ctx, &set, &d);
                double t = now_sec() - t0;

                ASSERT_EQ_INT(r, 0);
                ASSERT_EQ_INT(set->n_policies, n);
                policy_set_free(set);
                diags_done(&d);
                if (t < best)
                        best = t;
        }
        return best;
}

static void rm_dir(const char *dir, unsigned n) {
        char path[4096];

        for (unsigned i = 0; i < n; i++) {
                snprintf(path, sizeof(path), "%s/%08u.json", dir, i);
                (void)unlink(path);
        }
        (void)rmdir(dir);
}

int main(int argc, char **argv) {
        unsigned n = argc > 1 ? (unsigned)atoi(argv[1]) : 2500;
        char small[64], large[64];
        /* tmpfs when there is one: 12,500 files on a busy disk take long to write */
        const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
        double ts, tl;

        snprintf(small, sizeof(small), "%s/test-policy-scale.XXXXXX", base);
        snprintf(large, sizeof(large), "%s/test-policy-scale.XXXXXX", base);
        ASSERT_TRUE(mkdtemp(small));
        ASSERT_TRUE(mkdtemp(large));
        make_dir(small, n);
        make_dir(large, 4 * n);
        ts = load_time(small, n);
        tl = load_time(large, 4 * n);
        fprintf(stderr, "%u files: %.3f s, %u files: %.3f s, ratio %.1f (linear 4, quadratic 16)\n", n, ts, 4 * n, tl,
               tl / ts);
        rm_dir(small, n);
        rm_dir(large, 4 * n);
        ASSERT_TRUE(tl / ts < 8.0);
        return 0;
}
