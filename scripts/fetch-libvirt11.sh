#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# fetch-libvirt11.sh: put Debian 13's libvirt (trixie-backports) into the Debian 13 chroot that
# scripts/fetch-qemu11.sh built, beside its QEMU 11.1, for the test suite's libvirt domain on
# the third generation (tests/integration/test_libvirt11.py). Nothing is installed on the host.
#
#   scripts/fetch-libvirt11.sh         # into build/cache/trixie (or $VTDCTL_CACHE/trixie)
#
# Installs libvirt-daemon-system, libvirt-daemon-driver-qemu and libvirt-clients with
# --no-install-recommends (libvirtd, virtlogd, virsh; systemd comes along as a dependency and
# never runs: the tests start libvirtd by hand, tests/lib/libvirtd.py). The QEMU of the chroot
# is left at the version fetch-qemu11.sh installed (apt-get is told to keep it).
# Needs root and a complete fetch-qemu11.sh cache. Idempotent: the stamp trixie/.libvirt
# records the version; a cache holding it returns at once without network.
#
# Environment:
#   VTDCTL_CACHE    cache directory (default <repo>/build/cache)
#   VTDCTL_FORCE=1  reinstall even when the stamp says it is done
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${VTDCTL_CACHE:-$here/build/cache}
BPO=trixie-backports
PKGS="libvirt-daemon-system libvirt-daemon-driver-qemu libvirt-clients"

say() { printf 'fetch-libvirt11: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

ROOT=$CACHE/trixie
[ -f "$ROOT/.done" ] || die "no QEMU 11.1 chroot in $ROOT (run scripts/fetch-qemu11.sh first)"
if [ "${VTDCTL_FORCE:-0}" != 1 ] && [ -f "$ROOT/.libvirt" ] && [ -x "$ROOT/usr/sbin/libvirtd" ]; then
    say "up to date in $ROOT ($(head -1 "$ROOT/.libvirt"))"
    exit 0
fi
[ "$(id -u)" = 0 ] || die "needs root (chroot)"
t0=$(date +%s)
in_root() { chroot "$ROOT" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive LANG=C "$@"; }

say "apt-get update (in the chroot)"
in_root apt-get update -qq || die "apt-get update in the chroot failed"
lv=$(in_root apt-cache policy -t "$BPO" libvirt-daemon-system 2>/dev/null | awk '/Candidate:/ {print $2; exit}')
[ -n "$lv" ] && [ "$lv" != "(none)" ] || die "no libvirt-daemon-system candidate in the chroot"
qv=$(in_root dpkg-query -W -f '${Version}' qemu-system-x86) || die "no qemu-system-x86 in the chroot"
say "installing libvirt $lv in the chroot (QEMU $qv kept)"
rm -f "$ROOT/.libvirt"
# shellcheck disable=SC2086
in_root apt-get install -y -q --no-install-recommends -t "$BPO" $PKGS "qemu-system-x86=$qv" \
    > "$CACHE/.libvirt11-install.log" 2>&1 \
    || { tail -20 "$CACHE/.libvirt11-install.log" >&2; die "apt-get install libvirt failed in the chroot"; }
in_root apt-get clean
[ "$(in_root dpkg-query -W -f '${Version}' qemu-system-x86)" = "$qv" ] || die "QEMU changed in the chroot"
out=$(in_root /usr/sbin/libvirtd --version) || die "the chroot's libvirtd does not run"
printf 'libvirt-daemon-system %s\n' "$lv" > "$ROOT/.libvirt"
say "$out; done in $(( $(date +%s) - t0 ))s"
