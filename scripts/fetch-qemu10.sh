#!/bin/bash
# fetch-qemu10.sh: put QEMU 10.0 and Linux 6.12 from Debian bookworm-backports in a cache,
# side by side with the distribution's QEMU 7.2, without installing either.
#
#   scripts/fetch-qemu10.sh            # cache in build/cache (or $VTDCTL_CACHE)
#
# Result (CACHE = ${VTDCTL_CACHE:-<repo>/build/cache}):
#   $CACHE/bin/qemu10-system-x86_64    wrapper: sets QEMU_MODULE_DIR (and LD_LIBRARY_PATH if
#                                      libraries had to be unpacked too), firmware -L dirs
#   $CACHE/qemu10/                     dpkg-deb -x of qemu-system-x86, -common, -data, seabios,
#                                      ipxe-qemu (+ any missing libraries)
#   $CACHE/linux-6.12/boot/vmlinuz-*   dpkg-deb -x of linux-image-6.12.*-amd64-unsigned
#   $CACHE/bin/linux612-vmlinuz        symlink to that vmlinuz
#
# Needs root for the apt source and apt-get update (only when something is missing; a complete
# cache is left alone without touching apt). Idempotent: stamps record what was unpacked.
# Nothing is installed with dpkg/apt-get install; /boot and the system QEMU are not touched.
#
# Environment:
#   VTDCTL_CACHE              cache directory (default <repo>/build/cache)
#   VTDCTL_LINUX612_PKG       exact kernel package to fetch (default: resolved from backports'
#                             linux-image-amd64, unsigned flavour)
#   VTDCTL_QEMU10_EXTRA_LIBS  extra library packages to unpack into the cache (testing)
#   VTDCTL_FORCE=1            refetch even when the stamps say it is done
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${VTDCTL_CACHE:-$here/build/cache}
BPO=bookworm-backports
SRC_FILE=/etc/apt/sources.list.d/$BPO.sources
QDIR=$CACHE/qemu10
LDIR=$CACHE/linux-6.12
BIN=$CACHE/bin
WRAP=$BIN/qemu10-system-x86_64

FETCH_NAME=fetch-qemu10
. "$here/scripts/fetch-lib.sh"

mkdir -p "$CACHE" "$BIN"
CACHE=$(cd "$CACHE" && pwd)
QDIR=$CACHE/qemu10 LDIR=$CACHE/linux-6.12 BIN=$CACHE/bin WRAP=$BIN/qemu10-system-x86_64

# ---------------------------------------------------------------- fast path
if [ "${VTDCTL_FORCE:-0}" != 1 ] && [ -f "$QDIR/.done" ] && [ -f "$LDIR/.done" ] \
   && [ -x "$WRAP" ] && "$WRAP" --version >/dev/null 2>&1 \
   && ls "$LDIR"/boot/vmlinuz-* >/dev/null 2>&1; then
    say "up to date in $CACHE ($(head -1 "$QDIR/.done"); $(head -1 "$LDIR/.done"))"
    exit 0
fi

t0=$(date +%s)

# ---------------------------------------------------------------- apt source
. /etc/os-release
[ "${VERSION_CODENAME:-}" = bookworm ] || die "this is for Debian bookworm (found '${VERSION_CODENAME:-?}')"
command -v apt-get >/dev/null || die "apt-get not found"

have_bpo_source() {
    local f
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] && grep -qsE "^[^#]*\b$BPO\b" "$f" && return 0
    done
    return 1
}

apt_updated=0
apt_update() {
    say "apt-get update"
    apt-get update -qq || die "apt-get update failed"
    apt_updated=1
}

if ! have_bpo_source; then
    mirror=$(debian_mirror)
    [ -n "$mirror" ] || die "no bookworm apt source found to take the mirror from; add $BPO yourself"
    say "adding an apt source: $SRC_FILE ($BPO main from $mirror; pinned at priority 100 by"
    say "  Debian's NotAutomatic/ButAutomaticUpgrades, so nothing installed changes)"
    [ "$(id -u)" = 0 ] || die "adding an apt source needs root"
    cat > "$SRC_FILE" <<EOF
Types: deb
URIs: $mirror
Suites: $BPO
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    apt_update
elif ! apt-cache policy 2>/dev/null | grep -q "$BPO/main"; then
    apt_update
fi

# ---------------------------------------------------------------- helpers
make_download_tmp

# candidate version of a package with bookworm-backports preferred
bpo_version() {
    apt-cache policy -t "$BPO" "$1" 2>/dev/null | awk '/Candidate:/ {print $2; exit}'
}

# apt-get download into $tmp/<dir>, retrying once after apt-get update (old lists name
# versions the mirror may have dropped)
download() {
    local dir=$1; shift
    mkdir -p "$tmp/$dir"; chmod 755 "$tmp/$dir"
    if id _apt >/dev/null 2>&1; then chown _apt "$tmp/$dir"; fi
    if ! (cd "$tmp/$dir" && apt-get download -q -t "$BPO" "$@" >/dev/null 2>"$tmp/dl.err"); then
        if [ $apt_updated = 0 ]; then
            apt_update
            (cd "$tmp/$dir" && apt-get download -q -t "$BPO" "$@" >/dev/null 2>"$tmp/dl.err") \
                || { cat "$tmp/dl.err" >&2; die "apt-get download $* failed"; }
        else
            cat "$tmp/dl.err" >&2; die "apt-get download $* failed"
        fi
    fi
}

# ---------------------------------------------------------------- QEMU 10.0
qv=$(bpo_version qemu-system-x86)
case "$qv" in
    1:10.0.*) ;;
    *) die "qemu-system-x86 in $BPO is '$qv', expected 1:10.0.x" ;;
esac
qstamp="qemu-system-x86 $qv"
if [ "${VTDCTL_FORCE:-0}" != 1 ] && [ -f "$QDIR/.done" ] && [ "$(head -1 "$QDIR/.done")" = "$qstamp" ] \
   && [ -x "$WRAP" ]; then
    say "QEMU $qv already in $QDIR"
else
    say "fetching QEMU $qv"
    # seabios: 10.0 depends on >> 1.16.3-1~ (bookworm has 1.16.2), so take backports' one.
    # ipxe-qemu: bookworm's (backports has none); only needed for NIC option ROMs.
    pkgs="qemu-system-x86=$qv qemu-system-common=$qv qemu-system-data=$qv seabios ipxe-qemu"
    # shellcheck disable=SC2086
    download qemu $pkgs
    rm -rf "$QDIR.new"; mkdir -p "$QDIR.new"
    for d in "$tmp"/qemu/*.deb; do dpkg-deb -x "$d" "$QDIR.new"; done
    (cd "$tmp/qemu" && ls -- *.deb) > "$QDIR.new/.debs"

    # Libraries the binary needs that this system lacks: unpack them into the cache too.
    # (On a stock bookworm with qemu-system-x86 7.2 installed there are none: 10.0's
    # library dependencies are all satisfied by bookworm's versions.)
    libdir=$QDIR.new/usr/lib/x86_64-linux-gnu
    ldpath="$QDIR.new/lib/x86_64-linux-gnu:$libdir"
    extra=${VTDCTL_QEMU10_EXTRA_LIBS:-}
    for round in 1 2 3 4 5; do
        missing=$( { LD_LIBRARY_PATH=$ldpath ldd "$QDIR.new/usr/bin/qemu-system-x86_64";
                     for m in "$libdir"/qemu/*.so; do LD_LIBRARY_PATH=$ldpath ldd "$m"; done; } 2>/dev/null \
                   | awk '/not found/ {print $1}' | sort -u)
        [ -z "$missing" ] && [ -z "$extra" ] && break
        want=$extra; extra=
        if [ -n "$missing" ] && [ "$round" = 1 ]; then
            # first: the direct lib* dependencies of the 10.0 packages that are not installed
            for dep in $(apt-cache depends -t "$BPO" "qemu-system-x86=$qv" "qemu-system-common=$qv" \
                         | awk '$1=="Depends:" && $2 ~ /^lib/ {print $2}' | sort -u); do
                st=$(dpkg-query -W -f='${db:Status-Status}' "$dep" 2>/dev/null || true)
                [ "$st" = installed ] || want="$want $dep"
            done
        fi
        if [ -n "$missing" ] && [ "$round" != 1 ] || { [ -n "$missing" ] && [ -z "$want" ]; }; then
            for so in $missing; do
                # soname -> package: Debian names library packages after the soname
                # (libfoo.so.3 -> libfoo3, libfoo-1.2.so.0 -> libfoo-1.2-0), a few excepted.
                case "$so" in
                    libglib-2.0.so.*|libgio-2.0.so.*|libgobject-2.0.so.*|libgmodule-2.0.so.*)
                        want="$want libglib2.0-0"; continue ;;
                    libcrypto.so.3|libssl.so.3) want="$want libssl3"; continue ;;
                esac
                base=${so%.so*}; ver=${so#*.so.}; ver=${ver%%.*}
                for cand in "$base$ver" "$base-$ver"; do
                    cand=$(echo "$cand" | tr '_' '-' | tr '[:upper:]' '[:lower:]')
                    if apt-cache show "$cand" >/dev/null 2>&1; then want="$want $cand"; break; fi
                done
            done
        fi
        [ -n "$want" ] || die "cannot resolve missing libraries: $missing"
        say "unpacking libraries into the cache: $want"
        # shellcheck disable=SC2086
        download "libs$round" $want
        for d in "$tmp/libs$round"/*.deb; do dpkg-deb -x "$d" "$QDIR.new"; done
        (cd "$tmp/libs$round" && ls -- *.deb) >> "$QDIR.new/.debs"
        echo "$want" >> "$QDIR.new/.libs"
    done
    # QEMU relocates its built-in paths (module dir /usr/lib/x86_64-linux-gnu/qemu, firmware
    # /usr/share/qemu, /usr/share/seabios, /usr/lib/ipxe/qemu, /etc/qemu) under
    # <dir of the binary>/qemu-bundle when that exists (get_relocated_path). Without it the 10.0
    # binary also searches the system's module dir after QEMU_MODULE_DIR, dlopens 7.2's
    # ui-opengl.so / audio-pa.so (from qemu-system-gui 7.2) that it has no copy of, rejects them
    # ("Only modules from the same build can be loaded") and aborts on an assertion in
    # module_load_dso. With the link, nothing of the system's QEMU is ever looked at.
    ln -sfn ../.. "$QDIR.new/usr/bin/qemu-bundle"
    rm -rf "$QDIR"; mv "$QDIR.new" "$QDIR"
    printf '%s\n' "$qstamp" > "$QDIR/.done.tmp"; cat "$QDIR/.debs" >> "$QDIR/.done.tmp"

    # Wrapper. Paths are taken relative to the wrapper so the cache can move.
    cat > "$WRAP.tmp" <<'EOF'
#!/bin/sh
# qemu10-system-x86_64: QEMU 10.0 from bookworm-backports, unpacked by scripts/fetch-qemu10.sh.
# usr/bin/qemu-bundle -> ../.. already makes the binary look for modules and firmware in the
# unpacked tree only; QEMU_MODULE_DIR and the -L dirs say the same again explicitly.
self=$(readlink -f "$0")
Q=$(cd "$(dirname "$self")/../qemu10" && pwd)
export QEMU_MODULE_DIR="$Q/usr/lib/x86_64-linux-gnu/qemu"
if [ -f "$Q/.libs" ]; then
    LD_LIBRARY_PATH="$Q/lib/x86_64-linux-gnu:$Q/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    export LD_LIBRARY_PATH
fi
exec "$Q/usr/bin/qemu-system-x86_64" \
    -L "$Q/usr/share/qemu" -L "$Q/usr/share/seabios" -L "$Q/usr/lib/ipxe/qemu" "$@"
EOF
    chmod 755 "$WRAP.tmp"; mv "$WRAP.tmp" "$WRAP"
    out=$(check_qemu_version "$WRAP" 10.0)
    smoke_q35 "$WRAP"
    mv "$QDIR/.done.tmp" "$QDIR/.done"
    say "$out"
fi

# ---------------------------------------------------------------- Linux 6.12
resolve_kernel() {
    local dep
    if [ -n "${VTDCTL_LINUX612_PKG:-}" ]; then echo "$VTDCTL_LINUX612_PKG"; return; fi
    # backports' linux-image-amd64 depends on the current signed linux-image-6.12.N+deb12-amd64;
    # its -unsigned twin has the same kernel without the signature.
    dep=$(apt-cache depends -t "$BPO" linux-image-amd64 2>/dev/null \
          | awk '$1=="Depends:" && $2 ~ /^linux-image-6\.12\./ {print $2; exit}')
    [ -n "$dep" ] || die "cannot find a linux-image-6.12.* in $BPO (set VTDCTL_LINUX612_PKG)"
    if apt-cache show "$dep-unsigned" >/dev/null 2>&1; then echo "$dep-unsigned"; else echo "$dep"; fi
}
kpkg=$(resolve_kernel)
kv=$(bpo_version "$kpkg")
if [ -z "$kv" ] || [ "$kv" = "(none)" ]; then die "no candidate for $kpkg"; fi
kstamp="$kpkg $kv"
if [ "${VTDCTL_FORCE:-0}" != 1 ] && [ -f "$LDIR/.done" ] && [ "$(head -1 "$LDIR/.done")" = "$kstamp" ]; then
    say "Linux $kpkg $kv already in $LDIR"
else
    say "fetching $kpkg $kv (~105 MB)"
    download linux "$kpkg"
    rm -rf "$LDIR.new"; mkdir -p "$LDIR.new"
    dpkg-deb -x "$tmp"/linux/*.deb "$LDIR.new"
    ls "$LDIR.new"/boot/vmlinuz-* >/dev/null 2>&1 || die "no boot/vmlinuz-* in $kpkg"
    rm -rf "$LDIR"; mv "$LDIR.new" "$LDIR"
    printf '%s\n' "$kstamp" > "$LDIR/.done"
fi
vmlinuz=$(ls "$LDIR"/boot/vmlinuz-* | head -1)
ln -sfn "../linux-6.12/boot/$(basename "$vmlinuz")" "$BIN/linux612-vmlinuz"

say "done in $(( $(date +%s) - t0 ))s; $(du -sh "$CACHE" | cut -f1) in $CACHE"
say "  QEMU 10.0: $WRAP"
say "  Linux 6.12: $vmlinuz"
