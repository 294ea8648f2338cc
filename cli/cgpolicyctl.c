/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgpolicyctl: verb dispatch. Thin: links libsystemd and the pure core only. */

#include <stdio.h>
#include <string.h>

#include "macro.h"
#include "verbs.h"

static const struct {
        const char *name;
        int (*run)(int argc, char *argv[]);
} verbs[] = {
        { "check", verb_check },
};

static void help(void) {
        printf("cgpolicyctl [OPTIONS...] COMMAND ...\n\n"
               "Control the cgpolicyd resource-policy daemon.\n\n"
               "Commands:\n"
               "  check FILE|DIR...        Validate policy files without a daemon\n"
               "        [--explain UNIT [--user U] [--exe PATH] [--slice S]]\n");
}

int main(int argc, char *argv[]) {
        if (argc < 2 || streq(argv[1], "--help") || streq(argv[1], "-h")) {
                help();
                return argc < 2 ? 1 : 0;
        }
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (streq(argv[1], verbs[i].name))
                        return verbs[i].run(argc - 1, argv + 1);
        fprintf(stderr, "Unknown command verb '%s'.\n", argv[1]);
        return 1;
}
