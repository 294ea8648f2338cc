/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "backend.h"
#include "fileio.h"
#include "macro.h"

/* "/dev/NAME" with a plain kernel name (no further '/', not "." or "..") → NAME. */
static const char *startswith_dev(const char *device) {
        const char *name;

        if (strncmp(device, "/dev/", 5) != 0)
                return NULL;
        name = device + 5;
        if (!*name || strchr(name, '/') || streq(name, ".") || streq(name, ".."))
                return NULL;
        return name;
}

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
        if (stat(device, &st) >= 0) {
                if (!S_ISBLK(st.st_mode))
                        return -ENOTBLK;
                maj = major(st.st_rdev);
                min = minor(st.st_rdev);
        } else {
                /* Our unit runs with PrivateDevices=yes: /dev holds no disks, but
                 * sysfs still names them, so "/dev/vda" is found as block/vda. */
                int r = -errno;
                const char *name = startswith_dev(device);

                if (r != -ENOENT || !name)
                        return r;
                snprintf(path, sizeof(path), "/sys/class/block/%s/dev", name);
                if (read_full_file(path, &dev) < 0)
                        return -ENOENT;
                if (sscanf(dev, "%u:%u", &maj, &min) != 2)
                        return -EINVAL;
                dev = mfree(dev);
        }

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
