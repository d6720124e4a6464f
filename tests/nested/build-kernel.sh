#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Build the nested cell's L1 kernel (bzImage) from Debian's linux-source-6.12:
# `make tinyconfig`, then tests/nested/l1.config merged over it, all built in.
#
# The result is cached outside the work tree, keyed by the source package's
# version and a hash of the config fragment, so a second run returns at once:
#   ${VTDCTL_NESTED_CACHE:-/var/cache/vtdctl/nested}/bzImage-<key>
# Prints the bzImage's path as its last line.
#
#   build-kernel.sh            build if missing, print the path
#   build-kernel.sh --path     print the path if cached, else exit 1 (never builds)
#
# Environment: VTDCTL_NESTED_CACHE (cache dir), VTDCTL_NESTED_JOBS (make -j, default nproc).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
cache=${VTDCTL_NESTED_CACHE:-/var/cache/vtdctl/nested}
frag=$here/l1.config
pkg=linux-source-6.12

log() { echo "build-kernel.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

ver=$(dpkg-query -W -f '${Version}' "$pkg" 2>/dev/null || true)
tarball=$(ls /usr/src/linux-source-6.12.tar.* 2>/dev/null | head -n1 || true)

# The key: the source version and the fragment. With no source installed, any
# cached image built from this fragment still serves (CI on a machine that has it).
fhash=$(sha256sum "$frag" | cut -c1-16)
if [ -n "$ver" ] && [ -n "$tarball" ]; then
	key=$(printf '%s\n%s\n' "$ver" "$fhash" | sha256sum | cut -c1-16)
	img=$cache/bzImage-$key
else
	img=$(ls -t "$cache"/bzImage-* 2>/dev/null | while read -r f; do
		[ "$(cat "$f.frag" 2>/dev/null)" = "$fhash" ] && { echo "$f"; break; }; done || true)
fi

if [ "${1:-}" = --path ]; then
	[ -n "${img:-}" ] && [ -f "$img" ] || exit 1
	echo "$img"
	exit 0
fi

if [ -n "${img:-}" ] && [ -f "$img" ]; then
	echo "$img"
	exit 0
fi
[ -n "$ver" ] && [ -n "$tarball" ] ||
	die "$pkg is not installed (apt-get install $pkg; see scripts/install-deps.sh)"
for t in make gcc flex bison bc xz; do
	command -v $t >/dev/null 2>&1 || die "$t is missing (scripts/install-deps.sh)"
done

mkdir -p "$cache"
src=$cache/src-$ver
start=$(date +%s)
if [ ! -f "$src/.unpacked" ]; then
	log "unpacking $tarball into $src"
	rm -rf "$src"
	mkdir -p "$src"
	tar -xf "$tarball" -C "$src" --strip-components=1
	touch "$src/.unpacked"
fi

# The build directory is keyed like the image: an interrupted build resumes
# where it stopped (make is incremental), a finished one is removed.
obj=$cache/build-$key
jobs=${VTDCTL_NESTED_JOBS:-$(nproc)}
if [ ! -f "$obj/.configured" ]; then
	rm -rf "$obj"
	mkdir -p "$obj"
	log "configuring in $obj (tinyconfig + $(basename "$frag"))"
	make -s -C "$src" O="$obj" tinyconfig >"$obj/config.log" 2>&1 ||
		{ tail -n 30 "$obj/config.log" >&2; die "make tinyconfig failed"; }
	"$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "$frag" \
		>>"$obj/config.log" 2>&1 ||
		{ tail -n 30 "$obj/config.log" >&2; die "merge_config.sh failed"; }
	make -s -C "$src" O="$obj" olddefconfig >>"$obj/config.log" 2>&1 ||
		{ tail -n 30 "$obj/config.log" >&2; die "make olddefconfig failed"; }
	touch "$obj/.configured"
else
	log "resuming the build in $obj"
fi

# Every =y of the fragment must have survived olddefconfig (a missing
# dependency drops an option silently).
missing=
for opt in $(sed -n 's/^\(CONFIG_[A-Z0-9_]*\)=y$/\1/p' "$frag"); do
	grep -qx "$opt=y" "$obj/.config" || missing="$missing $opt"
done
[ -z "$missing" ] || die "options dropped by olddefconfig:$missing"

log "make -j$jobs bzImage (log: $obj/build.log)"
make -C "$src" O="$obj" -j"$jobs" bzImage >"$obj/build.log" 2>&1 ||
	{ tail -n 40 "$obj/build.log" >&2; die "kernel build failed"; }

end=$(date +%s)
cp "$obj/arch/x86/boot/bzImage" "$img.tmp"
cp "$obj/.config" "$img.config"
echo "$fhash" >"$img.frag"
echo "$ver $((end - start))s" >"$img.built"
mv "$img.tmp" "$img"
rm -rf "$obj"
log "built $img in $((end - start)) s"
echo "$img"
