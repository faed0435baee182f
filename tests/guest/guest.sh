# SPDX-License-Identifier: GPL-2.0-or-later
# The guest half of tests/guest/kernel.sh, run by /init under busybox sh with
# the unmodified Debian kernel: real libnvdimm, nfit, nd_pmem, dax_pmem,
# device_dax, dax_hmem and kmem; ndctl, daxctl and systemd-udevd from Debian.
# Each check prints "TDX check NAME PASS", "TDX check NAME FAIL WHY" or
# "TDX check NAME NOT-POSSIBLE WHY"; "TDX val KEY VALUE" lines are for the
# host's own checks.  Tags come from the boot line: U_A (devdax), U_B (fsdax),
# U_C (devdax made while wait runs), U_H (the hmem device's table entry),
# U_NONE (never made); MARK: the text the host wrote at every MiB of the
# labelled NVDIMM's file, followed by the offset in MiB.
export PATH=/bin TAGDAX_CONFIG=/etc/tagdax/tags.conf

say() { echo "TDX $*"; }
pass() { say "check $1 PASS"; }
fail() { local n=$1; shift; say "check $n FAIL $*"; }
# expect NAME WHAT GOT WANT
expect() {
	if [ "$3" = "$4" ]; then pass "$1"; else fail "$1" "$2: got '$3', want '$4'"; fi
}
# js JSON FILTER: a jq filter on one object (daxctl prints a lone object or an array)
js() { printf '%s' "$1" | jq -r "if type == \"array\" then .[0] else . end | $2" 2>/dev/null; }
attr() { cat "/sys/bus/$1" 2>/dev/null; }
# settle: udev has handled every event so far
settle() { udevadm settle --timeout=60; }

setup() {
	local m
	for m in libnvdimm nd_btt nd_pmem nfit device_dax dax_pmem kmem dax_hmem; do
		insmod "/lib/modules/$m.ko" || { fail setup "insmod $m"; return 1; }
	done
	mkdir -p /run/udev /etc/tagdax
	: > /etc/tagdax/tags.conf
	systemd-udevd --daemon || { fail setup "systemd-udevd did not start"; return 1; }
	udevadm trigger --action=add && settle
	# the NVDIMM with a label area, whose DSM can set label data (the other has
	# none: an io namespace);
	# nfit probes asynchronously
	i=0
	while [ -z "${REGION:-}" ] && [ $i -lt 300 ]; do
		for r in /sys/bus/nd/devices/region*; do
			nmem=$(cut -d, -f1 "$r/mapping0" 2>/dev/null)
			grep -qs set_data "/sys/bus/nd/devices/$nmem/commands" && REGION=${r##*/} && NMEM=$nmem
		done
		sleep 0.1
		i=$((i + 1))
	done
	settle
	if [ -z "${REGION:-}" ]; then
		fail setup "no region with labels among: $(ls /sys/bus/nd/devices | tr '\n' ' ')"
		head /sys/bus/nd/devices/*/mapping0 /sys/bus/nd/devices/nmem*/flags
		return 1
	fi
	# the label area starts empty: init it with the region disabled
	ndctl disable-region "$REGION" >/dev/null && ndctl init-labels "$NMEM" >/dev/null &&
		ndctl enable-region "$REGION" >/dev/null || { fail setup "init-labels"; return 1; }
	say val region "$REGION $(attr nd/devices/$REGION/resource)"
	pass setup
}

# ns_of UUID: ndctl's JSON of the namespace whose raw uuid is UUID
ns_of() { ndctl list -N -v | jq -c ".[]? // . | select(.raw_uuid == \"$1\" or .uuid == \"$1\")"; }

# Item 4: wait runs before the device exists; udev names it.
udev_and_wait() {
	local rc out
	tagdax wait "$U_A" --timeout 120 > /tmp/wait-a.out 2>&1 &
	WAITPID=$!
	sleep 1
	kill -0 $WAITPID 2>/dev/null || fail wait-before-create "wait ended before the device existed: $(cat /tmp/wait-a.out)"
	ndctl create-namespace -r "$REGION" -m devdax -u "$U_A" -s 256M > /tmp/ns-a.json ||
		{ fail create-a "ndctl create-namespace failed"; return 1; }
	wait $WAITPID
	rc=$?
	DAX_A=$(jq -r '.daxregion.devices[0].chardev' /tmp/ns-a.json)
	NS_A=$(jq -r '.dev' /tmp/ns-a.json)
	say val dax-a "$DAX_A $NS_A"
	out=$(cat /tmp/wait-a.out)
	expect wait-returns "tagdax wait (rc, output)" "$rc $out" "0 /dev/$DAX_A"
	settle
	expect udev-by-tag-link "/dev/dax/by-tag/$U_A" "$(readlink "/dev/dax/by-tag/$U_A")" "../../$DAX_A"
	if [ "$(readlink "/dev/dax/by-tag/$U_A")" != "../../$DAX_A" ]; then
		ls -l /dev/dax/by-tag/
		udevadm info --no-pager "/dev/$DAX_A"
	fi
	# the entry's first line names the roots it was built from (lib/index.c)
	expect udev-index "/run/tagdax/by-tag/$U_A" \
		"$(readlink "/run/tagdax/by-tag/$U_A" | sed -n '1{/^roots [0-9a-f]*$/d};p')" "nd $NS_A"
	# the info block's uuid names it too (see nd-info-uuid)
	INFO_A=$(jq -r .uuid /tmp/ns-a.json)
	expect udev-by-tag-link-info "/dev/dax/by-tag/<info-block uuid $INFO_A>" \
		"$(readlink "/dev/dax/by-tag/$INFO_A")" "../../$DAX_A"
}

# Item 1: the nd provider, against ndctl and daxctl.
nd_devdax() {
	local j d info
	j=$(tagdax resolve --json "$U_A")
	d=$(daxctl list -d "$DAX_A")
	expect nd-resolve-path "resolve path" "$(js "$j" .path)" "/dev/$(js "$d" .chardev)"
	expect nd-size "size (tagdax, daxctl)" "$(js "$j" .size)" "$(js "$d" .size)"
	expect nd-align "align (tagdax, daxctl)" "$(js "$j" .align)" "$(js "$d" .align)"
	expect nd-target-node "target node (tagdax, daxctl)" "$(js "$j" .target_node)" \
		"$(js "$d" .target_node)"
	expect nd-devname "devname" "$(js "$j" .devname) $(js "$j" .mode)" "$NS_A devdax"
	# byte 0 of the device: the dax device's resource, not the namespace's start
	expect nd-resource "resource (tagdax, bus/dax)" "$(js "$j" .resource)" \
		"$(attr dax/devices/$DAX_A/resource)"
	RES_A=$(attr dax/devices/$DAX_A/resource)
	say val devdax-resource "$RES_A namespace $(attr nd/devices/$NS_A/resource)"
	# ndctl shows the info block's uuid as "uuid", ours as "raw_uuid"
	info=$(ns_of "$U_A")
	expect nd-raw-uuid "ndctl raw_uuid" "$(js "$info" .raw_uuid)" "$U_A"
	INFO_A=$(js "$info" .uuid)
	say val info-uuid-a "$INFO_A"
	expect nd-info-uuid "resolve of the uuid ndctl shows" "$(tagdax resolve "$INFO_A")" "/dev/$DAX_A"
}

# Item 1, fsdax: found through the pmem block device.
nd_fsdax() {
	local j n
	ndctl create-namespace -r "$REGION" -m fsdax -u "$U_B" -s 64M > /tmp/ns-b.json ||
		{ fail create-b "ndctl create-namespace failed"; return 1; }
	NS_B=$(jq -r .dev /tmp/ns-b.json)
	n=$(ns_of "$U_B")
	j=$(tagdax resolve --json "$U_B")
	expect fsdax-path "resolve path" "$(js "$j" .path)" "/dev/$(js "$n" .blockdev)"
	expect fsdax-mode "mode" "$(js "$j" .mode)" fsdax
	say val fsdax-resource "$(js "$j" .resource) namespace $(attr nd/devices/$NS_B/resource)"
	expect fsdax-align "align (tagdax, ndctl)" "$(js "$j" .align)" "$(js "$n" .align)"
	expect fsdax-size "size (tagdax, block device)" "$(js "$j" .size)" \
		"$(( $(cat /sys/block/$(js "$n" .blockdev)/size) * 512 ))"
	expect fsdax-info-uuid "resolve of the uuid ndctl shows" \
		"$(tagdax resolve "$(js "$n" .uuid)")" "/dev/$(js "$n" .blockdev)"
}

# Item 2: tagdax_map on the real character device.
map_devdax() {
	local out off want mib
	out=$(tdx-dax map "$U_A")
	say val map-a "$out"
	case "$out" in
	*"aligned 1"*) pass map-aligned ;;
	*) fail map-aligned "tdx-dax map: $out" ;;
	esac
	# where byte 0 of the device is in the NVDIMM's file
	off=$(( RES_A - $(attr nd/devices/$REGION/resource) ))
	say val data-offset-a "$off"
	mib=$(( (off >> 20) + 8 ))
	want="$MARK$mib"
	expect map-host-bytes "text at device offset $((mib << 20)) - $off" \
		"$(tdx-map read "$U_A" $(( (mib << 20) - off )) 64)" "$want"
	tdx-map write "$U_A" 12M "guest-wrote-at-12M" && say val guest-wrote 12M
	lock_check map "$U_A"
}

# lock_check NAME TAG: while tdx-dax maps TAG, nobody gets an exclusive flock
# on its node; once it unmaps, one can
lock_check() {
	local i=0
	rm -f /tmp/held
	tdx-dax hold "$2" /tmp/held &
	while [ ! -e /tmp/held ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
	tdx-dax trylock "/dev/$DAX_A"
	expect "$1-lock" "exclusive flock on /dev/$DAX_A while mapped (exit)" $? 4
	rm -f /tmp/held
	wait
	tdx-dax trylock "/dev/$DAX_A"
	expect "$1-lock-released" "exclusive flock on /dev/$DAX_A after unmap (exit)" $? 0
}

# Item 3: famfs superblocks written at offset 0 of the real device.
famfs_devdax() {
	local align j
	align=$(attr dax/devices/$DAX_A/align)
	tdx-dax poke "/dev/$DAX_A" "$align" 0 /famfs-good.sb || { fail famfs-write "poke"; return 1; }
	j=$(tagdax resolve --json "$FS_UUID")
	expect famfs-fs-uuid "resolve of the fs uuid" "$(js "$j" '"\(.provider) \(.path)"')" \
		"famfs /dev/$DAX_A"
	expect famfs-dev-uuid "resolve of the device uuid" "$(tagdax resolve "$FS_DEV_UUID")" \
		"/dev/$DAX_A"
	lock_check famfs "$FS_UUID"
	expect famfs-resource "resource (famfs, nd)" "$(js "$j" .resource)" \
		"$(tagdax resolve --json "$U_A" | jq -r .resource)"
	tdx-dax poke "/dev/$DAX_A" "$align" 0 /famfs-bad.sb
	tagdax resolve "$FS_UUID" > /dev/null 2>&1
	expect famfs-corrupt-ignored "resolve after a bad CRC (exit)" $? 1
	expect famfs-nd-unaffected "nd still resolves" "$(tagdax resolve "$U_A")" "/dev/$DAX_A"
}

# Item 5: a soft-reserved range (memmap=...+0xefffffff) as a dax_hmem device.
hmem_table() {
	local d hm=
	for d in /sys/bus/dax/devices/*; do
		case "$(readlink "$d")" in *platform/hmem*) hm=${d##*/} ;; esac
	done
	[ -n "$hm" ] || { fail hmem-device "no dax_hmem device from memmap="; return 1; }
	pass hmem-device
	echo "$U_H /dev/$hm" >> /etc/tagdax/tags.conf
	expect hmem-resolve "resolve through the table" "$(tagdax resolve "$U_H")" "/dev/$hm"
	out=$(tdx-dax map "$U_H")
	case "$out" in
	*"size $(attr dax/devices/$hm/size) "*"aligned 1") pass hmem-map ;;
	*) fail hmem-map "tdx-dax map: $out" ;;
	esac
	tdx-map write "$U_H" 1M hmem-bytes
	expect hmem-bytes "read back" "$(tdx-map read "$U_H" 1M 32)" hmem-bytes
}

# Item 6: what the real kernel leaves untagged or half there.
untagged() {
	local io
	io=$(ndctl list -N | jq -r '.[]? // . | select(.mode == "raw" and (has("uuid") | not)) | .dev' | head -n1)
	if [ -z "$io" ]; then
		fail no-uuid "no label-less namespace"
	else
		tagdax -v list --json > /tmp/list.json 2> /tmp/list.err
		if grep -q "nd: $io: no tag" /tmp/list.err &&
		   ! jq -e ".[]? | select(.devname == \"$io\")" /tmp/list.json > /dev/null; then
			pass no-uuid
		else
			fail no-uuid "$io: listed, or no debug line saying why not"
		fi
	fi

	# teardown while wait runs: wait for C, destroy B, then make C
	tagdax wait "$U_C" --timeout 120 > /tmp/wait-c.out 2>&1 &
	WAITPID=$!
	ndctl destroy-namespace -f "$NS_B" > /dev/null 2>&1 || fail teardown "destroy-namespace $NS_B"
	tagdax resolve "$U_B" > /dev/null 2>&1
	expect teardown-gone "resolve of a destroyed namespace (exit)" $? 1
	kill -0 $WAITPID 2>/dev/null || fail teardown-wait "wait ended during teardown: $(cat /tmp/wait-c.out)"
	ndctl create-namespace -r "$REGION" -m devdax -u "$U_C" -s 64M > /tmp/ns-c.json ||
		fail teardown "create C"
	DAX_C=$(jq -r '.daxregion.devices[0].chardev' /tmp/ns-c.json)
	wait $WAITPID
	expect teardown-wait "wait for C across a teardown (rc, output)" \
		"$? $(cat /tmp/wait-c.out)" "0 /dev/$DAX_C"

	# a device with no driver bound is not there to map
	daxctl disable-device "$DAX_C" > /dev/null 2>&1 || fail unbound "daxctl disable-device"
	tagdax resolve "$U_C" > /dev/null 2>&1
	expect unbound "resolve of a devdax device with no driver (exit)" $? 1
	daxctl enable-device "$DAX_C" > /dev/null 2>&1
	expect unbound-rebound "resolve after enable-device" "$(tagdax resolve "$U_C")" "/dev/$DAX_C"

	# system-ram: memory online as RAM has no node to map
	if ! daxctl reconfigure-device -m system-ram "$DAX_A" > /tmp/kmem.out 2>&1; then
		fail system-ram "daxctl reconfigure-device: $(cat /tmp/kmem.out)"
		return 1
	fi
	expect system-ram-mode "resolve --json mode" "$(tagdax resolve --json "$U_A" | jq -r .mode)" kmem
	tdx-dax map "$U_A" > /dev/null 2>&1
	expect system-ram-map "tagdax_map of kmem memory (tdx-dax exit)" $? 3
}

setup || exit 1
udev_and_wait
nd_devdax
map_devdax
famfs_devdax
nd_fsdax
hmem_table
untagged
say "checks-done"
