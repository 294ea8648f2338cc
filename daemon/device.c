/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Device names of IO properties → the MAJ:MIN of a whole disk, as systemd's
 * lookup_block_device() finds it: a block device node (also through a symlink
 * such as /dev/disk/by-label/…), /dev/block/MAJ:MIN, or any other path, which
 * stands for the block device its file system is on. Our unit runs with
 * PrivateDevices=yes, so /dev holds no disks: /dev/NAME is then found in sysfs
 * and udev's symlinks (/dev/disk/…, /dev/mapper/…) in udev's database. */

#include <dirent.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "backend.h"
#include "fileio.h"
#include "macro.h"

/* $CGPOLICYD_SYSFS and $CGPOLICYD_UDEV_DATA: stand-ins for tests (cgpolicyd(8)). */
static const char *sysfs_root(void) {
        return secure_getenv("CGPOLICYD_SYSFS") ?: "/sys";
}

static const char *udev_data_dir(void) {
        return secure_getenv("CGPOLICYD_UDEV_DATA") ?: "/run/udev/data";
}

static void closedirp(DIR **d) {
        if (*d)
                closedir(*d);
}

/* "8:0" with nothing after it. */
static int parse_majmin(const char *s, unsigned *ret_major, unsigned *ret_minor) {
        unsigned maj, min;
        int n = -1;

        if (sscanf(s, "%u:%u%n", &maj, &min, &n) != 2 || n < 0 || (s[n] != 0 && s[n] != '\n'))
                return -EINVAL;
        *ret_major = maj;
        *ret_minor = min;
        return 0;
}

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

/* /dev/NAME through sysfs' block/NAME/dev. */
static int lookup_sysfs_name(const char *name, unsigned *ret_major, unsigned *ret_minor) {
        _cleanup_free_ char *path = NULL, *dev = NULL;

        if (asprintf(&path, "%s/class/block/%s/dev", sysfs_root(), name) < 0)
                return -ENOMEM;
        if (read_full_file(path, &dev) < 0)
                return -ENOENT;
        return parse_majmin(dev, ret_major, ret_minor);
}

/* A udev symlink ("/dev/disk/by-label/data") in udev's database, where each
 * block device's file "bMAJ:MIN" lists its links as "S:disk/by-label/data". */
static int lookup_udev_link(const char *device, unsigned *ret_major, unsigned *ret_minor) {
        _cleanup_(closedirp) DIR *d = NULL;
        const char *link = device + 5; /* after "/dev/" */
        size_t n = strlen(link);
        struct dirent *de;

        d = opendir(udev_data_dir());
        if (!d)
                return -ENOENT;
        while ((de = readdir(d))) {
                _cleanup_free_ char *text = NULL;
                unsigned maj, min;

                if (de->d_name[0] != 'b' || parse_majmin(de->d_name + 1, &maj, &min) < 0)
                        continue;
                if (read_full_file_at(dirfd(d), de->d_name, &text) < 0)
                        continue;
                for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
                        if (strncmp(l, "S:", 2) == 0 && strncmp(l + 2, link, n) == 0 &&
                            (l[2 + n] == '\n' || l[2 + n] == 0)) {
                                *ret_major = maj;
                                *ret_minor = min;
                                return 0;
                        }
        }
        return -ENOENT;
}

static int lookup_path(const char *device, unsigned *ret_major, unsigned *ret_minor) {
        struct stat st;

        /* /dev/block/MAJ:MIN and /dev/char/MAJ:MIN name the number, as in systemd */
        if (strncmp(device, "/dev/block/", 11) == 0 && parse_majmin(device + 11, ret_major, ret_minor) >= 0)
                return 0;
        if (strncmp(device, "/dev/char/", 10) == 0)
                return -ENOTBLK;

        if (stat(device, &st) >= 0) {
                if (S_ISBLK(st.st_mode)) {
                        *ret_major = major(st.st_rdev);
                        *ret_minor = minor(st.st_rdev);
                        return 0;
                }
                /* a tty; or tmpfs, btrfs, overlay: no single disk */
                if (S_ISCHR(st.st_mode) || major(st.st_dev) == 0)
                        return -ENOTBLK;
                *ret_major = major(st.st_dev); /* a file or directory: the disk it is on */
                *ret_minor = minor(st.st_dev);
                return 0;
        }
        if (errno != ENOENT || strncmp(device, "/dev/", 5) != 0)
                return -errno;

        const char *name = startswith_dev(device);
        if (name)
                return lookup_sysfs_name(name, ret_major, ret_minor);
        return lookup_udev_link(device, ret_major, ret_minor);
}

int device_resolve(const char *device, unsigned *ret_major, unsigned *ret_minor, void *userdata) {
        _cleanup_free_ char *path = NULL, *dev = NULL;
        unsigned maj, min;
        int r;

        if (parse_majmin(device, &maj, &min) < 0) {
                r = lookup_path(device, &maj, &min);
                if (r < 0)
                        return r;
        }

        /* io.* take whole disks: a partition's parent directory in sysfs is its disk. */
        if (asprintf(&path, "%s/dev/block/%u:%u/partition", sysfs_root(), maj, min) < 0)
                return -ENOMEM;
        if (access(path, F_OK) == 0) {
                path = mfree(path);
                if (asprintf(&path, "%s/dev/block/%u:%u/../dev", sysfs_root(), maj, min) < 0)
                        return -ENOMEM;
                if (read_full_file(path, &dev) >= 0 && parse_majmin(dev, &maj, &min) < 0)
                        return -EINVAL;
        }
        *ret_major = maj;
        *ret_minor = min;
        return 0;
}
