#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Build the artefacts of vtdctl's test guest, without installing anything:
#   - a Debian kernel, fetched with `apt-get download` and unpacked with
#     `dpkg-deb -x` into the cache (never into /boot);
#   - a busybox initramfs whose /init prints a report on ttyS0 (tests/guest/init),
#     with the kernel's qemu_fw_cfg module (taken from the same package).
# Both are cached and rebuilt only when missing. Prints, as its last lines:
#   KERNEL=/path/to/vmlinuz
#   INITRD=/path/to/initramfs.cpio.gz
#
# Environment:
#   VTDCTL_CACHE       cache directory (default: build/cache in the repository)
#   VTDCTL_KERNEL_PKG  kernel package to use (default: the one the candidate
#                      linux-image-amd64 depends on, e.g. linux-image-6.1.0-56-amd64)
#   VTDCTL_KERNEL_META meta package to resolve instead of linux-image-amd64,
#   VTDCTL_KERNEL_REL  and its target release (e.g. bookworm-backports)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${VTDCTL_CACHE:-$repo/build/cache}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)

log() { echo "build.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

# --- kernel -----------------------------------------------------------------

resolve_kernel_pkg() {
	meta=${VTDCTL_KERNEL_META:-linux-image-amd64}
	if [ -n "${VTDCTL_KERNEL_REL:-}" ]; then
		ver=$(apt-cache policy -t "$VTDCTL_KERNEL_REL" "$meta" 2>/dev/null |
			awk '/Candidate:/ {print $2}')
	else
		ver=$(apt-cache policy "$meta" 2>/dev/null | awk '/Candidate:/ {print $2}')
	fi
	[ -n "$ver" ] && [ "$ver" != "(none)" ] ||
		die "apt knows no $meta (run scripts/install-deps.sh or apt-get update)"
	apt-cache show "$meta=$ver" |
		sed -n 's/^Depends: *//p' | head -n1 | tr ',' '\n' |
		sed -n 's/^ *\(linux-image-[^ ]*\).*/\1/p' | head -n1
}

kpkg=${VTDCTL_KERNEL_PKG:-}
if [ -z "$kpkg" ]; then
	# Reuse any kernel already in the cache when apt is not asked for a
	# specific one: the test run then needs no package index at all.
	kpkg=$(resolve_kernel_pkg 2>/dev/null || true)
	if [ -z "$kpkg" ]; then
		kpkg=$(ls "$cache/kernel" 2>/dev/null | sort -V | tail -n1)
		[ -n "$kpkg" ] || die "cannot resolve the kernel package"
	fi
fi
case $kpkg in
linux-image-*) ;;
*) die "not a kernel package: $kpkg" ;;
esac

kdir=$cache/kernel/$kpkg
kernel=$kdir/vmlinuz
# The modules /init loads (tests/guest/init): qemu_fw_cfg, whose probe
# writes the kernel's VMCOREINFO into QEMU's `-device vmcoreinfo`, so that
# dump-guest-memory's ELF core carries it (what makedumpfile reads).
modules="qemu_fw_cfg"
mdir=$kdir/modules
have_modules() {
	for m in $modules; do
		[ -s "$mdir/$m.ko" ] || return 1
	done
}
fetch_kernel() {
	log "fetching $kpkg (apt-get download, not installed)"
	tmp=$(mktemp -d "$cache/.dl.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	# apt downloads as user _apt where it can write; root otherwise (a warning).
	chown _apt "$tmp" 2>/dev/null || true
	if ! (cd "$tmp" && apt-get download -q "$kpkg" >&2); then
		log "download failed; refreshing the package index once"
		apt-get update -q >&2 || true
		(cd "$tmp" && apt-get download -q "$kpkg" >&2) || die "apt-get download $kpkg failed"
	fi
	deb=$(ls "$tmp"/*.deb | head -n1)
	mkdir -p "$tmp/x"
	dpkg-deb -x "$deb" "$tmp/x"
	vmlinuz=$(ls "$tmp"/x/boot/vmlinuz-* 2>/dev/null | head -n1)
	[ -n "$vmlinuz" ] || die "$kpkg has no boot/vmlinuz-*"
	mkdir -p "$kdir" "$mdir"
	for m in $modules; do
		ko=$(find "$tmp/x/lib/modules" -name "$m.ko*" | head -n1)
		[ -n "$ko" ] || die "$kpkg has no module $m"
		case $ko in
		*.xz) xz -dc "$ko" >"$mdir/$m.ko.tmp" ;;
		*.zst) zstd -qdc "$ko" >"$mdir/$m.ko.tmp" ;;
		*) cp "$ko" "$mdir/$m.ko.tmp" ;;
		esac
		mv "$mdir/$m.ko.tmp" "$mdir/$m.ko"
	done
	cp "$vmlinuz" "$kdir/vmlinuz.tmp"
	basename "$vmlinuz" | sed 's/^vmlinuz-//' >"$kdir/release"
	[ -f "$tmp"/x/boot/config-* ] && cp "$tmp"/x/boot/config-* "$kdir/config"
	mv "$kdir/vmlinuz.tmp" "$kernel"
	rm -rf "$tmp"
	trap - EXIT
	log "kernel $(cat "$kdir/release") in $kdir"
}
if [ ! -s "$kernel" ]; then
	fetch_kernel
elif ! have_modules; then
	# a cache from before the modules: without them (no package index, say)
	# the guest still boots, only -device vmcoreinfo gets no VMCOREINFO
	(fetch_kernel) || log "warning: no $modules for $kpkg: the initramfs has no modules"
fi

# --- initramfs ----------------------------------------------------------------

busybox=${BUSYBOX:-/bin/busybox}
[ -x "$busybox" ] || die "no $busybox (apt-get install busybox-static)"
if ! file -L "$busybox" 2>/dev/null | grep -q 'statically linked'; then
	# `file` may be missing; ldd is the fallback test for a static binary.
	if ldd "$busybox" >/dev/null 2>&1; then
		die "$busybox is not static (apt-get install busybox-static)"
	fi
fi

# The name carries a hash of /init, of busybox and of the modules, so a
# changed script gives a new image, and an unchanged one is never rebuilt.
kos=$(ls "$mdir"/*.ko 2>/dev/null || true)
# shellcheck disable=SC2086
sum=$(cat "$here/init" "$busybox" $kos | sha256sum | cut -c1-12)
initrd=$cache/initramfs-$sum.cpio.gz
if [ ! -s "$initrd" ]; then
	log "building $initrd"
	root=$(mktemp -d "$cache/.root.XXXXXX")
	trap 'rm -rf "$root"' EXIT
	mkdir -p "$root/bin" "$root/sbin" "$root/proc" "$root/sys" "$root/dev" \
		"$root/tmp" "$root/etc"
	cp "$busybox" "$root/bin/busybox"
	for applet in $("$busybox" --list); do
		[ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
	done
	install -m 0755 "$here/init" "$root/init"
	# /lib/modules/RELEASE/: /init loads those of the running kernel only
	# (the other kernels of the matrix boot the same image)
	if [ -n "$kos" ]; then
		mkdir -p "$root/lib/modules/$(cat "$kdir/release")"
		# shellcheck disable=SC2086
		cp $kos "$root/lib/modules/$(cat "$kdir/release")/"
	fi
	(cd "$root" && find . -print0 | LC_ALL=C sort -z |
		cpio --null -o -H newc --quiet --owner=0:0) | gzip -9n >"$initrd.tmp"
	mv "$initrd.tmp" "$initrd"
	rm -rf "$root"
	trap - EXIT
fi

echo "KERNEL=$kernel"
echo "INITRD=$initrd"
