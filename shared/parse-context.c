/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <inttypes.h>
#include <stdio.h>
#include <unistd.h>

#include "macro.h"
#include "parse-context.h"

static uint64_t read_u64_file(const char *path) {
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        uint64_t v;

        if (!f || fscanf(f, "%" SCNu64, &v) != 1)
                return 0;
        return v;
}

void parse_context_from_system(ParseContext *ret) {
        long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
        uint64_t pid_max = read_u64_file("/proc/sys/kernel/pid_max");
        uint64_t threads_max = read_u64_file("/proc/sys/kernel/threads-max");

        *ret = (ParseContext){
                .ram_bytes = pages > 0 && size > 0 ? (uint64_t) pages * (uint64_t) size : 0,
                /* the kernel's own default pid_max limit when neither can be read */
                .tasks_limit = pid_max && threads_max ? (pid_max < threads_max ? pid_max : threads_max)
                                                      : (pid_max ?: threads_max ?: 4194304),
        };
}
