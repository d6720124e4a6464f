#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Build the nested cell's L1 initramfs: busybox (busybox-static) and
# tests/nested/l1-init as /init, nothing else (L1 runs the host's programs
# through 9p). Usage: build-initramfs.sh OUT.cpio.gz
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: build-initramfs.sh OUT.cpio.gz}
bb=$(command -v busybox || true)
[ -n "$bb" ] || { echo "build-initramfs.sh: no busybox (apt-get install busybox-static)" >&2; exit 1; }
if ldd "$bb" >/dev/null 2>&1; then
	echo "build-initramfs.sh: $bb is dynamically linked (install busybox-static)" >&2
	exit 1
fi
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/sbin" "$root/proc" "$root/sys" "$root/dev" "$root/run" "$root/tmp"
cp "$bb" "$root/bin/busybox"
for a in $("$bb" --list); do
	[ "$a" = busybox ] || ln -s busybox "$root/bin/$a"
done
cp "$here/l1-init" "$root/init"
chmod 755 "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -9 >"$out.tmp"
mv "$out.tmp" "$out"
