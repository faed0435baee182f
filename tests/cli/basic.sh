# SPDX-License-Identifier: GPL-2.0-or-later
# Usage errors, exit codes and the plain lookups, with no devices at all.
. "$TESTLIB"
TAG=5be13bce-1d7a-4c1e-9b2f-3f6c2a1d0e55

expect_rc 0 "$TAGDAX" --help;             contains "$OUT" "usage: tagdax"
expect_rc 0 "$TAGDAX" --version
expect_rc 2 "$TAGDAX";                    contains "$ERR" "no command"
expect_rc 2 "$TAGDAX" frobnicate;         contains "$ERR" "unknown command 'frobnicate'"
expect_rc 2 "$TAGDAX" resolve;            contains "$ERR" "exactly one tag"
expect_rc 2 "$TAGDAX" resolve not-a-tag;  contains "$ERR" "'not-a-tag' is not a tag"
expect_rc 2 "$TAGDAX" resolve 00000000-0000-0000-0000-000000000000
expect_rc 2 "$TAGDAX" resolve "$TAG" extra
expect_rc 2 "$TAGDAX" resolve --bogus "$TAG"
expect_rc 2 "$TAGDAX" --sysfs-root
expect_rc 2 "$TAGDAX" wait "$TAG" --timeout soon; contains "$ERR" "bad timeout"
# seconds are written as seconds: no exponents, hex, infinities or blanks
for t in 1e3 0x10 inf " 5" "5 " 1. .5e1 -2 +3; do
	expect_rc 2 "$TAGDAX" wait "$TAG" --timeout "$t"; contains "$ERR" "bad timeout"
done
expect_rc 1 "$TAGDAX" wait "$TAG" --timeout 0.05
expect_rc 1 "$TAGDAX" wait "$TAG" --timeout .05
expect_rc 2 "$TAGDAX" exec -- true;       contains "$ERR" "--tag"
expect_rc 2 "$TAGDAX" udev-id
expect_rc 1 "$TAGDAX" resolve "$TAG";     contains "$ERR" "no device carries tag $TAG"
expect_rc 1 "$TAGDAX" wait --timeout 0.2 "$TAG"; contains "$ERR" "timed out"
expect_rc 0 "$TAGDAX" list;               [ -z "$OUT" ] || fail "list printed: $OUT"
expect_rc 0 "$TAGDAX" list --json
python3 -c "import json,sys; assert json.loads(sys.argv[1]) == []" "$OUT" || fail "json: $OUT"
# roots given as options win over the environment
expect_rc 0 "$TAGDAX" --sysfs-root /nonexistent list
# a misspelt log level is refused, not read as "err"
TAGDAX_LOG=bogus expect_rc 2 "$TAGDAX" list; contains "$ERR" "TAGDAX_LOG='bogus' is not a log level"
TAGDAX_LOG=debug expect_rc 0 "$TAGDAX" list
TAGDAX_LOG=7 expect_rc 0 "$TAGDAX" list
# a table named on the command line must exist (the default may be absent)
expect_rc 2 "$TAGDAX" --config "$T/typo.conf" resolve "$TAG"; contains "$ERR" "typo.conf: No such file"
# under --json an error is a JSON object on stdout: a class and a sentence
expect_rc 1 "$TAGDAX" resolve --json "$TAG"
[ "$(jq -r .error.class <<< "$OUT")" = NotFound ] || fail "json error: $OUT"
contains "$(jq -r .error.desc <<< "$OUT")" "no device carries tag $TAG"
[ -z "$ERR" ] || fail "json error also on stderr: $ERR"
expect_rc 2 "$TAGDAX" list --json --bogus
[ "$(jq -r .error.class <<< "$OUT")" = InvalidUsage ] || fail "json usage error: $OUT"
expect_rc 1 "$TAGDAX" wait --json --timeout 0.1 "$TAG"
[ "$(jq -r .error.exit_code <<< "$OUT")" = 1 ] || fail "json timeout: $OUT"
# nothing was created by the failed commands
[ ! -e "$T/run" ] || fail "a failed lookup wrote $T/run"

# In a guest, a tag's descriptor is in an ivshmem device's option ROM, which
# the kernel lets only root read: a user is told so, not just "not found".
command -v setpriv > /dev/null || fail "setpriv (util-linux) is needed"
P=$T/sys/bus/pci/devices/0000:00:05.0
mkdir -p "$P"
printf '0x1af4\n' > "$P/vendor"; printf '0x1110\n' > "$P/device"
head -c 4096 /dev/zero > "$P/rom"; chmod 0600 "$P/rom"
chmod -R a+rX "$T"; chmod 0600 "$P/rom"
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)
expect_rc 1 "${NOBODY[@]}" env TAGDAX_RUN_DIR="$T/nobody-run" "$TAGDAX" resolve "$TAG"
contains "$ERR" "0000:00:05.0: cannot read this ivshmem device's option ROM"
contains "$ERR" "(run as root)"
expect_rc 1 "$TAGDAX" resolve "$TAG"     # root reads it: an ivshmem device, not ours
not_contains "$ERR" "option ROM"
rm -rf "$T/sys/bus/pci"

# A guest whose CPU left a tagged window's BAR unassigned (too few physical
# address bits for the firmware to place it): "not found", and why.  The ROM
# is what `vm args` gives QEMU for a table entry of the host.
VM_TAG=0d3c2b1a-4f5e-4a6b-9c8d-7e6f5a4b3c2d
truncate -s 8M "$T/vmmem"
echo "$VM_TAG $T/vmmem 0 4M" > "$T/tags.conf"
expect_rc 0 env TAGDAX_RUN_DIR="$T/host-run" "$TAGDAX" vm args "$VM_TAG"
ROM=$(sed -n 's/.*romfile=\([^,]*\).*/\1/p' <<<"$OUT")
[ -f "$ROM" ] || fail "vm args gave no ROM file: $OUT"
rm "$T/tags.conf"                         # from here on we are the guest
mkdir -p "$P"
printf '0x1af4\n' > "$P/vendor"; printf '0x1110\n' > "$P/device"
cp "$ROM" "$P/rom"
bar2() { # bar2 START END: the resource file with BAR 2 at START..END
	printf '0x00000000febfc000 0x00000000febfc0ff 0x0000000000040200\n'
	printf '0x0000000000000000 0x0000000000000000 0x0000000000000000\n'
	printf '0x%016x 0x%016x 0x000000000014220c\n' "$1" "$2"
}
bar2 0 0 > "$P/resource"
UNASSIGNED="PCI device 0000:00:05.0 carries it, but the guest left its memory BAR (2) unassigned"
expect_rc 1 "$TAGDAX" resolve "$VM_TAG"; contains "$ERR" "no device carries tag $VM_TAG"
contains "$ERR" "$UNASSIGNED"; contains "$ERR" "phys-bits=42"
expect_rc 1 "$TAGDAX" wait --timeout 0.2 "$VM_TAG"; contains "$ERR" "$UNASSIGNED"
expect_rc 1 "$TAGDAX" resolve --json "$VM_TAG"
contains "$(jq -r .error.desc <<< "$OUT")" "$UNASSIGNED"
# once the firmware assigns it (pci=realloc, more address bits), it is found
bar2 $((0xff00000000)) $((0xff00000000 + 4 * 1048576 - 1)) > "$P/resource"
truncate -s 4M "$P/resource2"
expect_rc 0 "$TAGDAX" resolve "$VM_TAG"; contains "$OUT" "$P/resource2"
not_contains "$ERR" "unassigned"
rm -rf "$T/sys/bus/pci"
echo ok
