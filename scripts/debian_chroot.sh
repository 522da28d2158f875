#!/usr/bin/env bash
# A Debian chroot of another suite (trixie: LibTorch 2.6, sid: 2.14) with the
# project's build and test packages, made with mmdebstrap from this machine's
# own Debian mirror (read from its apt configuration), and commands run in it
# over the source tree. Nothing on the host changes: the chroot lives in a
# cache folder and is remade only when its package list changes.
#
# usage: scripts/debian_chroot.sh create SUITE [EXTRA_PACKAGE...]
#        scripts/debian_chroot.sh run SUITE COMMAND...    (in /src = this tree, as root)
#        scripts/debian_chroot.sh path SUITE              (prints the chroot's folder)
# env:   HPE3D_CHROOT_CACHE       cache folder (default /var/cache/hpe3d when root, else ~/.cache/hpe3d)
#        HPE3D_CHROOT_COMPONENTS  Debian components (default "main")
#        HPE3D_CHROOT_NAME        folder name under the cache (default SUITE)
#        HPE3D_CHROOT_HOOK        a shell command run in the chroot before packages are configured
#                                 (mmdebstrap --customize-hook form: "$1" is the chroot)
#        HPE3D_CHROOT_REPLACE     substitutions in the package list, "OLD=NEW OLD2=" (an empty NEW
#                                 drops OLD), e.g. "libtorch-dev=libtorch-cuda-dev python3-torch="
#        HPE3D_CHROOT_APTOPT      one apt option for mmdebstrap (e.g. 'Acquire::Check-Valid-Until "false"'
#                                 for a mirror whose sid snapshot is older than its Valid-Until)
#        HPE3D_DEBIAN_MIRROR      the mirror's URL, when the apt configuration holds none
# Exit status 3: no Debian mirror configured or reachable (the caller decides).
set -euo pipefail
cd "$(dirname "$0")/.."
src=$(pwd)

verb=${1:?usage: debian_chroot.sh create|run|path SUITE ...}
suite=${2:?usage: debian_chroot.sh create|run|path SUITE ...}
shift 2
if [[ -n ${HPE3D_CHROOT_CACHE:-} ]]; then cache=$HPE3D_CHROOT_CACHE
elif [[ $(id -u) == 0 ]]; then cache=/var/cache/hpe3d
else cache=$HOME/.cache/hpe3d; fi
name=${HPE3D_CHROOT_NAME:-$suite}
root=$cache/chroot/$name
components=${HPE3D_CHROOT_COMPONENTS:-main}

SUDO=""
[[ $(id -u) == 0 ]] || SUDO=sudo

# The URL of the Debian archive this machine's apt uses (origin and label
# Debian, the host's own release), e.g. from /etc/apt/sources.list.d/*.sources.
debian_mirror() {
  if [[ -n ${HPE3D_DEBIAN_MIRROR:-} ]]; then echo "$HPE3D_DEBIAN_MIRROR"; return; fi
  local codename
  codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
  apt-get indextargets --format '$(ORIGIN)|$(LABEL)|$(RELEASE)|$(REPO_URI)' 2>/dev/null |
    awk -F'|' -v c="$codename" '$1 == "Debian" && $2 == "Debian" && $3 == c {print $4; exit}'
}

case $verb in
  path)
    echo "$root"
    ;;
  create)
    mapfile -t packages < <(bash scripts/setup.sh --list)
    for rule in ${HPE3D_CHROOT_REPLACE:-}; do
      [[ $rule == *=* ]] || { echo "debian_chroot: HPE3D_CHROOT_REPLACE entry '$rule' is not OLD=NEW" >&2; exit 2; }
      kept=()
      for p in "${packages[@]}"; do
        if [[ $p == "${rule%%=*}" ]]; then [[ -n ${rule#*=} ]] && kept+=("${rule#*=}")
        else kept+=("$p"); fi
      done
      packages=("${kept[@]}")
    done
    packages+=("$@")
    opts=("$suite" "$components" "${HPE3D_CHROOT_HOOK:-}")
    [[ -n ${HPE3D_CHROOT_APTOPT:-} ]] && opts+=("$HPE3D_CHROOT_APTOPT")
    key=$(printf '%s\n' "${opts[@]}" "${packages[@]}" | sha256sum | cut -c1-16)
    if [[ -f $root/.hpe3d-chroot && $(cat "$root/.hpe3d-chroot") == "$key" ]]; then
      echo "[chroot] $name: up to date ($root)"
      exit 0
    fi
    command -v mmdebstrap >/dev/null || { echo "debian_chroot: mmdebstrap missing: run scripts/setup.sh" >&2; exit 2; }
    mirror=$(debian_mirror)
    if [[ -z $mirror ]]; then
      echo "debian_chroot: no Debian mirror in this machine's apt configuration (set HPE3D_DEBIAN_MIRROR)" >&2
      exit 3
    fi
    echo "[chroot] $name: Debian $suite ($components) from the configured mirror, ${#packages[@]} packages"
    $SUDO rm -rf "$root"
    $SUDO mkdir -p "$(dirname "$root")"
    hook=()
    [[ -n ${HPE3D_CHROOT_HOOK:-} ]] && hook=(--essential-hook="$HPE3D_CHROOT_HOOK")
    [[ -n ${HPE3D_CHROOT_APTOPT:-} ]] && hook+=(--aptopt="$HPE3D_CHROOT_APTOPT")
    start=$(date +%s)
    if ! $SUDO mmdebstrap --quiet --variant=apt --components="${components// /,}" \
        --include="$(IFS=,; echo "${packages[*]}")" "${hook[@]}" \
        "$suite" "$root" "deb $mirror $suite ${components}"; then
      $SUDO rm -rf "$root"
      echo "debian_chroot: mmdebstrap of $suite failed (mirror unreachable, or a package missing from $suite)" >&2
      exit 3
    fi
    echo "$key" | $SUDO tee "$root/.hpe3d-chroot" >/dev/null
    echo "[chroot] $name: made in $(( $(date +%s) - start )) s ($(du -sh "$root" | cut -f1))"
    ;;
  run)
    [[ -f $root/.hpe3d-chroot ]] || { echo "debian_chroot: no chroot $root: run 'create $suite' first" >&2; exit 2; }
    [[ $# -gt 0 ]] || { echo "debian_chroot: run needs a command" >&2; exit 2; }
    # A private mount namespace: the binds vanish with the command, also when it fails.
    $SUDO unshare --mount --propagation private -- bash -euo pipefail -c '
      root=$1 src=$2; shift 2
      mkdir -p "$root/src" "$root/dev/shm"
      mount --rbind /dev "$root/dev"
      mount -t proc proc "$root/proc"
      mount --rbind /sys "$root/sys"
      mount -t tmpfs tmpfs "$root/tmp"
      mount --bind "$src" "$root/src"
      [ -d "$src/../shared" ] && mkdir -p "$root/shared" && mount --bind "$src/../shared" "$root/shared"
      cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
      exec chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
        TERM="${TERM:-dumb}" bash -c "cd /src && \"\$@\"" bash "$@"
    ' bash "$root" "$src" "$@"
    ;;
  *)
    echo "debian_chroot: unknown verb $verb (create, run, path)" >&2
    exit 2
    ;;
esac
