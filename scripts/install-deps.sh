#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Install what vtdctl's build and test suite need, from Debian's packages.
# Idempotent and non-interactive. Installs no kernel into /boot: the test
# guest's kernel is unpacked into a cache by tests/guest/build.sh instead.
set -eu

export DEBIAN_FRONTEND=noninteractive

PKGS="build-essential pkg-config libjson-c-dev libelf-dev libreadline-dev
      libncurses-dev libvirt-dev qemu-system-x86 busybox-static cpio gzip
      python3 jq socat"

if [ "$(id -u)" -ne 0 ]; then
	SUDO=sudo
else
	SUDO=
fi

$SUDO apt-get update -q
# --no-install-recommends: qemu-system-x86 recommends more than the tests use.
# The list has no linux-image-* package; nothing here pulls one in.
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $PKGS
