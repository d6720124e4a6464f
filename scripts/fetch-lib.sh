# fetch-lib.sh: what the fetch-qemu*.sh scripts share; sourced, not run.
# The sourcing script sets FETCH_NAME (its name, for messages) first.

say() { printf '%s: %s\n' "$FETCH_NAME" "$*" >&2; }
die() { say "error: $*"; exit 1; }

# The mirror of the host's bookworm apt source (deb822 or one-line form); empty if none.
debian_mirror() {
    local f uri=
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        uri=$(awk 'BEGIN{RS=""; FS="\n"}
            { u=""; s=""; for(i=1;i<=NF;i++){ if($i ~ /^URIs:/){u=$i; sub(/^URIs:[ \t]*/,"",u)}
                                              if($i ~ /^Suites:/){s=$i} }
              if (s ~ /[ \t]bookworm([ \t]|$)/ && u != "") { split(u,a,/[ \t]+/); print a[1]; exit } }' "$f")
        [ -n "$uri" ] && { echo "$uri"; return; }
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] || continue
        uri=$(awk '$1=="deb" { for(i=2;i<=NF;i++) if ($i !~ /^\[/ && $i ~ /:\/\//) { if ($(i+1)=="bookworm") { print $i; exit } ; break } }' "$f")
        [ -n "$uri" ] && { echo "$uri"; return; }
    done
}

# A temporary directory in $tmp, removed on exit, that apt-get download (which drops to the
# _apt user) may write into.
make_download_tmp() {
    tmp=$(mktemp -d "/tmp/$FETCH_NAME.XXXXXX")
    trap 'rm -rf "$tmp"' EXIT
    chmod 755 "$tmp"
    if id _apt >/dev/null 2>&1; then chown _apt "$tmp" 2>/dev/null || true; fi
}

# The QEMU wrapper $1 runs and is version $2 ("10.0"): prints its version line, else dies.
check_qemu_version() {
    local out
    out=$("$1" --version | head -1) || die "the QEMU at $1 does not run"
    case "$out" in *"version $2."*) ;; *) die "unexpected version: $out" ;; esac
    printf '%s\n' "$out"
}

# The QEMU wrapper $1 starts a q35 machine with an intel-iommu (which loads its modules) and
# quits it over QMP; output kept in $tmp.
smoke_q35() {
    printf '%s\n' '{"execute":"qmp_capabilities"}' '{"execute":"quit"}' \
        | timeout 60 "$1" -machine q35 -device intel-iommu -m 64 -nic none -display none \
              -S -qmp stdio > "$tmp/smoke.out" 2>&1 \
        || { cat "$tmp/smoke.out" >&2; die "the QEMU at $1 does not start a q35 machine"; }
}
