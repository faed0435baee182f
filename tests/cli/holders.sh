#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Holders of fabric capacity: a program `tagdax exec` runs (and every child
# it forks) holds the device until the last of them exits, so a release waits
# for it and the next owner's bytes never land under it; a forced release
# ends it; a forced release revokes its holders and nobody else, even while
# another process churns files (recycling inode numbers) next to the device.
# shellcheck source=tests/cli/lib.sh
. "$TESTLIB"
# shellcheck source=tests/cli/fabric-lib.sh
. "$(dirname "$0")/fabric-lib.sh"

BG=()
trap 'kill "${BG[@]}" 2>/dev/null; cleanup' EXIT
fabric_up
TAG=3e1d9c5a-7b2f-4a60-8c1e-5d4f3a2b1c0e
NEXT=9b8a7c6d-5e4f-4321-8fed-cba987654321

# The issue's repro: a program writes to its device 1.5 s after it started.
# A release from A must wait for it (it holds the device), so the write lands
# before B is given the blocks and B's bytes stay B's.
expect_rc 0 "$TAGDAX" fabric add --dir "$D" --host A --size 24M --region 1 --tag "$TAG"
as_host A "$TAGDAX" exec --tag "$TAG" -- sh -c \
	'echo "${TAGDAX_LOCK_FD:-none}" > "$0"; exec 3<>"$TAGDAX_PATH"; sleep 1.5
	 printf X | dd of=/dev/fd/3 bs=1 seek="$TAGDAX_OFFSET" conv=notrunc status=none' \
	"$T/.lockfd" &
PROG=$!
for _ in $(seq 100); do [ -s "$T/.lockfd" ] && break; sleep 0.05; done
START=$(date +%s.%N)
expect_rc 0 "$TAGDAX" fabric release --dir "$D" --host A --tag "$TAG" --timeout 30
kill -0 "$PROG" 2>/dev/null && fail "the release returned while the exec'd program ran"
wait "$PROG" || fail "the exec'd program failed"
awk -v s="$START" -v e="$(date +%s.%N)" 'BEGIN { exit !(e - s >= 0.5) }' ||
	fail "the release did not wait for the program"
[ "$(cat "$T/.lockfd")" -ge 3 ] || fail "exec exported no TAGDAX_LOCK_FD"
expect_rc 0 "$TAGDAX" fabric add --dir "$D" --host B --size 24M --region 1 --tag "$NEXT"
expect_rc 0 "$TAGDAX" fabric write --dir "$D" --host B --tag "$NEXT" --offset 0 "BBBB"
sleep 2 # an old program's write would have landed by now
expect_rc 0 "$TAGDAX" fabric read --dir "$D" --host B --tag "$NEXT" --offset 0
[ "$OUT" = BBBB ] || fail "B's bytes were changed under it: '$OUT'"
expect_rc 0 "$TAGDAX" fabric release --dir "$D" --host B --tag "$NEXT" --timeout 30

# A child the program forked holds the device after the program exited; the
# release proceeds once the child is gone.
expect_rc 0 "$TAGDAX" fabric add --dir "$D" --host A --size 2M --tag "$TAG"
expect_rc 0 as_host A "$TAGDAX" exec --tag "$TAG" -- sh -c \
	'sleep 60 </dev/null >/dev/null 2>&1 & echo $!'
CHILD=$OUT
expect_rc 1 "$TAGDAX" fabric release --dir "$D" --host A --tag "$TAG" --timeout 0.5
contains "$ERR" "pending"
expect_rc 0 as_host A "$TAGDAX" resolve "$TAG"
# While the release waits for the holders it has, no new one joins (a
# stream of new holders would starve it): exec and a mapper refuse, and say why.
expect_rc 1 as_host A "$TAGDAX" exec --tag "$TAG" -- true
contains "$ERR" "is being released"
expect_rc 1 "$TAGDAX" fabric read --dir "$D" --host A --tag "$TAG"
contains "$ERR" "is being released"
kill "$CHILD"
wait_gone A "$TAG"

# A forced release ends the program (SIGBUS, SIGKILL if it ignores that).
expect_rc 0 "$TAGDAX" fabric add --dir "$D" --host A --size 2M --tag "$TAG"
as_host A "$TAGDAX" exec --tag "$TAG" -- sh -c 'trap "" BUS; echo up; sleep 60' > "$T/.prog" &
PROG=$!
for _ in $(seq 100); do [ -s "$T/.prog" ] && break; sleep 0.05; done
expect_rc 0 "$TAGDAX" fabric release --dir "$D" --host A --tag "$TAG" --forced
for _ in $(seq 100); do kill -0 "$PROG" 2>/dev/null || break; sleep 0.05; done
kill -0 "$PROG" 2>/dev/null && fail "a forced release left the exec'd program running"
wait "$PROG"
rc=$?
[ "$rc" -gt 128 ] || fail "the exec'd program exited $rc, not by a signal"

# While the device is being taken away exec refuses, and says why.
expect_rc 0 "$TAGDAX" fabric add --dir "$D" --host A --size 2M --tag "$TAG"
DESC=$(grep -l "$TAG" "$D"/hosts/A/devices/dax*)
python3 - "$DESC" > "$T/.excl" <<'PY' &
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDONLY)
fcntl.flock(fd, fcntl.LOCK_EX)          # what the agent holds while releasing
print("locked", flush=True)
time.sleep(60)
PY
EXCL=$!
for _ in $(seq 100); do [ -s "$T/.excl" ] && break; sleep 0.05; done
expect_rc 1 as_host A "$TAGDAX" exec --tag "$TAG" -- true
contains "$ERR" "is being released"
kill "$EXCL"; wait "$EXCL" 2>/dev/null
expect_rc 0 "$TAGDAX" fabric release --dir "$D" --host A --tag "$TAG" --forced

# Forced releases revoke the holders and nobody else: a process creating and
# deleting files next to the descriptors (so the file system hands the freed
# descriptor inode numbers to its files) survives many of them.
python3 - "$D/hosts/A" > "$T/.churn" <<'PY' &
import os, sys
d = sys.argv[1]
print("churning", flush=True)
fds, i = [], 0
while True:
    p = os.path.join(d, ".churn.%d" % (i % 64))
    fds.append(os.open(p, os.O_CREAT | os.O_RDWR | os.O_TRUNC, 0o600))
    os.unlink(p)
    if len(fds) > 8:
        os.close(fds.pop(0))
    i += 1
PY
CHURN=$!
BG+=("$CHURN")
# ...and one that keeps reading the descriptors, as resolve does: reading a
# descriptor is not holding the device.
python3 - "$D/hosts/A/devices" > "$T/.reader" <<'PY' &
import os, sys, time
d = sys.argv[1]
print("reading", flush=True)
while True:
    for name in os.listdir(d):
        try:
            with open(os.path.join(d, name)) as f:
                f.read()
                time.sleep(0.01)
        except OSError:
            pass
PY
READER=$!
BG+=("$READER")
HOLDERS=()
LOGGED=$(wc -l < "$D/hosts/A/agent.log")
for _ in $(seq 100); do [ -s "$T/.churn" ] && [ -s "$T/.reader" ] && break; sleep 0.05; done
for i in $(seq 50); do
	expect_rc 0 "$TAGDAX" fabric add --dir "$D" --host A --size 2M --tag "$TAG"
	# every fifth time with a holder, so the agent looks for holders
	if [ $((i % 5)) = 0 ]; then
		TAGDAX_FABRIC=$D TAGDAX_HOST=A "$TAGDAX" exec --tag "$TAG" -- \
			sh -c 'echo up; exec sleep 60' > "$T/.prog" &
		PROG=$!
		HOLDERS+=("$PROG")
		for _ in $(seq 100); do [ -s "$T/.prog" ] && break; sleep 0.05; done
	fi
	expect_rc 0 "$TAGDAX" fabric release --dir "$D" --host A --tag "$TAG" --forced
	if [ $((i % 5)) = 0 ]; then
		wait "$PROG"; rc=$?
		[ "$rc" -gt 128 ] || fail "the holder exited $rc, not by a signal"
		: > "$T/.prog"
	fi
	kill -0 "$CHURN" 2>/dev/null && kill -0 "$READER" 2>/dev/null || break
done
kill -0 "$CHURN" 2>/dev/null || { wait "$CHURN"; fail "the churning process died ($?) after $i forced releases"; }
kill -0 "$READER" 2>/dev/null || { wait "$READER"; fail "the reading process died ($?) after $i forced releases"; }
kill "$CHURN" "$READER"; wait "$CHURN" "$READER" 2>/dev/null
printf 'SIGBUS to pid %s$\n' "${HOLDERS[@]}" > "$T/.allowed"
SIGNALLED=$(tail -n +$((LOGGED + 1)) "$D/hosts/A/agent.log" | grep "revoked access" |
	    grep -v -f "$T/.allowed")
[ -z "$SIGNALLED" ] || fail "forced releases signalled non-holders: $SIGNALLED"
echo ok
