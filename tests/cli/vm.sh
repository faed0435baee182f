# SPDX-License-Identifier: GPL-2.0-or-later
# Tagged capacity in real QEMU guests, found by tag inside them.
#
# Host: the emulated fabric, with a hypervisor host "hv" holding sharable
# tagged capacities whose sizes are not powers of two; host-side tagdax
# resolves them through the emu provider.  A (24 MiB) is two pieces apart in
# its region's backing file (6 MiB at 2 MiB, 18 MiB at 32 MiB): four windows
# (4 + 2, then 16 + 2 MiB) at those file offsets, which the guest stitches
# back in order; B (6 MiB = 4 + 2) is one piece.  Guest "cold" boots with A
# (and a C whose descriptor we corrupt) cold-plugged and two spare hot-plug
# ports: it resolves A, reads what the host wrote in both pieces and across
# the seam through tagdax_map(), replies; then B is hot-plugged with `tagdax
# vm attach`, the guest's `tagdax wait` returns and data round-trips; then B
# is detached, after which a plain release of B proceeds while the VM runs.
# Then forced releases: A (cold) and B (attached again) are unplugged through
# QMP while guest processes map them, and the next owner's bytes on the same
# blocks never show through those mappings.  Guest "empty" (in parallel) has only a foreign ivshmem
# device: resolve exits 1.  Before any guest: the host's refusals, and QMP
# against a QEMU whose guest never runs (so unplugs never complete).
# Fails, saying why, when QEMU or a guest kernel cannot be had.  A sanitizer
# build's guests run the normal build's static tagdax (tests/vm/lib.sh).
. "$TESTLIB"
. "$SRCDIR/tests/vm/lib.sh"

D=$T/fab
SHM_FILES=()
cleanup() {
	vm_stop_all
	if [ -n "${VM_VERBOSE:-}" ]; then vm_dump cold; vm_dump empty; fi
	"$TAGDAX" fabric down --dir "$D" --purge >/dev/null 2>&1
	rm -f "${SHM_FILES[@]}"
	rm -rf "$T"
}
trap cleanup EXIT

vm_need || exit $?

MiB=$((1 << 20))
TAG_A=7d3f0a52-4c1b-4e8a-9a51-1f2e3d4c5b6a
TAG_B=2c9e4b71-0d5a-4f3e-8b62-6a7b8c9d0e1f
TAG_C=c0ffee00-1111-4222-8333-944455556666
START=$(date +%s)

OLD_QEMU=0
if [ "$VM_QEMU_VERSION" -lt 801 ]; then
	# memory-backend-file has no offset= before QEMU 8.1: one power-of-two
	# window at offset 0 of its file is all such a QEMU can carry, so each
	# capacity is the first allocation of its own region.
	vm_log "NOTE: QEMU $((VM_QEMU_VERSION / 100)).$((VM_QEMU_VERSION % 100)) has no" \
		"memory-backend-file offset=: testing one-piece, single-window capacities only"
	OLD_QEMU=1
fi

# The fabric: one hypervisor host, sharable regions (each its own backing
# file, its first allocation at offset 0).
cat > "$T/fabric.json" <<EOF
{
  "hosts": [ { "id": 0, "name": "hv" } ],
  "regions": [
    { "base": "0", "length": "256M", "block_size": "2M", "sharable": true },
    { "base": "256M", "length": "256M", "block_size": "2M", "sharable": true },
    { "base": "512M", "length": "256M", "block_size": "2M", "sharable": true }
  ],
  "backing": { "type": "dir" }
}
EOF
expect_rc 0 "$TAGDAX" fabric up --dir "$D" --config "$T/fabric.json"
# From here on, tagdax on this host is hv: it resolves through the emu provider.
export TAGDAX_FABRIC=$D TAGDAX_HOST=hv
add() { expect_rc 0 "$TAGDAX" fabric add --dir "$D" --host hv "$@"; }

# SEAM: where A's second piece starts in A (with one piece: any spot).
if [ $OLD_QEMU = 0 ]; then
	SIZE_A=$((24 * MiB)) SEAM=$((6 * MiB)) OFF_B=$((5 * MiB))
	add --policy prescriptive --extent 2M:6M --extent 32M:18M --tag $TAG_A
	add --size 6M --tag $TAG_B
	add --size 2M --region 1 --tag $TAG_C
else
	SIZE_A=$((16 * MiB)) SEAM=$((8 * MiB)) OFF_B=$((2 * MiB))
	add --size 16M --tag $TAG_A
	add --size 4M --region 1 --tag $TAG_B
	add --size 2M --region 2 --tag $TAG_C
fi
OFF_A1=$((SIZE_A - 4 * MiB)) # in A's second piece (or last window)

# host_write TAG OFFSET TEXT / host_read TAG OFFSET: TEXT (and its NUL) at
# OFFSET of the tag's memory, through tagdax_map() as this host lays it out:
# the way to reach A, whose pieces are apart in the backing file.
host_write() {
	"$TAGDAX" fabric write --dir "$D" --host hv --tag "$1" --offset "$2" "$3" >/dev/null ||
		fail "host cannot write to $1"
}
host_read() { "$TAGDAX" fabric read --dir "$D" --host hv --tag "$1" --offset "$2"; }

# exec_write / exec_read: the same through `tagdax exec` and dd, as a program
# given TAGDAX_PATH and TAGDAX_OFFSET would (one-piece capacities only).
at() {
	"$TAGDAX" exec --tag "$1" -- sh -c 'echo "$TAGDAX_PATH $((TAGDAX_OFFSET + '"$2"'))"'
}
exec_write() {
	local where; where=$(at "$1" "$2") || fail "host cannot resolve $1"
	printf '%s\0' "$3" | dd of="${where% *}" bs=4096 seek="${where##* }" \
		oflag=seek_bytes conv=notrunc status=none
}
exec_read() {
	local where; where=$(at "$1" "$2") || fail "host cannot resolve $1"
	dd if="${where% *}" bs=4096 skip="${where##* }" count=64 iflag=skip_bytes,count_bytes \
		status=none | tr -d '\0'
}
# check_guest NAME KEY WANT
check_guest() {
	local got; got=$(vm_get "$1" "$2")
	[ "$got" = "$3" ] || { vm_dump "$1"; fail "guest $1: $2 is '$got', expected '$3'"; }
}

host_write $TAG_A 0 host-msg-a0
host_write $TAG_A $OFF_A1 host-msg-a1
host_write $TAG_A $((SEAM - 6)) host-msg-seam
exec_write $TAG_B 0 host-msg-b

# Host-side refusals, before any guest: a tag this host cannot resolve, a
# size no window can carry (a table entry), no tag at all, a tag twice; and
# exec, which cannot describe A's two pieces in its environment.
expect_rc 1 "$TAGDAX" vm args 11111111-2222-4333-8444-555555555555
contains "$ERR" "no device carries tag"
truncate -s $((3 * MiB)) /dev/shm/tagdax-vmtest.$$.odd && SHM_FILES+=(/dev/shm/tagdax-vmtest.$$.odd)
echo "9a9a9a9a-1111-4222-8333-944455556666 /dev/shm/tagdax-vmtest.$$.odd 0 3M" >> "$TAGDAX_CONFIG"
expect_rc 2 "$TAGDAX" vm args 9a9a9a9a-1111-4222-8333-944455556666
contains "$ERR" "multiple of 2 MiB"
expect_rc 2 "$TAGDAX" vm args
expect_rc 2 "$TAGDAX" vm args $TAG_A $TAG_A
if [ $OLD_QEMU = 0 ]; then
	expect_rc 5 "$TAGDAX" exec --tag $TAG_A -- true
	contains "$ERR" "made of 2 pieces"
fi

# The options: one backend per power-of-two window of each piece, at that
# piece's offsets in the backing file.
expect_rc 0 "$TAGDAX" vm args --hotplug-ports 2 $TAG_A $TAG_C
ARGS=$OUT
WINDOWS_A=$(( OLD_QEMU ? 1 : 4 ))
[ "$(grep -c '^-object memory-backend-file' <<<"$ARGS")" = $((WINDOWS_A + 1)) ] ||
	fail "expected one backend per window: $ARGS"
[ "$(grep -c '^-device pcie-root-port,id=tagdax-port' <<<"$ARGS")" = 2 ] ||
	fail "expected 2 spare ports: $ARGS"
# each window behind a port of its own, where it can be unplugged; the VM
# is recorded as the capacity's holder (docs/fabric.md, "Holders")
[ "$(grep -c '^-device pcie-root-port,id=tagdax-cport' <<<"$ARGS")" = $((WINDOWS_A + 1)) ] ||
	fail "expected one port per window: $ARGS"
contains "$ARGS" "-pidfile $D/hosts/hv/holders/vm."
contains "$ARGS" "-qmp unix:$D/hosts/hv/holders/vm."
DEV_A=$D/hosts/hv/dev/dax0.0
if [ $OLD_QEMU = 0 ]; then
	i=0
	for w in 4:2 2:6 16:32 2:48; do # size:file offset, in MiB
		contains "$ARGS" "id=tagdax-mem-$TAG_A.$i,mem-path=$DEV_A,size=$(( ${w%:*} * MiB )),offset=$(( ${w#*:} * MiB )),"
		i=$((i + 1))
	done
else
	contains "$ARGS" "id=tagdax-mem-$TAG_A.0,mem-path=$DEV_A,size=$SIZE_A,align"
fi
expect_rc 0 "$TAGDAX" vm args --libvirt $TAG_A
contains "$OUT" "<qemu:commandline xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>"
[ "$(grep -c "<qemu:arg value='-object'/>" <<<"$OUT")" = $WINDOWS_A ] || fail "libvirt: $OUT"
if command -v xmllint >/dev/null; then xmllint --noout - <<<"$OUT" || fail "libvirt XML: $OUT"; fi

# QMP against a QEMU that never runs its guest: attach works, unplugs stay
# pending (detach times out, and says so, also when asked again), and the
# refusals: already attached, no free port, a tag this host cannot resolve.
# As many ports as B has windows, so none is left for C.
WINDOWS_B=$(( OLD_QEMU ? 1 : 2 ))
PORTS=()
for i in $(seq 0 $((WINDOWS_B - 1))); do
	PORTS+=(-device "pcie-root-port,id=p$i,chassis=$((i + 1)),slot=0")
done
: > "$T/empty.initrd"
vm_start paused "$T/empty.initrd" "" -S "${PORTS[@]}"
for _ in $(seq 100); do [ -S "$T/paused.qmp" ] && break; sleep 0.05; done
expect_rc 0 "$TAGDAX" vm attach --qmp "$T/paused.qmp" $TAG_B
contains "$OUT" "$TAG_B window 0/"
expect_rc 7 "$TAGDAX" vm attach --qmp "$T/paused.qmp" $TAG_B   # already so
contains "$ERR" "already attached"
expect_rc 5 "$TAGDAX" vm attach --qmp "$T/paused.qmp" $TAG_C
contains "$ERR" "free hot-plug port"
expect_rc 1 "$TAGDAX" vm attach --qmp "$T/paused.qmp" 11111111-2222-4333-8444-555555555555
expect_rc 1 "$TAGDAX" vm detach --timeout 0.5 --qmp "$T/paused.qmp" $TAG_B
contains "$ERR" "has not released"
expect_rc 1 "$TAGDAX" vm detach --timeout 0.2 --qmp "$T/paused.qmp" $TAG_B
contains "$ERR" "has not released"
expect_rc 5 "$TAGDAX" vm attach --qmp "$T/nowhere.qmp" $TAG_B
vm_stop_all

vm_need_guest_tagdax || exit $?

# Corrupt C's descriptor: one byte of its tag, so its checksum fails.
ROM_C=$(sed -n "s/.*romfile=\([^,]*${TAG_C}[^,]*\).*/\1/p" <<<"$ARGS")
[ -f "$ROM_C" ] || fail "no ROM file for C in: $ARGS"
printf '\x42' | dd of="$ROM_C" bs=1 seek=$((0x40 + 0x20)) conv=notrunc status=none

vm_initramfs "$T/initrd" "$SRCDIR/tests/vm/guest-test.sh" || fail "cannot build the initramfs"
SHM_FILES+=(/dev/shm/tagdax-vmtest.$$.plain)
truncate -s $((2 * MiB)) /dev/shm/tagdax-vmtest.$$.plain
# shellcheck disable=SC2086 # the options are words by design
vm_start cold "$T/initrd" "MODE=cold TAG_A=$TAG_A TAG_B=$TAG_B TAG_C=$TAG_C A1=$OFF_A1 \
RA1=$((SIZE_A - MiB)) AS=$((SEAM - 6)) RAS=$((SEAM - 3)) RB=$OFF_B WATCH=35" $ARGS
vm_start empty "$T/initrd" "MODE=empty TAG_A=$TAG_A" \
	-object memory-backend-file,id=plain,mem-path=/dev/shm/tagdax-vmtest.$$.plain,size=2M,share=on \
	-device ivshmem-plain,memdev=plain

# Cold plug: found by tag, exact offsets, both pieces and across their seam,
# both directions.
vm_wait cold ready-for-attach 45 || fail "cold-plugged guest did not get through its checks"
check_guest cold resolve-a 0
check_guest cold read-a0 host-msg-a0
check_guest cold read-a1 host-msg-a1
check_guest cold read-seam host-msg-seam
check_guest cold write-a 0
[ "$(host_read $TAG_A 4096)" = guest-reply-a0 ] || fail "host did not see the guest's reply in window 0"
[ "$(host_read $TAG_A $((SIZE_A - MiB)))" = guest-reply-a1 ] ||
	fail "host did not see the guest's reply in the last window"
[ "$(host_read $TAG_A $((SEAM - 3)))" = guest-reply-seam ] ||
	fail "host did not see the guest's reply across the seam"
check_guest cold resolve-c 1
check_guest cold c-log 1

# Hot plug: attach, the guest's wait returns, data round-trips.
expect_rc 0 "$TAGDAX" vm attach --qmp "$T/cold.qmp" $TAG_B
[ "$(grep -c "^$TAG_B window" <<<"$OUT")" = $WINDOWS_B ] || fail "attach said: $OUT"
expect_rc 7 "$TAGDAX" vm attach --qmp "$T/cold.qmp" $TAG_B
contains "$ERR" "already attached"
vm_wait cold ready-for-detach 40 || fail "hot-plugged tag not found in the guest"
check_guest cold wait-b 0
check_guest cold read-b host-msg-b
check_guest cold write-b 0
[ "$(exec_read $TAG_B $OFF_B)" = guest-reply-b ] || fail "host did not see the reply to B"

# Detach: the guest lets go, the tag is gone from it, QEMU holds nothing.
expect_rc 0 "$TAGDAX" vm detach --qmp "$T/cold.qmp" $TAG_B
expect_rc 1 "$TAGDAX" vm detach --qmp "$T/cold.qmp" $TAG_B
contains "$ERR" "not attached"
vm_wait cold after-detach-b 30 || fail "guest did not see B go"
check_guest cold after-detach-b 1
# Detached, the VM no longer holds B: a plain release proceeds while it runs.
expect_rc 0 "$TAGDAX" fabric release --dir "$D" --host hv --tag $TAG_B --timeout 30
if [ $OLD_QEMU = 0 ]; then add --size 6M --tag $TAG_B; else add --size 4M --region 1 --tag $TAG_B; fi
exec_write $TAG_B 0 host-msg-b

# Forced releases take the capacity from the guest before they return: A
# (cold-plugged) and B (hot-plugged again) are unplugged through QMP while a
# guest process maps each, QEMU lives on, and the next owner's bytes (new
# capacity on the same blocks) never show through the old mappings.
expect_rc 0 "$TAGDAX" vm attach --qmp "$T/cold.qmp" $TAG_B
vm_wait cold ready-for-forced 60 || fail "guest did not map A and B again"
check_guest cold wait-b2 0
check_guest cold "watch-$TAG_A" host-msg-a0
check_guest cold "watch-$TAG_B" host-msg-b
expect_rc 0 "$TAGDAX" fabric release --dir "$D" --host hv --tag $TAG_A --forced
expect_rc 0 "$TAGDAX" fabric release --dir "$D" --host hv --tag $TAG_B --forced
kill -0 "$VM_PID_cold" || fail "QEMU did not survive the forced releases"
[ "$(grep -c "unplugged through QMP" "$D/hosts/hv/agent.log")" = 2 ] ||
	fail "not unplugged through QMP: $(tail -n 5 "$D/hosts/hv/agent.log")"
NEW_A=0a0a0a0a-1111-4222-8333-944455556666 NEW_B=0b0b0b0b-1111-4222-8333-944455556666
if [ $OLD_QEMU = 0 ]; then
	add --policy prescriptive --extent 2M:6M --extent 32M:18M --tag $NEW_A
else
	add --size 16M --tag $NEW_A
fi
add --size $(( OLD_QEMU ? 4 : 6 ))M --region $(( OLD_QEMU ? 1 : 0 )) --tag $NEW_B
host_write $NEW_A 0 new-owner-a
host_write $NEW_B 0 new-owner-b
vm_wait cold after-forced-b 60 || fail "the guest still resolves A or B"
check_guest cold after-forced-a 1
check_guest cold after-forced-b 1
vm_wait cold "done" 60 || fail "guest did not finish"
if tr -d '\r' < "$T/cold.log" | grep -q "^TDX watch-.* new-owner"; then
	vm_dump cold; fail "a guest mapping showed the next owner's bytes"
fi

# A guest with no tagdax device (one foreign ivshmem) resolves nothing.
vm_wait empty "done" 45 || fail "empty guest did not finish"
check_guest empty resolve-a 1
check_guest empty list-lines 0

echo "vm: passed in $(( $(date +%s) - START )) s (QEMU $((VM_QEMU_VERSION / 100)).$((VM_QEMU_VERSION % 100)), kernel $(basename "$VM_KERNEL"))"
