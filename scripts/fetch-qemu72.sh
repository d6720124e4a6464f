#!/bin/bash
# fetch-qemu72.sh: the test matrix's first generation, QEMU 7.2 (Debian 12's own), in the cache
# when the system's qemu-system-x86_64 is not 7.2 (e.g. bookworm-backports' 10.0 installed).
# Each cell runs the QEMU it names (tests/lib/guest.py picks by --version), so such a host
# needs its own copy of 7.2. On a host whose system QEMU is 7.2 this does nothing.
#
#   scripts/fetch-qemu72.sh            # cache in build/cache (or $VTDCTL_CACHE)
#
# Result (CACHE = ${VTDCTL_CACHE:-<repo>/build/cache}):
#   $CACHE/bin/qemu72-system-x86_64    wrapper: QEMU_MODULE_DIR and firmware -L dirs of the copy
#   $CACHE/qemu72/                     dpkg-deb -x of bookworm's qemu-system-x86, -common, -data
#                                      1:7.2*, seabios, ipxe-qemu
#
# Nothing is installed; apt-get download only (as root for the partial dir, or any user with
# a writable cache). Idempotent: a stamp records what was unpacked.
#
# Environment:
#   VTDCTL_CACHE   cache directory (default <repo>/build/cache)
#   VTDCTL_FORCE=1 fetch even when the system QEMU is 7.2 or the stamp says it is done
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${VTDCTL_CACHE:-$here/build/cache}

FETCH_NAME=fetch-qemu72
. "$here/scripts/fetch-lib.sh"

mkdir -p "$CACHE/bin"
CACHE=$(cd "$CACHE" && pwd)
QDIR=$CACHE/qemu72
WRAP=$CACHE/bin/qemu72-system-x86_64

if [ "${VTDCTL_FORCE:-0}" != 1 ]; then
    sys=$(qemu-system-x86_64 --version 2>/dev/null | head -1 || true)
    case "$sys" in
        *"version 7.2."*) say "the system QEMU is 7.2: nothing to fetch"; exit 0 ;;
    esac
    if [ -f "$QDIR/.done" ] && [ -x "$WRAP" ]; then
        say "up to date in $CACHE ($(head -1 "$QDIR/.done"))"
        exit 0
    fi
fi

t0=$(date +%s)
# the newest 1:7.2 version of a package apt knows (bookworm or bookworm-security)
v72() {
    apt-cache madison "$1" 2>/dev/null | awk -F'|' '{gsub(/ /,"",$2)} $2 ~ /^1:7\.2/ {print $2}' \
        | sort -V | tail -1
}
qv=$(v72 qemu-system-x86)
[ -n "$qv" ] || die "apt knows no qemu-system-x86 1:7.2 (is this Debian 12 with its bookworm source?)"
cv=$(v72 qemu-system-common); dv=$(v72 qemu-system-data)
qstamp="qemu-system-x86 $qv"

make_download_tmp
say "fetching QEMU $qv"
# seabios and ipxe-qemu: bookworm's (the versions 7.2 was built with)
(cd "$tmp" && apt-get download -q "qemu-system-x86=$qv" "qemu-system-common=$cv" \
    "qemu-system-data=$dv" seabios/bookworm ipxe-qemu/bookworm >/dev/null 2>"$tmp/dl.err") \
    || { cat "$tmp/dl.err" >&2; die "apt-get download failed (apt-get update?)"; }
rm -rf "$QDIR.new"; mkdir -p "$QDIR.new"
for d in "$tmp"/*.deb; do dpkg-deb -x "$d" "$QDIR.new"; done
# As for 10.0 (fetch-qemu10.sh): usr/bin/qemu-bundle makes the binary look for its modules and
# firmware in this tree only, never in the system's QEMU of another version.
ln -sfn ../.. "$QDIR.new/usr/bin/qemu-bundle"
rm -rf "$QDIR"; mv "$QDIR.new" "$QDIR"

cat > "$WRAP.tmp" <<'EOF'
#!/bin/sh
# qemu72-system-x86_64: Debian 12's QEMU 7.2, unpacked by scripts/fetch-qemu72.sh.
self=$(readlink -f "$0")
Q=$(cd "$(dirname "$self")/../qemu72" && pwd)
export QEMU_MODULE_DIR="$Q/usr/lib/x86_64-linux-gnu/qemu"
exec "$Q/usr/bin/qemu-system-x86_64" \
    -L "$Q/usr/share/qemu" -L "$Q/usr/share/seabios" -L "$Q/usr/lib/ipxe/qemu" "$@"
EOF
chmod 755 "$WRAP.tmp"; mv "$WRAP.tmp" "$WRAP"
out=$(check_qemu_version "$WRAP" 7.2)
smoke_q35 "$WRAP"
printf '%s\n' "$qstamp" > "$QDIR/.done"
say "$out; done in $(( $(date +%s) - t0 ))s"
say "  QEMU 7.2: $WRAP"
