#!/bin/bash
# Build (or reuse) the Debian bookworm guest image for the VM tests.
#
# Usage: build-image.sh [--force]
# Prints the image directory (rootfs.img, vmlinuz, initrd.img, manifest.txt) on
# stdout; everything else goes to stderr. The directory is
# ${XDG_CACHE_HOME:-$HOME/.cache}/cgpolicyd-vm/<key>, key = sha256 of this script
# and packages.list, so any change to what goes into the image builds a new one.
# Package versions are whatever the archive had at build time; --force (or
# deleting the directory) picks up newer ones.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/lib-host.sh
. "$here/lib-host.sh"

force=0
case "${1-}" in
--force) force=1 ;;
"") ;;
*) vm_die "usage: build-image.sh [--force]" ;;
esac

key=$(cat "$here/build-image.sh" "$here/packages.list" | sha256sum | cut -c1-16)
cache=$(vm_cache_root)
out=$cache/$key

if ((!force)) && [[ -f $out/rootfs.img ]]; then
	printf '%s\n' "$out"
	exit 0
fi

[[ $EUID -eq 0 ]] || vm_die "building the image needs root (mmdebstrap --mode=root, chroot)"
vm_need mmdebstrap:mmdebstrap mkfs.ext4:e2fsprogs flock:util-linux

mkdir -p "$cache"
# Serialize builds: concurrent test runs must not build the same image twice.
exec 9>"$cache/.lock"
flock 9
if ((!force)) && [[ -f $out/rootfs.img ]]; then
	printf '%s\n' "$out"
	exit 0
fi
# Leftovers of interrupted builds (we hold the lock, so nobody is using them).
# --one-file-system: never recurse into a mount that a killed mmdebstrap left behind.
for stale in "$cache"/.build-*; do
	[[ -e $stale ]] || continue
	vm_log "removing stale build directory $stale"
	rm -rf --one-file-system "$stale" || vm_log "could not remove $stale completely"
done

tmp=$(mktemp -d "$cache/.build-$key.XXXXXX")
trap 'rm -rf --one-file-system "$tmp"' EXIT
root=$tmp/root

mapfile -t pkgs < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$here/packages.list")
mirror=http://deb.debian.org/debian
start=$SECONDS
vm_log "building image $key (${#pkgs[@]} packages) in $tmp"

# - MODULES=list keeps the initrd small and the listed modules are loaded at boot;
#   it must be in place before linux-image-amd64's postinst builds the initrd.
# - /sys is not mounted in the chroot: nothing here needs it and the host's cgroup
#   tree must never be reachable from package scripts.
# - prometheus-node-exporter is for 21-journal-metrics, which starts it itself: not
#   at boot, so the other scenarios see system.slice as before.
# shellcheck disable=SC2016 # hooks get the chroot path as $1, expanded by mmdebstrap's sh
mmdebstrap --mode=root --variant=essential --skip=chroot/mount/sys \
	--include="$(
		IFS=,
		printf '%s' "${pkgs[*]}"
	)" \
	--dpkgopt='path-exclude=/usr/share/man/*' \
	--dpkgopt='path-exclude=/usr/share/doc/*' \
	--dpkgopt='path-exclude=/usr/share/locale/*' \
	--dpkgopt='path-exclude=/usr/share/info/*' \
	--setup-hook='mkdir -p "$1/etc/initramfs-tools/conf.d" "$1/usr/share/initramfs-tools/modules.d"' \
	--setup-hook='printf "MODULES=list\nCOMPRESS=zstd\n" >"$1/etc/initramfs-tools/conf.d/cgtest.conf"' \
	--setup-hook='printf "virtio_pci\nvirtio_blk\next4\n" >"$1/usr/share/initramfs-tools/modules.d/cgtest.conf"' \
	--customize-hook='chroot "$1" passwd -q -d root' \
	--customize-hook='chroot "$1" useradd -m -u 1000 -U -s /bin/bash alice' \
	--customize-hook='rm -f "$1"/etc/systemd/system/*.wants/prometheus-node-exporter*' \
	bookworm "$root" \
	"deb $mirror bookworm main" \
	"deb $mirror bookworm-updates main" \
	"deb http://deb.debian.org/debian-security bookworm-security main" >&2

# Fixed identity so every boot (and every run's journal) looks the same.
echo 5f1c0c6b2d3e4a5b8c9d0e1f2a3b4c5d >"$root/etc/machine-id"
echo cgtest >"$root/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tcgtest\n' >"$root/etc/hosts"

# The host's share. nofail: a missing share must not stop the boot; the runner
# below notices and fails the run instead.
mkdir -p "$root/mnt/host"
cat >"$root/etc/fstab" <<'EOF'
host /mnt/host 9p trans=virtio,version=9p2000.L,msize=262144,cache=none,nofail 0 0
EOF
printf '9p\n9pnet_virtio\n' >"$root/etc/modules-load.d/cgtest-9p.conf"

cat >"$root/usr/local/sbin/cgtest-run" <<'EOF'
#!/bin/sh
# Run the host's script from the share; output and exit code go back to the share.
if ! mountpoint -q /mnt/host; then
	echo "cgtest-run: /mnt/host is not mounted, nothing to run"
	exit 1
fi
rm -f /mnt/host/guest.rc
rc=0
bash /mnt/host/run-in-guest.sh >/mnt/host/guest.log 2>&1 </dev/null || rc=$?
echo "$rc" >/mnt/host/guest.rc.tmp && mv -f /mnt/host/guest.rc.tmp /mnt/host/guest.rc
sync
echo "cgtest-run: run-in-guest.sh exited with $rc"
exit "$rc"
EOF
chmod 0755 "$root/usr/local/sbin/cgtest-run"

# Wants= (not Requires=) on the mount: a failed dependency would leave the unit
# inactive, neither action would fire, and the VM would idle until the host timeout.
cat >"$root/etc/systemd/system/cgtest-run.service" <<'EOF'
[Unit]
Description=cgpolicyd VM test run
Wants=dbus.service mnt-host.mount
After=multi-user.target dbus.service mnt-host.mount
SuccessAction=poweroff-force
FailureAction=poweroff-force

[Service]
Type=oneshot
Environment=HOME=/root
ExecStart=/usr/local/sbin/cgtest-run
TimeoutStartSec=infinity
StandardOutput=journal+console
StandardError=journal+console

[Install]
WantedBy=multi-user.target
EOF
mkdir -p "$root/etc/systemd/system/multi-user.target.wants"
ln -sf /etc/systemd/system/cgtest-run.service "$root/etc/systemd/system/multi-user.target.wants/"

# shellcheck disable=SC2016 # a dpkg-query format, not a shell expansion
chroot "$root" dpkg-query -W -f '${Package} ${Version}\n' >"$tmp/manifest.txt"
kernels=("$root"/boot/vmlinuz-*)
initrds=("$root"/boot/initrd.img-*)
((${#kernels[@]} == 1 && ${#initrds[@]} == 1)) || vm_die "expected one kernel and one initrd in /boot"
cp "${kernels[0]}" "$tmp/vmlinuz"
cp "${initrds[0]}" "$tmp/initrd.img"

# Sparse file: 2G seen by the guest, only the ~450 MiB used take host disk.
mkfs.ext4 -q -F -L cgtest -d "$root" "$tmp/rootfs.img" 2G >&2
rm -rf --one-file-system "$root"

# Publish atomically: the cache entry exists complete or not at all.
if [[ -e $out ]]; then
	rm -rf --one-file-system "$out.old"
	mv -T "$out" "$out.old"
fi
mv -T "$tmp" "$out"
rm -rf --one-file-system "$out.old"
trap - EXIT
vm_log "image $key built in $((SECONDS - start)) s ($(du -sh --apparent-size "$out/rootfs.img" | cut -f1) sparse, $(du -sh "$out/rootfs.img" | cut -f1) used)"
printf '%s\n' "$out"
