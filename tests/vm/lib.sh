# SPDX-License-Identifier: GPL-2.0-or-later
# Booting real QEMU guests for the VM test and benchmark: a Debian kernel
# taken from its .deb (cached), a busybox initramfs holding the static tagdax,
# TCG only (KVM hangs for nested guests on our machines).
#
# Needs: $T (a scratch directory), $SRCDIR, $BUILDDIR.  Sets VM_KERNEL,
# VM_BUSYBOX, VM_QEMU_VERSION (major*100+minor).  vm_need fails (1), saying
# why, when QEMU or a kernel cannot be had.

VM_CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/tagdax
VM_QEMU=${VM_QEMU:-qemu-system-x86_64}
VM_PIDS=()

vm_log() { echo "vm: $*" >&2; }

# vm_deb_extract DEB DIR PATTERN: extract PATTERN (a tar glob) from DEB into DIR.
vm_deb_extract() {
	mkdir -p "$2" && dpkg-deb --fsys-tarfile "$1" | tar -x -C "$2" --wildcards "$3"
}

# vm_fetch_deb PACKAGE: download PACKAGE's .deb into the cache; prints its path.
vm_fetch_deb() {
	local deb
	deb=$(ls -t "$VM_CACHE/debs/$1"_*.deb 2>/dev/null | head -n1)
	if [ -z "$deb" ]; then
		mkdir -p "$VM_CACHE/debs"
		(cd "$VM_CACHE/debs" && apt-get download "$1" >/dev/null 2>&1) || return 1
		deb=$(ls -t "$VM_CACHE/debs/$1"_*.deb 2>/dev/null | head -n1)
	fi
	[ -n "$deb" ] && echo "$deb"
}

# A kernel image: the cloud flavour first (LZ4, so it boots in seconds under
# TCG where the generic XZ image spends seconds decompressing itself).
vm_find_kernel() {
	local meta pkg deb
	VM_KERNEL=$(ls -t "$VM_CACHE"/kernel/boot/vmlinuz-*-amd64 2>/dev/null | head -n1)
	[ -n "$VM_KERNEL" ] && return 0
	for meta in linux-image-cloud-amd64 linux-image-amd64; do
		pkg=$(apt-cache depends "$meta" 2>/dev/null |
		      sed -n 's/^ *Depends: \(linux-image-[^ ]*-amd64\)$/\1/p' | head -n1)
		[ -n "$pkg" ] || continue
		deb=$(vm_fetch_deb "$pkg") || continue
		vm_deb_extract "$deb" "$VM_CACHE/kernel" './boot/vmlinuz-*' || continue
		VM_KERNEL=$(ls -t "$VM_CACHE"/kernel/boot/vmlinuz-*-amd64 2>/dev/null | head -n1)
		[ -n "$VM_KERNEL" ] && return 0
	done
	return 1
}

vm_is_static() { ! ldd "$1" >/dev/null 2>&1; }

vm_find_busybox() {
	local deb
	for VM_BUSYBOX in /bin/busybox "$VM_CACHE/busybox/bin/busybox"; do
		[ -x "$VM_BUSYBOX" ] && vm_is_static "$VM_BUSYBOX" && return 0
	done
	deb=$(vm_fetch_deb busybox-static) || return 1
	vm_deb_extract "$deb" "$VM_CACHE/busybox" './bin/busybox' || return 1
	VM_BUSYBOX=$VM_CACHE/busybox/bin/busybox
}

vm_qemu_version() {
	"$VM_QEMU" --version | sed -n 's/.*version \([0-9]*\)\.\([0-9]*\).*/\1 \2/p' |
		{ read -r major minor; echo $((major * 100 + minor)); }
}

# vm_need: everything a guest needs, or 1 with what is missing: a test that
# cannot boot its guest fails (scripts/deps installs all of it).
vm_need() {
	if ! command -v "$VM_QEMU" >/dev/null; then
		vm_log "FAIL: $VM_QEMU not installed (apt-get install qemu-system-x86)"; return 1
	fi
	if ! vm_find_kernel; then
		vm_log "FAIL: no Debian kernel: not cached in $VM_CACHE and apt-get download failed"
		return 1
	fi
	if ! vm_find_busybox; then
		vm_log "FAIL: no static busybox (apt-get install busybox-static)"; return 1
	fi
	VM_QEMU_VERSION=$(vm_qemu_version)
}

# vm_need_guest_tagdax: 0 when a static guest tagdax is there, in
# VM_GUEST_BUILD.  A sanitizer build cannot link one (ASan has no static
# runtime): its guests run the normal build's (scripts/test --sanitize builds
# it), while everything on the host side runs sanitized.
vm_need_guest_tagdax() {
	VM_GUEST_BUILD=$BUILDDIR
	# a coverage build's guest objects need libgcov and could not write
	# their counters in the guest anyway: the same as a sanitizer build
	if ldd "$BUILDDIR/cli/tagdax" 2>/dev/null | grep -q libasan ||
		nm "$BUILDDIR/lib/libtagdax-guest.a" 2>/dev/null | grep -q __gcov_init; then
		VM_GUEST_BUILD=${VM_GUEST_BUILD_DIR:-$SRCDIR/build}
		vm_log "guests run the static tagdax of $VM_GUEST_BUILD (not sanitized or" \
			"instrumented); the host side is this build"
	fi
	[ -x "$VM_GUEST_BUILD/cli/tagdax-static" ] && [ -f "$VM_GUEST_BUILD/lib/libtagdax-guest.a" ] &&
		return 0
	vm_log "FAIL: $VM_GUEST_BUILD/cli/tagdax-static was not built" \
		"(scripts/test builds it; a sanitizer run needs the normal build's)"
	return 1
}

# vm_build_helper OUT: the static tdx-map guest helper.
vm_build_helper() {
	${CC:-cc} -O2 -static -I"$SRCDIR/include" -o "$1" "$SRCDIR/tests/vm/guest-map.c" \
		"$VM_GUEST_BUILD/lib/libtagdax-guest.a" -luuid -lz
}

# vm_initramfs OUT SCRIPT: an uncompressed cpio (nothing to decompress under
# TCG) with busybox, tagdax, tdx-map, the generic /init and SCRIPT as /guest.sh.
vm_initramfs() {
	local root=$T/initramfs.$$.$RANDOM
	mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev" "$root/tmp" "$root/run"
	cp "$VM_BUSYBOX" "$root/bin/busybox"
	cp "$VM_GUEST_BUILD/cli/tagdax-static" "$root/bin/tagdax"
	vm_build_helper "$root/bin/tdx-map" || return 1
	cp "$SRCDIR/tests/vm/init" "$root/init"
	cp "$2" "$root/guest.sh"
	chmod 755 "$root/init" "$root/guest.sh"
	if [ -n "${VM_INITRAMFS_HOOK:-}" ]; then "$VM_INITRAMFS_HOOK" "$root" || return 1; fi
	(cd "$root" && find . | "$VM_BUSYBOX" cpio -o -H newc -R 0:0 2>/dev/null) > "$1"
	rm -rf "$root"
}

# vm_start NAME INITRD APPEND [QEMU ARGS...]: boots a guest in the background;
# its console goes to $T/NAME.log, its QMP socket is $T/NAME.qmp.
# no_timer_check: under TCG on a loaded host the kernel's check that the
# IO-APIC delivers timer interrupts can time out, and it then panics ("IO-APIC +
# timer doesn't work"); seen in cli-vm with the machine's two cores busy.
vm_start() {
	local name=$1 initrd=$2 append=$3
	shift 3
	rm -f "$T/$name.log" "$T/$name.qmp"
	timeout "${VM_TIMEOUT:-240}" "$VM_QEMU" -accel tcg -M q35 -cpu qemu64,phys-bits=42 \
		-m "${VM_MEM:-256}" -smp 1 \
		-nodefaults -display none -no-reboot \
		-serial "file:$T/$name.log" -qmp "unix:$T/$name.qmp,server=on,wait=off" \
		-kernel "$VM_KERNEL" -initrd "$initrd" \
		-append "console=ttyS0 quiet panic=-1 no_timer_check $append" "$@" \
		> "$T/$name.qemu" 2>&1 &
	VM_PIDS+=($!)
	eval "VM_PID_$name=$!"
}

vm_stop_all() {
	local pid
	for pid in "${VM_PIDS[@]}"; do
		kill "$pid" 2>/dev/null
	done
	for pid in "${VM_PIDS[@]}"; do
		wait "$pid" 2>/dev/null
	done
	VM_PIDS=()
}

# vm_get NAME KEY: the value of the guest's last "TDX KEY VALUE" line.
vm_get() {
	tr -d '\r' 2>/dev/null < "$T/$1.log" | sed -n "s/^TDX $2 //p" | tail -n1
}

# vm_wait NAME KEY [SECONDS]: waits for a "TDX KEY ..." line; fails with the
# console when the guest dies or time runs out.
vm_wait() {
	local name=$1 key=$2 left=$(( ${3:-40} * 20 )) pid
	eval "pid=\$VM_PID_$name"
	while [ $left -gt 0 ]; do
		tr -d '\r' 2>/dev/null < "$T/$name.log" | grep -q "^TDX $key\( \|$\)" && return 0
		if ! kill -0 "$pid" 2>/dev/null; then
			vm_dump "$name"; vm_log "guest $name stopped before '$key'"; return 1
		fi
		sleep 0.05
		left=$((left - 1))
	done
	vm_dump "$name"
	vm_log "guest $name: no '$key' in time"
	return 1
}

vm_dump() {
	echo "---- console of guest $1 ----" >&2
	[ -f "$T/$1.log" ] && tr -d '\r' < "$T/$1.log" >&2
	[ -f "$T/$1.qemu" ] && cat "$T/$1.qemu" >&2
	echo "---- end of console ----" >&2
}

# vm_find_modules DIR...: the kernel's modules under drivers/DIR (e.g. nvdimm,
# dax, acpi/nfit), extracted from its .deb into the cache.  Sets VM_MODDIR
# (.../lib/modules/VERSION/kernel).  Run after vm_need.
vm_find_modules() {
	local ver=${VM_KERNEL##*/vmlinuz-} deb d
	VM_MODDIR=$VM_CACHE/kernel/lib/modules/$ver/kernel
	for d in "$@"; do
		[ -d "$VM_MODDIR/drivers/$d" ] && continue
		deb=$(vm_fetch_deb "linux-image-$ver") || return 1
		vm_deb_extract "$deb" "$VM_CACHE/kernel" "./lib/modules/$ver/kernel/drivers/$d/*" ||
			return 1
	done
}

# vm_copy_bins ROOT FILE...: dynamically linked programs into ROOT/bin (their
# base names), with the libraries ldd names at the same paths and the loader.
vm_copy_bins() {
	local root=$1 f lib
	shift
	mkdir -p "$root/bin"
	for f in "$@"; do
		cp -L "$f" "$root/bin/" || return 1
		for lib in $(ldd "$f" | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) .*/\1/p'); do
			[ -e "$root$lib" ] && continue
			mkdir -p "$root$(dirname "$lib")" && cp -L "$lib" "$root$lib" || return 1
		done
	done
}
