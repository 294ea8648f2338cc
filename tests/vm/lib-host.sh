# shellcheck shell=bash
# Helpers shared by the host-side VM scripts. Sourced, not executed.

vm_log() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
vm_die() { vm_log "error: $*"; exit 1; }

# Where images live: outside the checkout so every worktree shares them.
vm_cache_root() { printf '%s/cgpolicyd-vm\n' "${XDG_CACHE_HOME:-$HOME/.cache}"; }

# vm_need CMD:PACKAGE... — install the Debian packages providing missing commands.
# Only as root; waits for a dpkg lock held by another apt run instead of failing.
vm_need() {
	local spec missing=()
	for spec in "$@"; do
		command -v "${spec%%:*}" >/dev/null 2>&1 || missing+=("${spec#*:}")
	done
	((${#missing[@]})) || return 0
	[[ $EUID -eq 0 ]] || vm_die "missing host packages (install them as root): ${missing[*]}"
	vm_log "installing host packages: ${missing[*]}"
	local apt=(apt-get -y -q -o DPkg::Lock::Timeout=600 --no-install-recommends)
	export DEBIAN_FRONTEND=noninteractive
	# A fresh machine may have no package lists yet: update once, then retry.
	"${apt[@]}" install "${missing[@]}" >&2 ||
		{ "${apt[@]}" update >&2 && "${apt[@]}" install "${missing[@]}" >&2; } ||
		vm_die "apt-get install ${missing[*]} failed"
}
