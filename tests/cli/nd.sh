# SPDX-License-Identifier: GPL-2.0-or-later
# The nd provider through the tagdax binary, on a fake NVDIMM sysfs tree
# laid out as the kernel lays it out (namespaces, pfn/btt/dax holders).
. "$TESTLIB"

A=5be13bce-1d7a-4c1e-9b2f-3f6c2a1d0e55
B=0c2d4e6f-8a9b-4c1d-8e2f-1a2b3c4d5e6f
C=a1b2c3d4-e5f6-4711-8899-aabbccddeeff
D=d4c3b2a1-0000-4000-8000-000000000001
E=e0e0e0e0-0000-4000-8000-000000000002
MiB=1048576

# nddev REGION NAME: an nd device under its region, linked from the bus.
nddev() {
	mkdir -p "$T/sys/devices/ndbus0/region$1/$2" "$T/sys/bus/nd/devices"
	ln -sfn "../../../devices/ndbus0/region$1/$2" "$T/sys/bus/nd/devices/$2"
}
# ns REGION NAME UUID SIZE MODE HOLDER
ns() {
	local d=sys/devices/ndbus0/region$1/$2
	nddev "$1" "$2"
	write "$d/uuid" "$3"
	write "$d/size" "$4"
	write "$d/mode" "$5"
	write "$d/holder" "$6"
}
# disk REGION PARENT NAME BYTES: a pmem disk (size in 512-byte sectors).
disk() {
	write "sys/devices/ndbus0/region$1/$2/block/$3/size" $(($4 / 512))
	write "sys/devices/ndbus0/region$1/$2/block/$3/ro" 0
}
json() { jq -e "$1" >/dev/null <<<"$OUT" || fail "jq '$1' false on: $OUT"; }

ns 0 namespace0.0 $A $((16 * MiB)) raw ""
write sys/devices/ndbus0/region0/namespace0.0/resource 0x240000000
write sys/devices/ndbus0/region0/namespace0.0/target_node 0
disk 0 namespace0.0 pmem0 $((16 * MiB))
ns 1 namespace1.0 $B $((32 * MiB)) memory pfn1.0
nddev 1 pfn1.0
disk 1 pfn1.0 pmem1 $((30 * MiB))
ns 2 namespace2.0 $C $((64 * MiB)) dax dax2.1
nddev 2 dax2.1
mkdir -p "$T/sys/devices/ndbus0/region2/dax2.1/dax_region"
write sys/devices/ndbus0/region2/dax2.1/dax2.0/size $((62 * MiB))
write sys/devices/ndbus0/region2/dax2.1/dax2.0/align 2097152
mkdir -p "$T/sys/bus/dax/devices"
ln -sfn ../../../devices/ndbus0/region2/dax2.1/dax2.0 "$T/sys/bus/dax/devices/dax2.0"
# bound to device_dax, as the kernel has it (an unbound one is skipped)
ln -sfn ../../../../../bus/dax/drivers/device_dax \
	"$T/sys/devices/ndbus0/region2/dax2.1/dax2.0/driver"
ns 3 namespace3.0 $D $((8 * MiB)) safe btt3.0
nddev 3 btt3.0
disk 3 btt3.0 pmem3s $((7 * MiB))

echo "list"
expect_rc 0 "$TAGDAX" list --no-headings
contains "$OUT" "$A  nd       $T/dev/pmem0"
contains "$OUT" "$B  nd       $T/dev/pmem1"
contains "$OUT" "$C  nd       $T/dev/dax2.0"
contains "$OUT" "$D  nd       $T/dev/pmem3s"
[ "$(wc -l <<<"$OUT")" = 4 ] || fail "expected 4 lines: $OUT"

echo "list --json"
expect_rc 0 "$TAGDAX" list --json
json ".[] | select(.tag == \"$A\") | .devname == \"namespace0.0\" and .mode == \"raw\"
      and .size == $((16 * MiB)) and .region == \"region0\" and .region_id == 0 and .target_node == 0
      and .resource == \"0x240000000\" and .extents == [{\"start\": 0, \"length\": $((16 * MiB))}]"
json ".[] | select(.tag == \"$B\") | .mode == \"fsdax\" and .size == $((30 * MiB))"
json ".[] | select(.tag == \"$C\") | .mode == \"devdax\" and .size == $((62 * MiB))
      and .align == 2097152"
json ".[] | select(.tag == \"$D\") | .mode == \"sector\" and .path == \"$T/dev/pmem3s\""

echo "resolve"
expect_rc 0 "$TAGDAX" resolve $B
[ "$OUT" = "$T/dev/pmem1" ] || fail "resolve printed '$OUT'"
readlink "$T/run/by-tag/$B" | grep -qx "nd namespace1.0" || fail "no index entry for $B"
expect_rc 0 "$TAGDAX" resolve --json $C
json ".path == \"$T/dev/dax2.0\" and .provider == \"nd\" and .devname == \"namespace2.0\""
expect_rc 1 "$TAGDAX" resolve $E
expect_rc 2 "$TAGDAX" resolve 5be13bce

echo "udev names the node"
expect_rc 0 "$TAGDAX" udev-id /dev/pmem3s
contains "$OUT" "TAGDAX_TAG=$D"
contains "$OUT" "TAGDAX_PROVIDER=nd"
readlink "$T/run/by-tag/$D" | grep -qx "nd namespace3.0" || fail "udev-id did not index $D"
expect_rc 0 "$TAGDAX" udev-id /dev/dax2.0
contains "$OUT" "TAGDAX_TAG=$C"

echo "unusable namespaces are skipped"
ns 4 namespace4.0 "" $((8 * MiB)) raw ""               # uuid not set
disk 4 namespace4.0 pmem4 $((8 * MiB))
ns 5 namespace5.0 00000000-0000-0000-0000-000000000000 $((8 * MiB)) raw ""
disk 5 namespace5.0 pmem5 $((8 * MiB))
ns 6 namespace6.0 $E $((8 * MiB)) raw ""               # disabled: nothing on top
ns 7 namespace7.0 garbage $((8 * MiB)) raw ""
disk 7 namespace7.0 pmem7 $((8 * MiB))
ln -sfn ../../../devices/ndbus0/region8/namespace8.0 "$T/sys/bus/nd/devices/namespace8.0"
expect_rc 0 "$TAGDAX" -v list
[ "$(grep -c '  nd  ' <<<"$OUT")" = 4 ] || fail "expected 4 nd lines: $OUT"
contains "$ERR" "namespace4.0: no tag (uuid not set)"
contains "$ERR" "namespace6.0: no device on top"
contains "$ERR" "namespace7.0: no tag (malformed uuid)"
expect_rc 1 "$TAGDAX" resolve $E
expect_rc 0 "$TAGDAX" udev-id /dev/pmem4
[ -z "$OUT" ] || fail "an untagged node printed '$OUT'"

echo "the index is never trusted"
write sys/devices/ndbus0/region1/namespace1.0/uuid $E
expect_rc 1 "$TAGDAX" resolve $B
write sys/devices/ndbus0/region0/namespace0.0/uuid $B
expect_rc 0 "$TAGDAX" resolve $B
[ "$OUT" = "$T/dev/pmem0" ] || fail "stale resolve printed '$OUT'"

echo "ambiguous"
write sys/devices/ndbus0/region1/namespace1.0/uuid $B
# The index names namespace0.0 only: a duplicate that appears later is
# learnt from udev, as when the re-labelled namespace is enabled again.
expect_rc 0 "$TAGDAX" udev-id /dev/pmem1
expect_rc 3 "$TAGDAX" resolve $B
[ -z "$OUT" ] || fail "ambiguous resolve chose '$OUT'"
contains "$ERR" "$T/dev/pmem0"
contains "$ERR" "$T/dev/pmem1"
rm -r "$T/run"                                 # and with no index at all
expect_rc 3 "$TAGDAX" resolve $B
contains "$ERR" "$T/dev/pmem0"
contains "$ERR" "$T/dev/pmem1"
echo ok
