#!/bin/bash
# Guest side of install-into-share.sh: put the host's `meson install --destdir`
# tree onto the guest's / and make systemd, D-Bus and the loader see it.
#
# Usage (in the guest): guest-install.sh [DESTDIR]   (default /mnt/host/destdir)
set -euo pipefail

src=${1:-/mnt/host/destdir}
[[ -d $src ]] || { echo "guest-install: $src does not exist" >&2; exit 1; }

# Not `cp -a $src/. /`: Debian has merged /usr (/lib -> usr/lib) and on bookworm
# systemd.pc puts units in /lib/systemd/system, and cp refuses to replace the
# /lib symlink with a directory. tar --keep-directory-symlink writes through it;
# --no-overwrite-dir keeps the modes of existing directories (/, /usr, /etc)
# instead of copying those of the host's temp directories.
tar -C "$src" -cf - . | tar -C / -xf - --keep-directory-symlink --no-overwrite-dir
echo "guest-install: installed $(find "$src" ! -type d | wc -l) files from $src"

ldconfig
# Users and runtime directories the project declares, before any unit needs them.
if compgen -G "$src/usr/lib/sysusers.d/*.conf" >/dev/null || compgen -G "$src/lib/sysusers.d/*.conf" >/dev/null; then
	systemd-sysusers
fi
mapfile -t tmpfiles < <(cd "$src" && find usr/lib/tmpfiles.d lib/tmpfiles.d etc/tmpfiles.d -name '*.conf' 2>/dev/null)
if ((${#tmpfiles[@]})); then
	systemd-tmpfiles --create "${tmpfiles[@]/#//}"
fi
systemctl daemon-reload
# dbus-daemon rereads its policy files (system.d/*.conf) only when told to.
busctl call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus ReloadConfig
