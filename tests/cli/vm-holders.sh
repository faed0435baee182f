#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A QEMU given fabric capacity holds it, host side (QEMU runs with -S: it
# maps its memory but never runs a guest, so it never consents to an
# unplug; tests/cli/vm.sh boots guests).  Cold plug (`vm args`) and hot plug
# (`vm attach`): a plain release waits for the VM (and the next host gets
# other blocks meanwhile); once the VM is gone the release proceeds; a QEMU
# started from `vm args` output after the release cannot start; a forced
# release takes the capacity from the VM (here by the last resort, SIGKILL,
# as the guest never lets go) before the release returns.  And the ROM files:
# a directory of their own per call, created exclusively, so planted
# symlinks and a second call for the same tag change nothing.
# shellcheck source=tests/cli/lib.sh
. "$TESTLIB"
# shellcheck source=tests/cli/fabric-lib.sh
. "$(dirname "$0")/fabric-lib.sh"

QEMU=${VM_QEMU:-qemu-system-x86_64}
command -v "$QEMU" >/dev/null || fail "$QEMU is not installed (scripts/deps installs it)"
QEMU_PIDS=()
stop_qemus() { for p in "${QEMU_PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done; }
trap 'stop_qemus; cleanup' EXIT

TAG=3e1d9c5a-7b2f-4a60-8c1e-5d4f3a2b1c0e
NEXT=9b8a7c6d-5e4f-4321-8fed-cba987654321
fabric_up

# qemu NAME ARGS...: a paused q35 QEMU in the background, its pid in $QPID.
qemu() {
	local name=$1; shift
	"$QEMU" -M q35 -S -nodefaults -display none -m 64 "$@" > "$T/$name.qemu" 2>&1 &
	QPID=$!
	QEMU_PIDS+=("$QPID")
}
# maps_backing PID: the QEMU maps the region's backing file.
maps_backing() { grep -q "$(readlink -f "$D/hosts/A/dev/dax1.0")" "/proc/$1/maps" 2>/dev/null; }
wait_maps() {
	for _ in $(seq 200); do maps_backing "$1" && return 0; sleep 0.05; done
	fail "QEMU does not map the capacity: $(cat "$T/$2.qemu")"
}
# a_keeps: while A's capacity is held, B gets other blocks, and what B
# writes does not reach A's bytes (the VM's memory).
a_keeps() {
	expect_rc 0 "$TAGDAX" fabric add --dir "$D" --host B --size 24M --region 1 --tag "$NEXT"
	expect_rc 0 "$TAGDAX" fabric write --dir "$D" --host B --tag "$NEXT" --offset 0 "B-bytes"
	# read where the VM's memory is, without a hold: while A's release waits,
	# new holders (fabric read) are refused
	local desc path off
	desc=$(grep -l "^tag $TAG" "$D"/hosts/A/devices/dax*)
	path=$(sed -n 's/^path //p' "$desc")
	off=$(sed -n 's/^segment \([0-9]*\) .*/\1/p' "$desc" | head -1)
	OUT=$(dd if="$path" bs=1 skip="$off" count=7 status=none)
	[ "$OUT" = "A-bytes" ] || fail "the VM's memory now reads '$OUT'"
	expect_rc 0 "$TAGDAX" fabric release --dir "$D" --host B --tag "$NEXT"
}
give_a() {
	expect_rc 0 "$TAGDAX" fabric add --dir "$D" --host A --size 24M --region 1 --tag "$TAG"
	expect_rc 0 "$TAGDAX" fabric write --dir "$D" --host A --tag "$TAG" --offset 0 "A-bytes"
}

# Cold plug, plain release: it waits while QEMU runs, then proceeds.
give_a
expect_rc 0 as_host A "$TAGDAX" vm args "$TAG"
ARGS=$OUT
contains "$ARGS" "-pidfile $D/hosts/A/holders/vm."
contains "$ARGS" ",bus=tagdax-cport-$TAG.0,"
# shellcheck disable=SC2086 # the options are words by design
qemu cold $ARGS
wait_maps "$QPID" cold
expect_rc 1 "$TAGDAX" fabric release --dir "$D" --host A --tag "$TAG" --timeout 1
contains "$ERR" "pending"
expect_rc 0 as_host A "$TAGDAX" resolve "$TAG"
a_keeps
kill "$QPID"; wait "$QPID" 2>/dev/null
wait_gone A "$TAG"

# libvirt keeps its own pidfile: there the record's QMP socket tells that
# the VM runs.
give_a
expect_rc 0 as_host A "$TAGDAX" vm args --libvirt "$TAG"
not_contains "$OUT" "-pidfile"
mapfile -t LIBVIRT_ARGS < <(sed -n "s/^ *<qemu:arg value='\(.*\)'\/>$/\1/p" <<<"$OUT")
contains "${LIBVIRT_ARGS[*]}" "-qmp unix:$D/hosts/A/holders/vm."
qemu libvirt "${LIBVIRT_ARGS[@]}"
wait_maps "$QPID" libvirt
expect_rc 1 "$TAGDAX" fabric release --dir "$D" --host A --tag "$TAG" --timeout 1
contains "$ERR" "pending"
kill "$QPID"; wait "$QPID" 2>/dev/null
wait_gone A "$TAG"

# A QEMU started from `vm args` output after the release cannot start, even
# once the device's name is given to new capacity.
give_a
expect_rc 0 as_host A "$TAGDAX" vm args "$TAG"
ARGS=$OUT
expect_rc 0 "$TAGDAX" fabric release --dir "$D" --host A --tag "$TAG" --timeout 10
give_a
# shellcheck disable=SC2086
qemu late $ARGS
wait "$QPID" && fail "a QEMU started from released capacity's options ran"
contains "$(cat "$T/late.qemu")" "PID file"

# Cold plug, forced release: the VM never lets go, so it is killed, and the
# release returns only once it is gone.
expect_rc 0 as_host A "$TAGDAX" vm args "$TAG"
# shellcheck disable=SC2086
qemu forced $OUT
wait_maps "$QPID" forced
expect_rc 0 "$TAGDAX" fabric release --dir "$D" --host A --tag "$TAG" --forced
maps_backing "$QPID" && fail "QEMU still maps the capacity after a forced release"
wait "$QPID"; rc=$?
[ "$rc" = 137 ] || fail "QEMU exited $rc, not by SIGKILL"
contains "$(cat "$D/hosts/A/agent.log")" "SIGKILL to VM pid $QPID"
[ -z "$(ls "$D/hosts/A/holders")" ] || fail "holder records left: $(ls "$D/hosts/A/holders")"

# Hot plug: the same for `vm attach`.
PORTS=(-device pcie-root-port,id=p0,chassis=1,slot=0 -device pcie-root-port,id=p1,chassis=2,slot=0)
give_a
qemu hot "${PORTS[@]}" -qmp "unix:$T/hot.qmp,server=on,wait=off"
for _ in $(seq 100); do [ -S "$T/hot.qmp" ] && break; sleep 0.05; done
expect_rc 0 as_host A "$TAGDAX" vm attach --qmp "$T/hot.qmp" "$TAG"
wait_maps "$QPID" hot
expect_rc 1 "$TAGDAX" fabric release --dir "$D" --host A --tag "$TAG" --timeout 1
contains "$ERR" "pending"
a_keeps
kill "$QPID"; wait "$QPID" 2>/dev/null
wait_gone A "$TAG"

# A recycled pid is not a holder: a record names its process by start time.
give_a
sleep 60 &
SLEEPER=$!
mkdir "$D/hosts/A/holders/vm.recycled"
printf 'pid %d 1\ndevice dax1.0 %s\n' "$SLEEPER" "$TAG" > "$D/hosts/A/holders/vm.recycled/holds"
expect_rc 0 "$TAGDAX" fabric release --dir "$D" --host A --tag "$TAG" --timeout 10
kill "$SLEEPER"
[ ! -e "$D/hosts/A/holders/vm.recycled" ] || fail "the dead record was kept"

# Hot plug, forced release: killed, as the paused guest never lets go.
give_a
qemu hot2 "${PORTS[@]}" -qmp "unix:$T/hot2.qmp,server=on,wait=off"
for _ in $(seq 100); do [ -S "$T/hot2.qmp" ] && break; sleep 0.05; done
expect_rc 0 as_host A "$TAGDAX" vm attach --qmp "$T/hot2.qmp" "$TAG"
wait_maps "$QPID" hot2
expect_rc 0 "$TAGDAX" fabric release --dir "$D" --host A --tag "$TAG" --forced
wait "$QPID"; rc=$?
[ "$rc" = 137 ] || fail "QEMU exited $rc, not by SIGKILL"
contains "$(cat "$D/hosts/A/agent.log")" "SIGKILL to VM pid $QPID"

# ROM files: planted links at the names a call used to write (and a planted
# run directory) change nothing; two calls for one tag never share a file.
T_TABLE=5be13bce-1d7a-4c1e-9b2f-3f6c2a1d0e55
truncate -s 8M "$T/mem"
echo "$T_TABLE $T/mem 0 4M" > "$TAGDAX_CONFIG"
RUN=$T/run
mkdir -p "$RUN/vm"
echo precious > "$T/victim"
ln -s "$T/victim" "$RUN/vm/$T_TABLE.0.rom.tmp"
ln -s "$T/victim" "$RUN/vm/$T_TABLE.0.rom"
expect_rc 0 env TAGDAX_RUN_DIR="$RUN" "$TAGDAX" vm args "$T_TABLE"
[ "$(cat "$T/victim")" = precious ] || fail "vm args wrote through a planted link"
ROM1=$(sed -n 's/.*romfile=\([^,]*\).*/\1/p' <<<"$OUT")
[ -f "$ROM1" ] && [ ! -L "$ROM1" ] || fail "no ROM file of its own: $OUT"
SUM1=$(md5sum < "$ROM1")
expect_rc 0 env TAGDAX_RUN_DIR="$RUN" "$TAGDAX" vm args "$T_TABLE"
ROM2=$(sed -n 's/.*romfile=\([^,]*\).*/\1/p' <<<"$OUT")
[ "$ROM1" != "$ROM2" ] || fail "two calls share the ROM file $ROM1"
[ "$(md5sum < "$ROM1")" = "$SUM1" ] || fail "the second call changed the first's ROM"
mkdir -p "$T/elsewhere" "$T/run2"
ln -s "$T/elsewhere" "$T/run2/vm"
expect_rc 5 env TAGDAX_RUN_DIR="$T/run2" "$TAGDAX" vm args "$T_TABLE"
contains "$ERR" "Not a directory"
[ -z "$(ls "$T/elsewhere")" ] || fail "vm args wrote into a planted run directory"
echo ok
