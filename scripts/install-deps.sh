#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Install what vtdctl's build and test suite need, from Debian's packages.
# Idempotent and non-interactive. Installs no kernel into /boot: the test
# guest's kernel is unpacked into a cache by tests/guest/build.sh instead.
set -eu

export DEBIAN_FRONTEND=noninteractive

PKGS="build-essential pkg-config libjson-c-dev libelf-dev libkdumpfile-dev libreadline-dev
      libncurses-dev libvirt-dev qemu-system-x86 busybox-static cpio gzip
      libcairo2-dev libfontconfig-dev python3 python3-pytest jq socat libvirt-daemon-system libvirt-clients tmux
      debhelper lintian bash-completion zsh groff-base man-db
      clang libclang-rt-14-dev valgrind
      flex bison bc libssl-dev xz-utils cppcheck git procps pciutils less
      file time debootstrap util-linux makedumpfile"

if [ "$(id -u)" -ne 0 ]; then
	SUDO=sudo
else
	SUDO=
fi

$SUDO apt-get update -q
# libvirt-daemon-system and libvirt-clients: tests/lib/libvirtd.py runs a private libvirtd
# (its own mount namespace, config and sockets; it never starts or touches the system one).
# --no-install-recommends: qemu-system-x86 recommends more than the tests use.
# Commands the tests and scripts run beyond the build: procps (pgrep, ps: test_watch),
# file (tests/guest/build.sh), time (/usr/bin/time: tests/bench), debootstrap and util-linux
# (unshare, mount: fetch-qemu11.sh and its QEMU 11.1 wrapper, tests/nested), makedumpfile
# (test_kdump: its zlib, lzo and flattened files; Debian builds it without snappy, so the
# snappy case needs MAKEDUMPFILE= naming one built with it, else it is skipped).
# The list has no linux-image-* package; nothing here pulls one in.
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $PKGS

# The second generation for the test matrix (tests/lib/guest.py CELLS): QEMU 10.0 and Linux
# 6.12 from bookworm-backports, unpacked into build/cache beside the system QEMU 7.2, never
# installed. fetch-qemu10.sh adds the bookworm-backports apt source if there is none (and says
# so first); a complete cache returns at once without touching apt. VTDCTL_NO_QEMU10=1 skips
# it (the 10.0 cells of `make check` are then skipped).
if [ "${VTDCTL_NO_QEMU10:-0}" != 1 ]; then
	# shellcheck disable=SC2086
	$SUDO env ${VTDCTL_CACHE:+VTDCTL_CACHE="$VTDCTL_CACHE"} \
		"$(cd "$(dirname "$0")" && pwd)/fetch-qemu10.sh"
fi

# The first generation's QEMU 7.2 when the system's qemu-system-x86_64 is another version
# (bookworm-backports' 10.0 installed): bookworm's 7.2 packages unpacked into build/cache
# (~10 s); nothing when the system QEMU is 7.2. tests/lib/guest.py picks each generation's
# QEMU by the version it reports.
$SUDO env ${VTDCTL_CACHE:+VTDCTL_CACHE="$VTDCTL_CACHE"} \
	"$(cd "$(dirname "$0")" && pwd)/fetch-qemu72.sh"

# The third generation: QEMU 11.1 and Linux 7.3 from trixie-backports. QEMU 11.1 needs Debian
# 13's C library, so it runs in a Debian 13 chroot (debootstrap minbase + trixie-backports'
# qemu-system-x86) in build/cache/trixie, behind build/cache/bin/qemu11-system-x86_64; the
# kernel is unpacked beside it. ~1 min fresh (62 s measured), immediate when cached.
# VTDCTL_NO_QEMU11=1 skips it (the 11.1 cells of `make check` are then skipped).
if [ "${VTDCTL_NO_QEMU11:-0}" != 1 ]; then
	$SUDO env ${VTDCTL_CACHE:+VTDCTL_CACHE="$VTDCTL_CACHE"} \
		"$(cd "$(dirname "$0")" && pwd)/fetch-qemu11.sh"
fi

# Debian 13's libvirt (trixie-backports) in that chroot, beside QEMU 11.1, for the libvirt
# domain of the third generation (tests/integration/test_libvirt11.py): ~30 s fresh.
# VTDCTL_NO_LIBVIRT11=1 (or VTDCTL_NO_QEMU11=1) skips it (those tests are then skipped).
if [ "${VTDCTL_NO_QEMU11:-0}" != 1 ] && [ "${VTDCTL_NO_LIBVIRT11:-0}" != 1 ]; then
	$SUDO env ${VTDCTL_CACHE:+VTDCTL_CACHE="$VTDCTL_CACHE"} \
		"$(cd "$(dirname "$0")" && pwd)/fetch-libvirt11.sh"
fi

# The nested cell's L1 kernel (tests/nested): Linux 6.12 from linux-source-6.12 with a small
# config, cached outside the work tree (/var/cache/vtdctl/nested, or $VTDCTL_NESTED_CACHE);
# a cached build returns at once. A build takes ~14 min of CPU (~7 min on 2 idle cores; 34 min
# measured while other test suites ran).
# VTDCTL_NO_NESTED=1 skips it (the nested tests then build it on first use, or skip).
if [ "${VTDCTL_NO_NESTED:-0}" != 1 ]; then
	# bookworm-security carries linux-source-6.12; bookworm-backports too (fetch-qemu10.sh
	# above adds that source when it is missing).
	$SUDO apt-get install -y -q --no-install-recommends linux-source-6.12 ||
		$SUDO apt-get install -y -q --no-install-recommends -t bookworm-backports \
			linux-source-6.12
	$SUDO env ${VTDCTL_NESTED_CACHE:+VTDCTL_NESTED_CACHE="$VTDCTL_NESTED_CACHE"} \
		"$(cd "$(dirname "$0")" && pwd)/../tests/nested/build-kernel.sh" >/dev/null
fi
