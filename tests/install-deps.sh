#!/usr/bin/env bash
# Installs the Debian 12 packages the build, the tests and the VM test bed need,
# only those missing, so a warm machine pays nothing.
set -euo pipefail

pkgs=(gcc clang libclang-rt-14-dev meson ninja-build pkg-config
      libsystemd-dev libjansson-dev libcgroup-dev
      dbus-daemon dbus-bin util-linux valgrind strace python3 jq
      python3-dbus python3-gi libglib2.0-bin
      qemu-system-x86 qemu-utils mmdebstrap e2fsprogs
      prometheus-node-exporter prometheus python3-prometheus-client curl systemd-journal-remote
      zsh build-essential dpkg-dev debhelper lintian)

missing=()
for p in "${pkgs[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
        echo "Missing packages: ${missing[*]} (run as root to install them)" >&2
        exit 1
fi
echo "Installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
