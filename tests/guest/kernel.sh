# SPDX-License-Identifier: GPL-2.0-or-later
# The providers against a real kernel: one QEMU (TCG) guest boots the Debian
# kernel the VM test uses, with libnvdimm, nfit, nd_pmem, dax_pmem,
# device_dax, dax_hmem and kmem from its .deb, ndctl, daxctl, jq and
# systemd-udevd from Debian, the by-tag rule and a static tagdax, and runs
# tests/guest/guest.sh (the checks: see there).  Two NVDIMMs: nv0, 512 MiB
# with a label area (namespaces we make with ndctl), nv1, 128 MiB without one
# (the io namespace the kernel makes, which has no uuid); memmap= turns 64 MiB
# of RAM into a soft-reserved range for dax_hmem.  The host writes a marker at
# every MiB of nv0's file before boot and checks what the guest wrote after.
# Every check prints PASS, FAIL or NOT-POSSIBLE(reason); any FAIL, or a check
# that never reported, fails the test.
. "$TESTLIB"
. "$SRCDIR/tests/vm/lib.sh"
. "$SRCDIR/tests/lib/famfs-image.sh"

cleanup() {
	vm_stop_all
	[ -n "${VM_VERBOSE:-}" ] && vm_dump kern
	rm -rf "$T"
}
trap cleanup EXIT

MiB=$((1 << 20))
U_A=a0a0a0a0-1111-4222-8333-000000000001
U_B=b0b0b0b0-1111-4222-8333-000000000002
U_C=c0c0c0c0-1111-4222-8333-000000000003
U_H=d0d0d0d0-1111-4222-8333-000000000004
FS_UUID=f5f5f5f5-1111-4222-8333-000000000005
FS_DEV_UUID=f6f6f6f6-1111-4222-8333-000000000006
MARK=host-marker-at-MiB-
CHECKS="setup wait-returns udev-by-tag-link udev-index nd-resolve-path nd-size nd-align
	udev-by-tag-link-info nd-target-node nd-devname nd-resource nd-raw-uuid nd-info-uuid map-aligned
	map-host-bytes map-lock map-lock-released famfs-fs-uuid famfs-dev-uuid famfs-lock famfs-lock-released famfs-resource
	famfs-corrupt-ignored famfs-nd-unaffected fsdax-path fsdax-mode fsdax-align fsdax-size
	fsdax-info-uuid hmem-device hmem-resolve hmem-map hmem-bytes no-uuid teardown-gone
	teardown-wait unbound unbound-rebound system-ram-mode system-ram-map map-guest-bytes"

# Nothing here may pass by skipping: what is missing fails, with the reason.
# (Sanitizer builds do not register this test: tests/meson.build.)
vm_need_guest_tagdax; rc=$?
[ $rc = 0 ] || fail "no static guest tagdax (see above)"
vm_need; rc=$?
[ $rc = 0 ] || fail "cannot boot a guest (see above); scripts/deps installs what is needed"
for p in ndctl daxctl jq udevadm; do
	command -v $p > /dev/null || fail "$p not installed (scripts/deps installs it)"
done
vm_find_modules nvdimm dax acpi/nfit || fail "no kernel modules from the kernel's .deb"

famfs_sb "$T/famfs-good.sb" "$FS_UUID" "$FS_DEV_UUID" 4096
FAMFS_BAD_CRC=1 famfs_sb "$T/famfs-bad.sb" "$FS_UUID" "$FS_DEV_UUID" 4096

# The guest's files, added to the VM test's initramfs.
guest_files() {
	local m
	mkdir -p "$1/lib/modules" "$1/etc/udev/rules.d"
	for m in libnvdimm nd_btt nd_pmem nfit device_dax dax_pmem kmem dax_hmem; do
		cp "$(find "$VM_MODDIR/drivers" -name "$m.ko")" "$1/lib/modules/" || return 1
	done
	vm_copy_bins "$1" "$(command -v ndctl)" "$(command -v daxctl)" "$(command -v jq)" \
		"$(command -v udevadm)" || return 1
	ln -s udevadm "$1/bin/systemd-udevd"
	sed 's|@BINDIR@|/bin|' "$SRCDIR/udev/80-tagdax.rules.in" > "$1/etc/udev/rules.d/80-tagdax.rules"
	cp "$T/famfs-good.sb" "$T/famfs-bad.sb" "$1/"
	${CC:-cc} -O2 -static -I"$SRCDIR/include" -o "$1/bin/tdx-dax" \
		"$SRCDIR/tests/guest/guest-dax.c" "$VM_GUEST_BUILD/lib/libtagdax-guest.a" -luuid -lz
}
VM_INITRAMFS_HOOK=guest_files vm_initramfs "$T/initrd" "$SRCDIR/tests/guest/guest.sh" ||
	fail "cannot build the initramfs"

truncate -s 512M "$T/nv0"
truncate -s 128M "$T/nv1"
for ((i = 0; i < 64; i++)); do
	printf '%s%d\0' "$MARK" $i | dd of="$T/nv0" bs=1M seek=$i conv=notrunc status=none
done

START=$(date +%s)
VM_MEM=512M,slots=4,maxmem=4G VM_TIMEOUT=600 vm_start kern "$T/initrd" \
	"memmap=64M%0x18000000-1+0xefffffff U_A=$U_A U_B=$U_B U_C=$U_C U_H=$U_H MARK=$MARK FS_UUID=$FS_UUID FS_DEV_UUID=$FS_DEV_UUID" \
	-machine nvdimm=on \
	-object "memory-backend-file,id=nv0,share=on,mem-path=$T/nv0,size=512M" \
	-device nvdimm,memdev=nv0,id=nvd0,label-size=128K \
	-object "memory-backend-file,id=nv1,share=on,mem-path=$T/nv1,size=128M" \
	-device nvdimm,memdev=nv1,id=nvd1
vm_wait kern exit 600 || fail "the guest did not finish"
echo "guest: booted in $(vm_get kern booted) s, finished in $(( $(date +%s) - START )) s"
wait "$VM_PID_kern" 2>/dev/null

# The host's own check: what the guest wrote through tagdax_map is in the file.
off=$(vm_get kern "val data-offset-a")
if [ -z "$(vm_get kern "val guest-wrote")" ] || [ -z "$off" ]; then
	echo "TDX check map-guest-bytes FAIL the guest wrote nothing"
else
	got=$(dd if="$T/nv0" bs=1 skip=$((off + 12 * MiB)) count=18 status=none)
	if [ "$got" = guest-wrote-at-12M ]; then
		echo "TDX check map-guest-bytes PASS"
	else
		echo "TDX check map-guest-bytes FAIL file at $((off + 12 * MiB)): '$got'"
	fi
fi >> "$T/kern.log"

results=$(tr -d '\r' < "$T/kern.log" | sed -n 's/^TDX check //p')
tr -d '\r' < "$T/kern.log" | sed -n 's/^TDX val /measured: /p'
echo "$results"
bad=0
for c in $CHECKS; do
	echo "$results" | grep -q "^$c \(PASS\|NOT-POSSIBLE\)" && continue
	echo "$results" | grep -q "^$c " || echo "FAIL: $c never reported"
	bad=1
done
if echo "$results" | grep -q " FAIL"; then bad=1; fi
echo "$results" | grep " NOT-POSSIBLE" | sed 's/^/not possible on this kernel: /'
if [ $bad != 0 ]; then
	vm_dump kern
	fail "real-kernel checks failed (see the FAIL lines above)"
fi
echo "all $(echo $CHECKS | wc -w) real-kernel checks passed"
