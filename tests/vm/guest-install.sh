#!/bin/bash
# Guest side of install-into-share.sh: put the build onto the guest's / and make
# systemd, D-Bus and the loader see it. Either the Debian package (what an
# administrator installs) or the host's `meson install --destdir` tree.
#
# Usage (in the guest): guest-install.sh --deb FILE.deb
#                       guest-install.sh [DESTDIR]   (default /mnt/host/destdir)
# Either way cgpolicyd is not running afterwards: scenarios start it themselves.
set -euo pipefail

if [[ ${1-} == --deb ]]; then
	deb=${2:?--deb needs a file}
	# The image keeps mmdebstrap's path-exclude of /usr/share/{doc,man}/*
	# (dpkg.cfg.d/99mmdebstrap); scenarios use the shipped example policies
	# and 90-package checks the man pages, so let cgpolicyd's through. The
	# file is read after 99mmdebstrap (lexical order): its includes win. The
	# directories are named too: dpkg does not make an excluded parent
	# directory for an included file (unpack fails with ENOENT).
	cat >/etc/dpkg/dpkg.cfg.d/zz-cgtest-cgpolicyd <<'CFG'
path-include=/usr/share/doc/cgpolicyd
path-include=/usr/share/doc/cgpolicyd/*
path-include=/usr/share/man/man1
path-include=/usr/share/man/man5
path-include=/usr/share/man/man8
path-include=/usr/share/man/man1/cgpolicyctl.1.gz
path-include=/usr/share/man/man5/cgpolicyd.policy.5.gz
path-include=/usr/share/man/man8/cgpolicyd.8.gz
CFG
	# dpkg, not apt-get: the image (mmdebstrap --variant=essential) has no apt,
	# and the guest no network; every dependency is in the image already, and
	# dpkg fails here if the package ever needs one that is not.
	dpkg -i "$deb"
	echo "guest-install: installed $(dpkg-query -W -f '${Package} ${Version}' cgpolicyd)," \
		"cgpolicyd.service $(systemctl is-enabled cgpolicyd.service) and $(systemctl is-active cgpolicyd.service)"
	# postinst started it (enabled, as Debian does); scenarios expect to start
	# it themselves, with their own policies in place.
	systemctl stop cgpolicyd.service
	exit 0
fi

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
