# SPDX-License-Identifier: GPL-2.0-or-later
# The cxl provider through the tagdax binary, on a fake DCD sysfs tree.
. "$TESTLIB"

A=5be13bce-1d7a-4c1e-9b2f-3f6c2a1d0e55
B=0c2d4e6f-8a9b-4c1d-8e2f-1a2b3c4d5e6f
C=a1b2c3d4-e5f6-4711-8899-aabbccddeeff
D=d4c3b2a1-0000-4000-8000-000000000001
E=e0e0e0e0-0000-4000-8000-000000000002
NULL_TAG=00000000-0000-0000-0000-000000000000
MiB=1048576

# dax NAME TAG SIZE [DRIVER]: a dax device; its bus entry links to it.
dax() {
	local d=sys/devices/platform/cxl/$1
	write "$d/uuid" "$2"
	write "$d/size" "$3"
	write "$d/align" 2097152
	mkdir -p "$T/sys/bus/dax/devices"
	ln -sfn "../../../devices/platform/cxl/$1" "$T/sys/bus/dax/devices/$1"
	if [ -n "${4:-}" ]; then ln -sfn "../../../../bus/dax/drivers/$4" "$T/$d/driver"; fi
}

# extent REGION NAME OFFSET LENGTH [TAG]
extent() {
	local d=sys/bus/cxl/devices/dax_region$1/$2
	write "$d/offset" "$3"
	write "$d/length" "$4"
	if [ -n "${5:-}" ]; then write "$d/uuid" "$5"; fi
}

# json FILTER: jq -e over $OUT
json() { jq -e "$1" >/dev/null <<<"$OUT" || fail "jq '$1' false on: $OUT"; }

dax dax0.0 $A $((4 * MiB)) device_dax
write sys/devices/platform/cxl/dax0.0/resource 0x4080000000
write sys/devices/platform/cxl/dax0.0/target_node 1
extent 0 extent0.0 0x200000 0x200000 $A
extent 0 extent0.1 0x0 0x200000 $A
extent 0 extent0.2 0x800000 0x200000            # untagged
extent 0 extent0.3 0x600000 0x200000 $B         # unclaimed, two pieces
extent 0 extent0.4 0x400000 0x200000 $B
dax dax0.1 $NULL_TAG 0                          # the region's seed

echo "list"
expect_rc 0 "$TAGDAX" list
contains "$OUT" "$A  cxl      $T/dev/dax0.0"
contains "$OUT" "$B  cxl      (unclaimed)"
[ "$(wc -l <<<"$OUT")" = 3 ] || fail "expected a header and 2 lines: $OUT"
[ "$(head -1 <<<"$OUT" | tr -s ' ')" = "TAG PROVIDER PATH SIZE FLAGS" ] || fail "header: $OUT"
contains "$(grep "^$B" <<<"$OUT")" "unclaimed"
expect_rc 0 "$TAGDAX" list --no-headings
[ "$(wc -l <<<"$OUT")" = 2 ] || fail "--no-headings: $OUT"
expect_rc 0 "$TAGDAX" list -u
contains "$OUT" "4.00 MiB"
expect_rc 0 "$TAGDAX" list --json --human "$A"
json ".[0].size == \"4.00 MiB\" and .[0].align == \"2.00 MiB\" and .[0].chardev == \"dax0.0\""

echo "list --json"
expect_rc 0 "$TAGDAX" list --json
json ".[] | select(.devname == \"dax0.0\") | .tag == \"$A\" and .path == \"$T/dev/dax0.0\"
      and .size == 4194304 and .align == 2097152 and .offset == 0 and .provider == \"cxl\"
      and .mode == \"devdax\" and .region == \"dax_region0\" and .region_id == 0 and .target_node == 1
      and .resource == \"0x4080000000\" and .flags == []
      and .extents == [{\"start\": 0, \"length\": 2097152},
                       {\"start\": 2097152, \"length\": 2097152}]"
json ".[] | select(.tag == \"$B\") | .path == null and .devname == \"dax_region0\"
      and .flags == [\"unclaimed\"] and .size == 4194304
      and .extents == [{\"start\": 4194304, \"length\": 2097152},
                       {\"start\": 6291456, \"length\": 2097152}]"

echo "resolve"
expect_rc 0 "$TAGDAX" resolve $A
[ "$OUT" = "$T/dev/dax0.0" ] || fail "resolve printed '$OUT'"
readlink "$T/run/by-tag/$A" | grep -qx "cxl dax0.0" || fail "no index entry for $A"
expect_rc 0 "$TAGDAX" resolve --json $A
json ".path == \"$T/dev/dax0.0\" and .provider == \"cxl\" and (.extents | length) == 2"
expect_rc 1 "$TAGDAX" resolve $C
contains "$ERR" "no device carries tag $C"
expect_rc 2 "$TAGDAX" resolve not-a-tag
expect_rc 2 "$TAGDAX" resolve $NULL_TAG

echo "unclaimed"
expect_rc 4 "$TAGDAX" resolve $B
[ -z "$OUT" ] || fail "unclaimed resolve printed '$OUT'"
contains "$ERR" "dax_region0"
contains "$ERR" "tagdax claim $B"

echo "claim"
write sys/bus/cxl/devices/dax_region0/dax_region/seed dax0.1
write sys/bus/dax/drivers/device_dax/bind ""
expect_rc 0 "$TAGDAX" claim $B
[ "$OUT" = "$T/dev/dax0.1" ] || fail "claim printed '$OUT'"
[ "$(cat "$T/sys/bus/dax/devices/dax0.1/uuid")" = $B ] || fail "uuid not written"
[ "$(cat "$T/sys/bus/dax/drivers/device_dax/bind")" = dax0.1 ] || fail "seed not bound"
expect_rc 0 "$TAGDAX" resolve $B
[ "$OUT" = "$T/dev/dax0.1" ] || fail "resolve after claim printed '$OUT'"
expect_rc 7 "$TAGDAX" claim $B    # a repeat: nothing to do, a distinct code
contains "$ERR" "already claimed by $T/dev/dax0.1"
expect_rc 1 "$TAGDAX" claim $C

echo "claim refused: the seed already carries a tag"
extent 0 extent0.5 0xa00000 0x200000 $D
write sys/bus/dax/devices/dax0.1/uuid $C      # (a stale seed)
expect_rc 5 "$TAGDAX" claim $D
contains "$ERR" "already carries a tag"
[ "$(cat "$T/sys/bus/dax/devices/dax0.1/uuid")" = $C ] || fail "refused claim changed the seed"
write sys/bus/dax/devices/dax0.1/uuid $B

echo "ambiguous"
dax dax1.0 $C $((2 * MiB)) device_dax
dax dax2.0 $C $((2 * MiB)) device_dax
expect_rc 3 "$TAGDAX" resolve $C
[ -z "$OUT" ] || fail "ambiguous resolve chose '$OUT'"
contains "$ERR" "$T/dev/dax1.0"
contains "$ERR" "$T/dev/dax2.0"
expect_rc 3 "$TAGDAX" resolve $C             # through the index too

echo "a duplicate appearing after indexing, reported by udev"
dax dax3.0 $A $((2 * MiB)) device_dax
expect_rc 0 "$TAGDAX" udev-id /dev/dax3.0
contains "$OUT" "TAGDAX_TAG=$A"
contains "$OUT" "TAGDAX_PROVIDER=cxl"
expect_rc 3 "$TAGDAX" resolve $A
contains "$ERR" "$T/dev/dax0.0"
contains "$ERR" "$T/dev/dax3.0"
rm "$T/sys/bus/dax/devices/dax3.0"

echo "garbage and vanished entries are skipped"
dax dax0.2 garbage-uuid $((2 * MiB))
dax dax0.3 "" $((2 * MiB))
ln -sfn ../../../devices/gone/dax0.4 "$T/sys/bus/dax/devices/dax0.4"
extent 0 extent0.6 0xc00000 0xZZ $A
extent 0 extent0.7 "" 0x200000 $A
ln -sfn ../../../../devices/gone/extent0.8 "$T/sys/bus/cxl/devices/dax_region0/extent0.8"
expect_rc 0 "$TAGDAX" -v list --json
json "[.[] | select(.provider == \"cxl\")] | length == 5"
json ".[] | select(.devname == \"dax0.0\") | (.extents | length) == 2"
contains "$ERR" "dax0.2"
contains "$ERR" "extent0.6: bad length"
contains "$ERR" "extent0.7: bad offset"
expect_rc 0 "$TAGDAX" resolve $A
[ "$OUT" = "$T/dev/dax0.0" ] || fail "resolve printed '$OUT'"

echo "the index is never trusted: a moved tag"
readlink "$T/run/by-tag/$A" | grep -qx "cxl dax0.0" || fail "no index entry for $A"
write sys/devices/platform/cxl/dax0.0/uuid $D
# A's extents in dax_region0 are nobody's now
expect_rc 4 "$TAGDAX" resolve $A
[ -z "$OUT" ] || fail "stale resolve printed '$OUT'"
dax dax0.5 $A $((2 * MiB)) device_dax
expect_rc 0 "$TAGDAX" resolve $A
[ "$OUT" = "$T/dev/dax0.5" ] || fail "stale resolve printed '$OUT'"
readlink "$T/run/by-tag/$A" | grep -qx "cxl dax0.5" || fail "index not rewritten"
rm -r "$T/sys/devices/platform/cxl/dax0.5"
expect_rc 4 "$TAGDAX" resolve $A
rm -r "$T/sys/bus/cxl/devices/dax_region0/extent0.0" "$T/sys/bus/cxl/devices/dax_region0/extent0.1"
expect_rc 1 "$TAGDAX" resolve $A

echo "wait for a device to appear"
(sleep 0.3; dax dax5.0 $E $((2 * MiB)) device_dax) &
expect_rc 0 "$TAGDAX" wait $E --timeout 10
wait
[ "$OUT" = "$T/dev/dax5.0" ] || fail "wait printed '$OUT'"
F=f0f0f0f0-0000-4000-8000-000000000003
extent 0 extent0.9 0x1000000 0x200000 $F
expect_rc 4 "$TAGDAX" wait $F --timeout 0.2       # unclaimed: waits, then says so
contains "$ERR" "unclaimed"; contains "$ERR" "tagdax claim $F"

echo "kmem"
dax dax4.0 $A $((2 * MiB)) kmem
expect_rc 0 "$TAGDAX" resolve --json $A
json ".mode == \"kmem\" and .path == \"$T/dev/dax4.0\""
# tagged capacity may be shared: system RAM mode is warned about
contains "$ERR" "warning: dax4.0 is online as system RAM"
contains "$ERR" "daxctl reconfigure-device --mode=devdax dax4.0"
expect_rc 0 "$TAGDAX" resolve $A; contains "$ERR" "it may share its capacity"
# a kmem device is online as system RAM: nothing to hand to a program
expect_rc 5 "$TAGDAX" exec --tag $A -- true

echo "udev runs helpers in parallel: the index keeps both devices of one tag"
G=9f9f9f9f-0000-4000-8000-000000000004
dax dax7.0 $G $((2 * MiB)) device_dax
dax dax8.0 $G $((2 * MiB)) device_dax
for i in $(seq 20); do
	rm -rf "$T/run"
	"$TAGDAX" udev-id /devices/platform/cxl/dax7.0 >/dev/null &
	"$TAGDAX" udev-id /devices/platform/cxl/dax8.0 >/dev/null &
	wait
	[ "$(readlink "$T/run/by-tag/$G" | grep -vc "^roots ")" = 2 ] || fail "round $i lost an entry: $(readlink "$T/run/by-tag/$G")"
	expect_rc 3 "$TAGDAX" resolve $G
done
echo ok
