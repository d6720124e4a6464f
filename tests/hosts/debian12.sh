#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# debian12.sh: run the README's two commands (scripts/install-deps.sh && make && scripts/demo.sh;
# make check) on a clean clone of this branch, in a fresh Debian 12 chroot, as the kinds of
# host the test suite must pass on. Never run by `make check` (it runs make check).
#
#   tests/hosts/debian12.sh [options] ROOT
#     ROOT            the chroot's directory (debootstrap --variant=minbase bookworm when it has
#                     no .base stamp; kept afterwards, so a later run reuses it)
#     --fresh         build/cache not from this host's: install-deps fetches every generation
#                     (default: build/cache is an overlay of this host's, written only in the
#                     overlay's upper layer under ROOT)
#     --no-nested-cache  build the nested cell's kernel afresh too (default: an overlay of this
#                     host's nested kernel cache; the build takes 7-35 min of 2 cores)
#     --qemu10        install qemu-system-x86 from bookworm-backports first (system QEMU 10.0)
#     --libvirtd      start the chroot's system libvirtd (and virtlogd) first, as a host
#                     with libvirt in use has them (no systemd: libvirtd -d)
#     --no-check      stop after install-deps, make and demo.sh
#     --only=FILES    instead of make check, pytest on these test files (space-separated)
#     --shell         a shell in the chroot instead (mounts as for a run)
#
# The chroot's / is a mount point (ROOT bound onto itself), with proc, sys, dev, dev/pts and
# dev/shm mounted inside, as on a booted host; all of it in a private mount namespace
# (unshare -m), so nothing stays mounted on this host when the run ends. Output and the time
# of each step go to ROOT/var/log/vtdctl-host-run.log and to stdout. Needs root, debootstrap.
set -euo pipefail
{   # read whole before it runs: an edit of this file during a run does not reach the run

here=$(cd "$(dirname "$0")/../.." && pwd)
fresh=0 qemu10=0 libvirtd=0 check=1 shell=0 nested_cache=1 in_ns=0 only=
root=
for a in "$@"; do
    case "$a" in
        --fresh) fresh=1 ;;
        --no-nested-cache) nested_cache=0 ;;
        --qemu10) qemu10=1 ;;
        --libvirtd) libvirtd=1 ;;
        --no-check) check=0 ;;
        --only=*) only=${a#--only=} ;;
        --shell) shell=1 ;;
        --in-namespace) in_ns=1 ;;      # internal: the second half, in the private namespace
        -h|--help) sed -n '3,24p' "$0"; exit 0 ;;
        -*) echo "debian12.sh: unknown option $a" >&2; exit 2 ;;
        *) root=$a ;;
    esac
done
[ -n "$root" ] || { echo "usage: tests/hosts/debian12.sh [options] ROOT" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "debian12.sh: needs root" >&2; exit 1; }
mkdir -p "$root"; root=$(cd "$root" && pwd)
log=$root/var/log/vtdctl-host-run.log
say() { printf '[%s] %s\n' "$(date -u +%T)" "$*" | tee -a "$log" >&2; }

src=$root/src/vtdctl
host_cache=${VTDCTL_CACHE:-$here/build/cache}
host_nested=${VTDCTL_NESTED_CACHE:-/var/cache/vtdctl/nested}

# The second half, inside the private mount namespace: mounts, then chroot.
inner() {
    mount --bind "$root" "$root"
    mount -t proc proc "$root/proc"
    mount -t sysfs sysfs "$root/sys"
    mount --bind /dev "$root/dev"
    mount -t devpts -o newinstance,ptmxmode=0666 devpts "$root/dev/pts"
    mount -t tmpfs -o mode=1777 shm "$root/dev/shm"
    mount -t tmpfs -o mode=1777 tmp "$root/tmp"
    if [ $fresh = 0 ]; then
        ov=$root/var/tmp/overlay; rm -rf "$ov"; mkdir -p "$ov"/{cu,cw,nu,nw}
        mkdir -p "$src/build/cache"
        mount -t overlay overlay -o "lowerdir=$host_cache,upperdir=$ov/cu,workdir=$ov/cw" \
            "$src/build/cache"
    fi
    if [ $nested_cache = 1 ] && [ -d "$host_nested" ]; then
        ov=$root/var/tmp/overlay-nested; rm -rf "$ov"; mkdir -p "$ov"/{nu,nw}
        mkdir -p "$root/var/cache/vtdctl/nested"
        mount -t overlay overlay -o "lowerdir=$host_nested,upperdir=$ov/nu,workdir=$ov/nw" \
            "$root/var/cache/vtdctl/nested"
    fi
    cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
    local envs=(env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
                HOME=/root LANG=C.UTF-8 TERM=${TERM:-dumb}
                HOSTRUN_QEMU10=$qemu10 HOSTRUN_LIBVIRTD=$libvirtd HOSTRUN_CHECK=$check
                "HOSTRUN_ONLY=$only")
    if [ $shell = 1 ]; then
        exec chroot "$root" "${envs[@]}" /bin/bash -l
    fi
    chroot "$root" "${envs[@]}" /root/host-run.sh
}
if [ $in_ns = 1 ]; then inner; exit; fi

MIRROR=${VTDCTL_DEBIAN_MIRROR:-http://deb.debian.org/debian}
if [ ! -f "$root/.base" ]; then
    mkdir -p "$root/var/log"
    t0=$(date +%s)
    say "debootstrap --variant=minbase bookworm $root"
    debootstrap --variant=minbase bookworm "$root" "$MIRROR" > "$root.debootstrap.log" 2>&1 \
        || { tail -20 "$root.debootstrap.log"; exit 1; }
    # the sources of a Debian 12 installation: main, updates, security
    cat > "$root/etc/apt/sources.list" <<SRC
deb $MIRROR bookworm main
deb $MIRROR bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
SRC
    echo vtdctl-host > "$root/etc/hostname"
    date -u +%FT%TZ > "$root/.base"
    say "debootstrap: $(( $(date +%s) - t0 )) s"
fi
mkdir -p "$root/var/log"

# A clean clone of this branch's last commit (uncommitted changes are not in it).
branch=$(git -C "$here" rev-parse --abbrev-ref HEAD)
rm -rf "$src"
git clone -q --no-local --branch "$branch" "$here" "$src"
say "clone of $branch at $(git -C "$src" log -1 --format='%h %s' | cut -c1-70)"

cat > "$root/root/host-run.sh" <<'IN'
#!/bin/bash
set -uo pipefail
cd /src/vtdctl
log=/var/log/vtdctl-host-run.log
exec 3>&2    # say's output stays on the run's stderr while a step's goes to its log
say() { printf '[%s] %s\n' "$(date -u +%T)" "$*" | tee -a "$log" >&3; }
step() {  # step NAME CMD...: run, log its time and status
    local name=$1 t0 rc; shift; t0=$(date +%s)
    say "start: $name"
    "$@"; rc=$?
    say "end: $name: rc=$rc, $(( $(date +%s) - t0 )) s"
    return $rc
}
if [ "$HOSTRUN_QEMU10" = 1 ]; then
    grep -rqs bookworm-backports /etc/apt/sources.list /etc/apt/sources.list.d/ ||
        printf 'deb http://deb.debian.org/debian bookworm-backports main\n' \
            > /etc/apt/sources.list.d/bookworm-backports.list
    step "install qemu-system-x86 from bookworm-backports" sh -c \
        'apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends -t bookworm-backports qemu-system-x86' || exit 1
fi
say "system QEMU: $(qemu-system-x86_64 --version 2>/dev/null | head -1 || echo none)"
step "scripts/install-deps.sh" scripts/install-deps.sh > /var/log/vtdctl-install-deps.log 2>&1 \
    || { tail -30 /var/log/vtdctl-install-deps.log; exit 1; }
if [ "$HOSTRUN_LIBVIRTD" = 1 ]; then
    # the chroot shares this machine's pids: its own daemon is told by its socket, not pgrep
    if ! virsh -c qemu:///system version >/dev/null 2>&1; then
        mkdir -p /run/libvirt
        # no default network: it would add virbr0 and firewall rules to this machine's
        # network namespace, which the chroot shares
        rm -f /etc/libvirt/qemu/networks/autostart/default.xml
        virtlogd -d && libvirtd -d || { say "the system libvirtd does not start"; exit 1; }
        # stopped when the run ends (by its pid files: other daemons may run on this machine)
        trap 'for f in /run/libvirtd.pid /run/virtlogd.pid; do [ -f $f ] && kill "$(cat $f)"; done' EXIT
    fi
    for _ in $(seq 100); do virsh -c qemu:///system version >/dev/null 2>&1 && break; sleep 0.1; done
    say "system libvirtd: $(virsh -c qemu:///system version 2>&1 | tr '\n' ' ')"
fi
step make make > /var/log/vtdctl-make.log 2>&1 || { tail -30 /var/log/vtdctl-make.log; exit 1; }
step scripts/demo.sh scripts/demo.sh > /var/log/vtdctl-demo.log 2>&1 \
    || { tail -30 /var/log/vtdctl-demo.log; exit 1; }
if [ "$HOSTRUN_LIBVIRTD" = 1 ]; then
    step "scripts/demo.sh libvirt" scripts/demo.sh libvirt > /var/log/vtdctl-demo-libvirt.log 2>&1 \
        || { tail -30 /var/log/vtdctl-demo-libvirt.log; exit 1; }
fi
[ "$HOSTRUN_CHECK" = 1 ] || exit 0
if [ -n "$HOSTRUN_ONLY" ]; then
    # shellcheck disable=SC2086
    step "pytest $HOSTRUN_ONLY" /usr/bin/python3 -m pytest -v $HOSTRUN_ONLY \
        > /var/log/vtdctl-check.log 2>&1; rc=$?
else
    step "make check" make check > /var/log/vtdctl-check.log 2>&1; rc=$?
fi
say "result: $(grep -E '^=+ .* in [0-9.]+s' /var/log/vtdctl-check.log | tail -1)"
exit $rc
IN
chmod 755 "$root/root/host-run.sh"
say "run: fresh=$fresh qemu10=$qemu10 libvirtd=$libvirtd check=$check"
t0=$(date +%s)
rc=0
unshare --mount --propagation private "$0" --in-namespace "$@" || rc=$?
say "done: rc=$rc, $(( $(date +%s) - t0 )) s"
exit $rc
}
