/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "backend.h"
#include "fileio.h"
#include "macro.h"

int device_resolve(const char *device, unsigned *ret_major, unsigned *ret_minor, void *userdata) {
        _cleanup_free_ char *dev = NULL;
        unsigned maj, min;
        struct stat st;
        char path[128];

        if (sscanf(device, "%u:%u", &maj, &min) == 2) {
                *ret_major = maj;
                *ret_minor = min;
                return 0;
        }
        if (stat(device, &st) < 0)
                return -errno;
        if (!S_ISBLK(st.st_mode))
                return -ENOTBLK;
        maj = major(st.st_rdev);
        min = minor(st.st_rdev);

        /* io.* take whole disks: a partition's parent directory in sysfs is its disk. */
        snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/partition", maj, min);
        if (access(path, F_OK) == 0) {
                snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/../dev", maj, min);
                if (read_full_file(path, &dev) >= 0 && sscanf(dev, "%u:%u", &maj, &min) != 2)
                        return -EINVAL;
        }
        *ret_major = maj;
        *ret_minor = min;
        return 0;
}
