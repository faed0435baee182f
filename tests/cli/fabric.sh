#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The emulated fabric end to end, two hosts: up, add, share, the same bytes
# through both hosts' devices, a release that waits while the device is
# mapped, a forced release that faults the mapper, multi-extent groups (and
# exec, which gives one piece only), isolation between hosts, down.
# shellcheck source=tests/cli/lib.sh
. "$TESTLIB"
# shellcheck source=tests/cli/fabric-lib.sh
. "$(dirname "$0")/fabric-lib.sh"

fabric_up

# A second `up` on a running fabric: it is already so (exit 7).
expect_rc 7 "$TAGDAX" fabric up --dir "$D"
contains "$ERR" "already running"

# Sharable capacity for A: a tag is made up, A resolves it, B does not.
expect_rc 0 "$TAGDAX" fabric add --dir "$D" --host A --size 24M
TAG=$OUT
expect_rc 0 as_host A "$TAGDAX" resolve "$TAG"
PATH_A=$OUT
[ "$PATH_A" = "$D/hosts/A/dev/dax0.0" ] || fail "A's device is $PATH_A"
expect_rc 1 as_host B "$TAGDAX" resolve "$TAG"

# Private capacity for B (region 1): B has it, A does not.
PRIV=5be13bce-1d7a-4c1e-9b2f-3f6c2a1d0e55
expect_rc 0 "$TAGDAX" fabric add --dir "$D" --host B --size 4M --region 1 --tag "$PRIV"
[ "$OUT" = "$PRIV" ] || fail "add printed '$OUT'"
expect_rc 0 as_host B "$TAGDAX" resolve "$PRIV"
expect_rc 1 as_host A "$TAGDAX" resolve "$PRIV"

# Shared with B: B numbers its own devices, so the path differs.
expect_rc 0 "$TAGDAX" fabric share --dir "$D" --host B --tag "$TAG"
expect_rc 0 as_host B "$TAGDAX" resolve --json "$TAG"
contains "$OUT" '"provider": "emu"'
contains "$OUT" '"sharable"'
contains "$OUT" '"size": 25165824'
expect_rc 0 as_host B "$TAGDAX" resolve "$TAG"
PATH_B=$OUT
[ "$PATH_B" = "$D/hosts/B/dev/dax0.0" ] || fail "B's shared device is $PATH_B"
[ "$PATH_A" != "$PATH_B" ] || fail "both hosts show $PATH_A"

# The same bytes: written through A's mapping, read through B's.
expect_rc 0 "$TAGDAX" fabric write --dir "$D" --host A --tag "$TAG" --offset 1M "hello from A"
expect_rc 0 "$TAGDAX" fabric read --dir "$D" --host B --tag "$TAG" --offset 1M
[ "$OUT" = "hello from A" ] || fail "B read '$OUT'"

# Each host lists exactly what it was granted.
expect_rc 0 as_host A "$TAGDAX" list
[ "$(grep -c ' emu ' <<<"$OUT")" = 1 ] || fail "A lists: $OUT"
expect_rc 0 as_host B "$TAGDAX" list
[ "$(grep -c ' emu ' <<<"$OUT")" = 2 ] || fail "B lists: $OUT"
expect_rc 0 "$TAGDAX" fabric list --dir "$D"
contains "$OUT" "$TAG  0      24M      1       A,B"
contains "$OUT" "$PRIV  1      4M       1       B"
# TAGDAX_FABRIC names the fabric when --dir is not given; --dir wins over it
LISTED=$OUT
expect_rc 0 env TAGDAX_FABRIC="$D" "$TAGDAX" fabric list
[ "$OUT" = "$LISTED" ] || fail "fabric list with TAGDAX_FABRIC: $OUT"
expect_rc 0 env TAGDAX_FABRIC="$D" "$TAGDAX" fabric read --host B --tag "$TAG" --offset 1M
expect_rc 0 env TAGDAX_FABRIC="$T/nowhere" "$TAGDAX" fabric list --dir "$D"
[ "$OUT" = "$LISTED" ] || fail "--dir did not win over TAGDAX_FABRIC: $OUT"
expect_rc 2 env -u TAGDAX_FABRIC "$TAGDAX" fabric list
# half of a host's environment: not found, and the reason
expect_rc 1 env -u TAGDAX_HOST TAGDAX_FABRIC="$D" "$TAGDAX" vm args "$TAG"
contains "$ERR" "TAGDAX_FABRIC is set but TAGDAX_HOST is not"

# Binary data: every byte value from stdin, read back raw with --length;
# data that does not fit is refused whole, and nothing is written.
python3 -c 'import sys; sys.stdout.buffer.write(bytes(range(256)) * 3)' > "$T/bin"
"$TAGDAX" fabric write --dir "$D" --host A --tag "$TAG" --offset 4096 - < "$T/bin" > "$T/.out" ||
	fail "binary write from stdin failed"
contains "$(cat "$T/.out")" "wrote 768 bytes"
"$TAGDAX" fabric read --dir "$D" --host B --tag "$TAG" --offset 4096 --length 768 > "$T/back" ||
	fail "raw read failed"
cmp "$T/bin" "$T/back" || fail "binary data did not round-trip"
expect_rc 2 "$TAGDAX" fabric read --dir "$D" --host B --tag "$TAG" --offset 4096 --length 24M
contains "$ERR" "do not fit"
END=$((24 * 1048576 - 512))
"$TAGDAX" fabric write --dir "$D" --host A --tag "$TAG" --offset $END - < "$T/bin" 2> "$T/.err" &&
	fail "a write past the end was taken"
contains "$(cat "$T/.err")" "nothing was written"
"$TAGDAX" fabric read --dir "$D" --host A --tag "$TAG" --offset $END --length 512 > "$T/end"
cmp -s "$T/end" <(head -c 512 /dev/zero) || fail "a refused write changed the device's last bytes"

# A multi-extent group (prescriptive, two pieces apart): one device, laid
# out in order; a string across the seam reads back through the other host.
MULTI=0e6e1b4a-98c3-4d7e-b2a5-0c1f2d3e4f50
expect_rc 0 "$TAGDAX" fabric add --dir "$D" --host A --policy prescriptive \
	--extent 100M:2M --extent 200M:4M --tag "$MULTI"
expect_rc 0 as_host A "$TAGDAX" resolve --json "$MULTI"
contains "$OUT" '"size": 6291456'
contains "$OUT" '"start": 209715200'
expect_rc 0 "$TAGDAX" fabric share --dir "$D" --host B --tag "$MULTI"
expect_rc 0 "$TAGDAX" fabric write --dir "$D" --host B --tag "$MULTI" --offset 2097146 \
	"across the seam"
expect_rc 0 "$TAGDAX" fabric read --dir "$D" --host A --tag "$MULTI" --offset 2097146
[ "$OUT" = "across the seam" ] || fail "A read '$OUT' across the seam"

# exec describes one piece of memory: two pieces apart are refused (half of
# the device must not pass for the whole)...
expect_rc 5 as_host A "$TAGDAX" exec --tag "$MULTI" -- true
contains "$ERR" "$MULTI is made of 2 pieces; map it with tagdax_map() or \`tagdax fabric read/write\`"
# ...pieces that continue one another in the file are one...
ADJ=3f1e2d3c-4b5a-4697-8a7b-6c5d4e3f2a10
expect_rc 0 "$TAGDAX" fabric add --dir "$D" --host A --policy prescriptive \
	--extent 300M:2M --extent 302M:4M --tag "$ADJ"
[ "$(grep -c '^segment' "$(grep -l "$ADJ" "$D"/hosts/A/devices/dax*)")" = 2 ] ||
	fail "expected a descriptor with two segments for $ADJ"
expect_rc 0 as_host A "$TAGDAX" exec --tag "$ADJ" -- sh -c 'echo "$TAGDAX_PATH $TAGDAX_OFFSET $TAGDAX_SIZE"'
[ "${OUT#* }" = "$((300 << 20)) $((6 << 20))" ] || fail "exec gave $ADJ as '$OUT'"
# ...and a one-piece device is its file, offset and size.
expect_rc 0 as_host A "$TAGDAX" exec --tag "$TAG" -- sh -c 'echo "$TAGDAX_PATH $TAGDAX_SIZE"'
[ "$OUT" = "$PATH_A $((24 << 20))" ] || fail "exec gave $TAG as '$OUT'"

# Release from A while A maps it: the release waits...
hold A "$TAG"
expect_rc 1 "$TAGDAX" fabric release --dir "$D" --host A --tag "$TAG" --timeout 0.5
contains "$ERR" "pending"
expect_rc 0 as_host A "$TAGDAX" resolve "$TAG"
# ...and proceeds once nothing maps it.
kill "$HOLDER"; wait "$HOLDER" 2>/dev/null
wait_gone A "$TAG"
expect_rc 0 "$TAGDAX" fabric list --dir "$D"
contains "$OUT" "$TAG  0      24M      1       B"
# B still has the bytes: released sharable capacity lives on for its last host.
expect_rc 0 "$TAGDAX" fabric read --dir "$D" --host B --tag "$TAG" --offset 1M
[ "$OUT" = "hello from A" ] || fail "B read '$OUT' after A released"

# A forced release does not wait: the mapper on B faults (SIGBUS).
hold B "$TAG"
expect_rc 0 "$TAGDAX" fabric release --dir "$D" --host B --tag "$TAG" --forced
contains "$OUT" "released $TAG (forced)"
wait "$HOLDER" 2>/dev/null; rc=$?
died_of_sigbus "$rc" || fail "the mapper exited $rc, not by SIGBUS: $(cat "$T/.hold")"
expect_rc 1 as_host B "$TAGDAX" resolve "$TAG"
expect_rc 0 "$TAGDAX" fabric list --dir "$D"
not_contains "$OUT" "$TAG"
contains "$(cat "$D/hosts/B/agent.log")" "SIGBUS to pid $HOLDER"

# Ignoring SIGBUS keeps nothing: a holder that ignores it, and a child that
# inherited its descriptor (which /proc/locks does not name), are both ended.
T2=$("$TAGDAX" fabric add --dir "$D" --host B --size 2M) || fail "add for B"
expect_rc 0 as_host B "$TAGDAX" resolve --json "$T2"
DESC=$D/hosts/B/devices/$(jq -r .devname <<<"$OUT")
python3 - "$DESC" > "$T/.pids" <<'PY' &
import fcntl, os, signal, sys, time
signal.signal(signal.SIGBUS, signal.SIG_IGN)
fd = os.open(sys.argv[1], os.O_RDONLY)
fcntl.flock(fd, fcntl.LOCK_SH)          # what tagdax_map holds while mapped
child = os.fork()
if child == 0:
    time.sleep(60)
    os._exit(0)
print(os.getpid(), child, flush=True)
time.sleep(60)
PY
for _ in $(seq 50); do [ -s "$T/.pids" ] && break; sleep 0.1; done
read -r P1 P2 < "$T/.pids" || fail "the holder did not start"
expect_rc 0 "$TAGDAX" fabric release --dir "$D" --host B --tag "$T2" --forced
for _ in $(seq 30); do kill -0 "$P1" 2>/dev/null || kill -0 "$P2" 2>/dev/null || break; sleep 0.1; done
! kill -0 "$P1" 2>/dev/null || fail "a holder that ignores SIGBUS kept the device"
! kill -0 "$P2" 2>/dev/null || fail "a forked child kept the device"
contains "$(cat "$D/hosts/B/agent.log")" "SIGKILL to pid"

# Private capacity without --tag gets a tag made up, and the host resolves it.
expect_rc 0 "$TAGDAX" fabric add --dir "$D" --host A --size 2M --region 1
MADE=$OUT
[ "$MADE" != 00000000-0000-0000-0000-000000000000 ] || fail "add without --tag printed the null tag"
expect_rc 0 as_host A "$TAGDAX" resolve "$MADE"
expect_rc 0 "$TAGDAX" fabric release --dir "$D" --host A --tag "$MADE"

# Untagged private capacity (an explicit null tag) is accepted but never
# resolvable: add waits only for the host to accept it.
expect_rc 0 "$TAGDAX" fabric add --dir "$D" --host A --size 2M --region 1 \
	--tag 00000000-0000-0000-0000-000000000000
[ "$OUT" = 00000000-0000-0000-0000-000000000000 ] || fail "untagged add printed '$OUT'"
expect_rc 0 "$TAGDAX" fabric list --dir "$D"
contains "$OUT" "(untagged)                            1      2M       1       A"

# Partial releases (prescriptive): the host gives back the named range and
# keeps a device with the rest, forced or not.
PART=7c0ffee0-1111-4222-8333-944455556666
expect_rc 0 "$TAGDAX" fabric add --dir "$D" --host B --policy prescriptive \
	--extent 1500M:6M --tag "$PART"
expect_rc 0 "$TAGDAX" fabric release --dir "$D" --host B --tag "$PART" --extent 1500M:2M
expect_rc 0 as_host B "$TAGDAX" resolve --json "$PART"
contains "$OUT" '"size": 4194304'
contains "$OUT" '"start": 1574961152'
expect_rc 0 "$TAGDAX" fabric release --dir "$D" --host B --tag "$PART" --extent 1502M:2M --forced
expect_rc 0 as_host B "$TAGDAX" resolve --json "$PART"
contains "$OUT" '"size": 2097152'
contains "$OUT" '"start": 1577058304'
expect_rc 0 "$TAGDAX" fabric release --dir "$D" --host B --tag "$PART"
expect_rc 1 as_host B "$TAGDAX" resolve "$PART"

# down stops everything, keeps the state.
expect_rc 0 "$TAGDAX" fabric down --dir "$D"
contains "$OUT" "stopped the fabric"
if [ -e "$D/fm.sock" ] || [ -e "$D/hosts/A/mbox.sock" ]; then fail "sockets left behind"; fi
[ -d "$D/state" ] || fail "down removed the state"
# again: nothing to do, it is already so (7), and the state is still there
expect_rc 7 "$TAGDAX" fabric down --dir "$D"
contains "$OUT" "no fabric was running"
[ -d "$D/state" ] || fail "a second down removed the state"
expect_rc 1 "$TAGDAX" fabric list --dir "$D"
contains "$ERR" "not running"
echo "fabric: ok"
