#!/bin/bash
# fetch-qemu11.sh: put QEMU 11.1 and Linux 7.3 from Debian trixie-backports in a cache, for the
# third generation of the test matrix, without installing either on the host.
#
#   scripts/fetch-qemu11.sh            # cache in build/cache (or $VTDCTL_CACHE)
#
# QEMU 11.1 is built against Debian 13's C library, so it cannot run from a dpkg-deb -x on a
# Debian 12 host (fetch-qemu10.sh's way). It runs in a Debian 13 chroot with its own libraries:
#   $CACHE/trixie/                     debootstrap --variant=minbase trixie, + trixie-backports'
#                                      qemu-system-x86 (apt-get install inside the chroot)
#   $CACHE/bin/qemu11-system-x86_64    wrapper: a private mount namespace (unshare -m; nothing
#                                      is mounted on the host), /dev /proc /sys and the host
#                                      directories the arguments name bound into the chroot,
#                                      then chroot + exec: the QEMU keeps the wrapper's pid, so
#                                      the caller's pid is QEMU's host pid (/proc/PID/mem), and
#                                      its sockets and files are the host's
#   $CACHE/linux-7.3/usr/lib/modules/VER/vmlinuz
#                                      dpkg-deb -x of linux-binary-7.3.*-amd64 (Linux 7.x ships
#                                      its kernel there; linux-image-* is a meta package now)
#   $CACHE/bin/linux73-vmlinuz         symlink to that vmlinuz
#
# Needs root (debootstrap, chroot, unshare). Idempotent: stamps record what was installed; a
# complete cache returns at once without network. The host's apt configuration, /boot and the
# system QEMU are not touched.
#
# Environment:
#   VTDCTL_CACHE          cache directory (default <repo>/build/cache)
#   VTDCTL_TRIXIE_MIRROR  Debian mirror (default: the host's bookworm mirror, else deb.debian.org)
#   VTDCTL_LINUX73_PKG    exact kernel package to fetch (default: resolved from trixie-backports'
#                         linux-image-amd64)
#   VTDCTL_FORCE=1        refetch even when the stamps say it is done
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${VTDCTL_CACHE:-$here/build/cache}
SUITE=trixie
BPO=trixie-backports

FETCH_NAME=fetch-qemu11
. "$here/scripts/fetch-lib.sh"

mkdir -p "$CACHE/bin"
CACHE=$(cd "$CACHE" && pwd)
ROOT=$CACHE/trixie
LDIR=$CACHE/linux-7.3
BIN=$CACHE/bin
WRAP=$BIN/qemu11-system-x86_64

# ---------------------------------------------------------------- fast path
if [ "${VTDCTL_FORCE:-0}" != 1 ] && [ -f "$ROOT/.done" ] && [ -f "$LDIR/.done" ] \
   && [ -x "$WRAP" ] && [ -e "$BIN/linux73-vmlinuz" ]; then
    say "up to date in $CACHE ($(head -1 "$ROOT/.done"); $(head -1 "$LDIR/.done"))"
    exit 0
fi

[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot)"
command -v debootstrap >/dev/null || die "debootstrap not found (apt-get install debootstrap)"
command -v unshare >/dev/null || die "unshare not found (util-linux)"
t0=$(date +%s)

MIRROR=${VTDCTL_TRIXIE_MIRROR:-$(debian_mirror)}
MIRROR=${MIRROR:-http://deb.debian.org/debian}

in_root() { chroot "$ROOT" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive LANG=C "$@"; }

# ---------------------------------------------------------------- the Debian 13 chroot
if [ "${VTDCTL_FORCE:-0}" != 1 ] && [ -f "$ROOT/.base" ]; then
    say "Debian 13 chroot already in $ROOT"
else
    say "debootstrap --variant=minbase $SUITE $ROOT ($MIRROR)"
    rm -rf "$ROOT.new"
    debootstrap --variant=minbase "$SUITE" "$ROOT.new" "$MIRROR" > "$CACHE/.debootstrap.log" 2>&1 \
        || { tail -20 "$CACHE/.debootstrap.log" >&2; die "debootstrap failed (log: $CACHE/.debootstrap.log)"; }
    printf 'deb %s %s main\n' "$MIRROR" "$BPO" > "$ROOT.new/etc/apt/sources.list.d/$BPO.list"
    rm -rf "$ROOT"; mv "$ROOT.new" "$ROOT"
    date -u +%FT%TZ > "$ROOT/.base"
fi

apt_updated=0
root_apt_update() {
    [ $apt_updated = 1 ] && return 0
    say "apt-get update (in the chroot)"
    in_root apt-get update -qq || die "apt-get update in the chroot failed"
    apt_updated=1
}
root_candidate() {
    in_root apt-cache policy -t "$BPO" "$1" 2>/dev/null | awk '/Candidate:/ {print $2; exit}'
}

# ---------------------------------------------------------------- QEMU 11.1
root_apt_update
qv=$(root_candidate qemu-system-x86)
case "$qv" in
    1:11.1.*) ;;
    *) die "qemu-system-x86 in $BPO is '$qv', expected 1:11.1.x" ;;
esac
qstamp="qemu-system-x86 $qv"
if [ "${VTDCTL_FORCE:-0}" != 1 ] && [ -f "$ROOT/.done" ] && [ "$(head -1 "$ROOT/.done")" = "$qstamp" ] \
   && [ -x "$WRAP" ]; then
    say "QEMU $qv already in $ROOT"
else
    say "installing QEMU $qv in the chroot"
    rm -f "$ROOT/.done"
    in_root apt-get install -y -q --no-install-recommends -t "$BPO" "qemu-system-x86=$qv" \
        > "$CACHE/.qemu11-install.log" 2>&1 \
        || { tail -20 "$CACHE/.qemu11-install.log" >&2; die "apt-get install qemu-system-x86 failed in the chroot"; }
    in_root apt-get clean

    # The wrapper. Paths are taken relative to the wrapper so that the cache can move.
    cat > "$WRAP.tmp" <<'EOF'
#!/bin/sh
# qemu11-system-x86_64: QEMU 11.1 from Debian trixie-backports, in the Debian 13 chroot that
# scripts/fetch-qemu11.sh built (../trixie). Every step execs: the QEMU has this script's pid.
#   1. unshare -m: a private mount namespace, so the mounts below never reach the host;
#   2. /dev, /proc, /sys, and every host directory an argument names (file:/x, unix:/x,
#      path=/x, -kernel /x ...: first path component, or the first two under /var, /run,
#      /srv, /mnt, /home) plus /tmp, /var/tmp, $TMPDIR and the working directory are bound at
#      the same path inside the chroot, so sockets and files are the host's;
#   3. chroot, cd back to the working directory, exec QEMU.
# /proc/PID/exe then reads <cache>/trixie/usr/bin/qemu-system-x86_64 from the host.
set -eu
self=$(readlink -f "$0")
R=$(cd "$(dirname "$self")/../trixie" && pwd)
if [ "${VTDCTL_QEMU11_NS:-}" != "$$" ]; then
    VTDCTL_QEMU11_NS=$$ exec unshare --mount --propagation private "$self" "$@"
fi
unset VTDCTL_QEMU11_NS
mount --rbind /dev "$R/dev"
mount --rbind /proc "$R/proc"
mount --rbind /sys "$R/sys"
bound=" "
bind_dir() {    # bind_dir /abs/path: bind its top directory (see above) once
    top=$(printf '%s' "$1" | cut -d/ -f2)
    case "$top" in
        ""|usr|etc|lib|lib32|lib64|libx32|bin|sbin|dev|proc|sys|boot) return 0 ;;
        var|run|srv|mnt|home|media|opt) top=$top/$(printf '%s' "$1" | cut -d/ -f3)
            [ "${top%/}" != "$top" ] && return 0 ;;
    esac
    d=/$top
    case "$bound" in *" $d "*) return 0 ;; esac
    [ -d "$d" ] || return 0
    mkdir -p "$R$d"
    mount --rbind "$d" "$R$d"
    bound="$bound$d "
}
for d in /tmp /var/tmp ${TMPDIR:-} "$PWD"; do bind_dir "$d"; done
for a in "$@"; do
    for w in $(printf '%s' "$a" | tr ',=:' '   '); do
        case "$w" in /*) bind_dir "$w"
            # a path through a symlink (a cache linked from elsewhere): its target's too
            if [ -e "$w" ]; then bind_dir "$(readlink -f "$w")"; fi ;; esac
    done
done
exec chroot "$R" /bin/sh -c 'cd "$1" 2>/dev/null || cd /; shift; exec /usr/bin/qemu-system-x86_64 "$@"' \
    sh "$PWD" "$@"
EOF
    chmod 755 "$WRAP.tmp"; mv "$WRAP.tmp" "$WRAP"
    out=$(check_qemu_version "$WRAP" 11.1)
    make_download_tmp
    smoke_q35 "$WRAP"
    printf '%s\n' "$qstamp" > "$ROOT/.done"
    say "$out"
fi

# ---------------------------------------------------------------- Linux 7.3
resolve_kernel() {
    local dep
    if [ -n "${VTDCTL_LINUX73_PKG:-}" ]; then echo "$VTDCTL_LINUX73_PKG"; return; fi
    # backports' linux-image-amd64 -> linux-image-7.3.N+deb13-amd64 (a meta package in 7.x)
    # -> linux-binary-7.3.N+deb13-amd64, which holds usr/lib/modules/VER/vmlinuz.
    dep=$(in_root apt-cache depends -t "$BPO" linux-image-amd64 2>/dev/null \
          | awk '$1=="Depends:" && $2 ~ /^linux-image-7\.3\./ {print $2; exit}')
    [ -n "$dep" ] || die "cannot find a linux-image-7.3.* in $BPO (set VTDCTL_LINUX73_PKG)"
    echo "linux-binary-${dep#linux-image-}"
}
kpkg=$(resolve_kernel)
kv=$(root_candidate "$kpkg")
if [ -z "$kv" ] || [ "$kv" = "(none)" ]; then die "no candidate for $kpkg"; fi
kstamp="$kpkg $kv"
if [ "${VTDCTL_FORCE:-0}" != 1 ] && [ -f "$LDIR/.done" ] && [ "$(head -1 "$LDIR/.done")" = "$kstamp" ]; then
    say "Linux $kpkg $kv already in $LDIR"
else
    say "fetching $kpkg $kv (~14 MB)"
    dl=/var/tmp/vtdctl-linux73
    rm -rf "$ROOT$dl"; mkdir -p "$ROOT$dl"; chmod 755 "$ROOT$dl"
    in_root sh -c "cd $dl && chown _apt . 2>/dev/null; apt-get download -q -t $BPO $kpkg=$kv" \
        >/dev/null || die "apt-get download $kpkg failed"
    rm -rf "$LDIR.new"; mkdir -p "$LDIR.new"
    dpkg-deb -x "$ROOT$dl"/*.deb "$LDIR.new"
    rm -rf "$ROOT$dl"
    ls "$LDIR.new"/usr/lib/modules/*/vmlinuz >/dev/null 2>&1 || die "no usr/lib/modules/*/vmlinuz in $kpkg"
    rm -rf "$LDIR"; mv "$LDIR.new" "$LDIR"
    printf '%s\n' "$kstamp" > "$LDIR/.done"
fi
vmlinuz=$(ls "$LDIR"/usr/lib/modules/*/vmlinuz | head -1)
ln -sfn "../linux-7.3/${vmlinuz#"$LDIR"/}" "$BIN/linux73-vmlinuz"

say "done in $(( $(date +%s) - t0 ))s; $(du -sh "$ROOT" | cut -f1) in $ROOT"
say "  QEMU 11.1: $WRAP"
say "  Linux 7.3: $vmlinuz"
