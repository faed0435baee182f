# SPDX-License-Identifier: GPL-2.0-or-later
# The famfs provider through the CLI: a formatted dax device answers to both
# of its uuids; broken or unusable devices are skipped, with a reason under
# -v, and never hide the good one.
. "$TESTLIB"
. "$SRCDIR/tests/lib/famfs-image.sh"
FS=5be13bce-1d7a-4c1e-9b2f-3f6c2a1d0e55
DEV=9a0e3f1c-8b2d-4e5f-a6b7-c8d9e0f1a2b3
famfs_dax dax0.0 "$FS" "$DEV"

expect_rc 0 "$TAGDAX" list
contains "$OUT" "$FS  famfs    $T/dev/dax0.0"
contains "$OUT" "$DEV  famfs    $T/dev/dax0.0"
expect_rc 0 "$TAGDAX" resolve "$FS"
[ "$OUT" = "$T/dev/dax0.0" ] || fail "resolve $FS printed '$OUT'"
expect_rc 0 "$TAGDAX" resolve "$DEV"
[ "$OUT" = "$T/dev/dax0.0" ] || fail "resolve $DEV printed '$OUT'"

expect_rc 0 "$TAGDAX" resolve --json "$DEV"
python3 - "$OUT" "$DEV" "$T/dev/dax0.0" <<'PY' || fail "json fields: $OUT"
import json, sys
d = json.loads(sys.argv[1])
assert d["tag"] == sys.argv[2] and d["path"] == sys.argv[3], d
assert d["provider"] == "famfs" and d["mode"] == "famfs" and d["devname"] == "dax0.0", d
assert d["offset"] == 0 and d["size"] == 4 << 20 and d["align"] == 2 << 20, d
assert d["extents"] == [{"start": 0, "length": 4 << 20}] and d["flags"] == [], d
PY

# exec hands the program the device
expect_rc 0 "$TAGDAX" exec --tag "$FS" -- sh -c 'echo "$TAGDAX_PATH $TAGDAX_OFFSET $TAGDAX_SIZE"'
[ "$OUT" = "$T/dev/dax0.0 0 4194304" ] || fail "exec saw '$OUT'"

# Broken devices, each named by a tag of its own.  They are valid but for
# their one defect, so a skip can only be for that defect.
bad() { echo "c0ffee00-0000-4000-8000-00000000000$1"; }
FAMFS_BAD_CRC=1 famfs_dax dax1.0 "$(bad 1)" ""
FAMFS_MAGIC=0x87B282FD famfs_dax dax2.0 "$(bad 2)" ""
FAMFS_VERSION=47 famfs_dax dax3.0 "$(bad 3)" ""
FAMFS_ALLOC_UNIT=8192 famfs_dax dax4.0 "$(bad 4)" ""
famfs_dax dax5.0 "$(bad 5)" "" && truncate -s 100 "$T/dev/dax5.0"
famfs_dax dax6.0 "$(bad 6)" "" && ln -s ../../../../bus/dax/drivers/kmem "$T/sys/bus/dax/devices/dax6.0/driver"
famfs_dax dax7.0 "$(bad 7)" "" && rm "$T/dev/dax7.0"
famfs_sb "$T/dev/dax8.0" "$(bad 8)" ""  # its sysfs entry is gone: a dangling link
ln -s ../../../devices/gone/dax8.0 "$T/sys/bus/dax/devices/dax8.0"

expect_rc 0 "$TAGDAX" -v list
for i in 1 2 3 4 5 6 7 8; do not_contains "$OUT" "$(bad $i)"; done
contains "$OUT" "$FS  famfs"
contains "$ERR" "dax1.0: bad superblock CRC"
contains "$ERR" "dax2.0: no famfs magic"
contains "$ERR" "dax3.0: unsupported famfs version"
contains "$ERR" "dax4.0: bad allocation unit"
contains "$ERR" "dax5.0: truncated"
contains "$ERR" "dax6.0: bound to kmem"
contains "$ERR" "dax7.0: no device node"
contains "$ERR" "dax8.0: not a dax device (or gone)"
for i in 1 2 3 4 5 6 7 8; do expect_rc 1 "$TAGDAX" resolve "$(bad $i)"; done
expect_rc 0 "$TAGDAX" resolve "$DEV"
[ "$OUT" = "$T/dev/dax0.0" ] || fail "resolve $DEV printed '$OUT' among bad devices"

# The same file system seen on a second device: ambiguous, both reported,
# by the scan and then by the index entry it leaves.  (The index of earlier
# resolves is dropped first, as a reboot would: on a live system udev-id
# adds the new device to it; see udev.sh.)
famfs_dax dax9.0 "$FS" ""
rm -rf "$T/run"
for pass in scan index; do
	expect_rc 3 "$TAGDAX" resolve "$FS"
	contains "$ERR" "$T/dev/dax0.0 (famfs)"
	contains "$ERR" "$T/dev/dax9.0 (famfs)"
done
[ "$(readlink "$T/run/by-tag/$FS" | sed 1d)" = "famfs dax0.0
famfs dax9.0" ] || fail "index entry: $(readlink "$T/run/by-tag/$FS")"
expect_rc 0 "$TAGDAX" resolve "$DEV"

# A famfs device given to a VM: nobody takes it back through tagdax, so no
# fabric holder record is made for it (and none next to the device root).
expect_rc 0 "$TAGDAX" vm args "$DEV"
contains "$OUT" "mem-path=$T/dev/dax0.0"
not_contains "$OUT" "-pidfile"
not_contains "$OUT" "-qmp"
[ ! -e "$T/holders" ] || fail "vm args made a holder record for a famfs device: $(ls "$T/holders")"
echo ok
