#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Demo: boot a real Linux guest with a scalable-mode Intel IOMMU under QEMU
# (TCG, no KVM needed), show its VT-d tables with vtdctl, shut it down.
#   scripts/demo.sh            # scalable mode
#   scripts/demo.sh legacy     # legacy mode
#   scripts/demo.sh libvirt    # the same guest as a libvirt domain (a private libvirtd)
# Needs scripts/install-deps.sh once, and `make` for ./vtdctl. The guest's
# kernel is downloaded (not installed) into build/cache on the first run.
set -eu

repo=$(cd "$(dirname "$0")/.." && pwd)
mode=${1:-scalable}
cd "$repo"

if [ ! -x ./vtdctl ]; then
	echo "demo: ./vtdctl is not built; building it with make" >&2
	make vtdctl >&2
fi

echo "demo: preparing the guest kernel and initramfs" >&2
tests/guest/build.sh >/dev/null

if [ "$mode" = libvirt ]; then
	echo "demo: starting a private libvirtd and a domain" >&2
	exec python3 -B scripts/demo_libvirt.py
fi

echo "demo: booting a $mode guest" >&2
# guest.py boots QEMU, runs the command below with VTDCTL_QMP set, and always
# stops QEMU afterwards.
exec python3 -B tests/lib/guest.py --mode "$mode" run sh -c '
	set -x
	./vtdctl --qmp="$VTDCTL_QMP" dump
	./vtdctl -v --qmp="$VTDCTL_QMP" dump
'
