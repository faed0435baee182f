#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Crashes: SIGKILL the daemon and every agent in the middle of things, start
# again with `up`, and find the state, the devices (same names) and the data
# as they were - including a release that was waiting for a mapper, and a
# burst of adds cut short.
# shellcheck source=tests/cli/lib.sh
. "$TESTLIB"
# shellcheck source=tests/cli/fabric-lib.sh
. "$(dirname "$0")/fabric-lib.sh"

kill_all() {
	local pids
	pids="$(cat "$D/fabricd.pid" "$D"/hosts/*/agent.pid 2>/dev/null)"
	[ -n "$pids" ] || fail "no fabric processes to kill"
	# shellcheck disable=SC2086 # one pid per word
	kill -KILL $pids
	for _ in $(seq 100); do
		# shellcheck disable=SC2086
		kill -0 $pids 2>/dev/null || break
		sleep 0.05
	done
}

# tags_of_host NAME: the tags the fabric says NAME holds, and those NAME
# can see, must be the same sets.
consistent() {
	local fm dev
	fm=$("$TAGDAX" fabric list --dir "$D" | awk -v h="$1" \
		'$1 ~ /-/ && ("," $NF ",") ~ ("," h ",") {print $1}' | sort)
	dev=$(as_host "$1" "$TAGDAX" list | awk '$2 == "emu" {print $1}' | sort)
	[ "$fm" = "$dev" ] || fail "host $1: fabric says {$fm}, the host sees {$dev}"
	COUNT=$(grep -c . <<<"$dev")
}

fabric_up
expect_rc 0 "$TAGDAX" fabric add --dir "$D" --host A --size 8M
TAG=$OUT
expect_rc 0 "$TAGDAX" fabric share --dir "$D" --host B --tag "$TAG"
expect_rc 0 "$TAGDAX" fabric write --dir "$D" --host A --tag "$TAG" "durable bytes"
PRIV=0e6e1b4a-98c3-4d7e-b2a5-0c1f2d3e4f50
expect_rc 0 "$TAGDAX" fabric add --dir "$D" --host B --size 4M --region 1 --tag "$PRIV"
expect_rc 0 "$TAGDAX" fabric add --dir "$D" --host B --size 2M --region 1 \
	--tag 00000000-0000-0000-0000-000000000000
expect_rc 0 as_host B "$TAGDAX" resolve "$TAG"
PATH_B=$OUT

# A release that waits: A maps the device when everything dies.
hold A "$TAG"
expect_rc 1 "$TAGDAX" fabric release --dir "$D" --host A --tag "$TAG" --timeout 0.3
expect_rc 0 "$TAGDAX" fabric list --dir "$D" --json
BEFORE=$OUT
kill_all

expect_rc 0 "$TAGDAX" fabric up --dir "$D"
expect_rc 0 "$TAGDAX" fabric list --dir "$D" --json
[ "$OUT" = "$BEFORE" ] || fail "state after restart: $OUT; before: $BEFORE"
expect_rc 0 as_host B "$TAGDAX" resolve "$TAG"
[ "$OUT" = "$PATH_B" ] || fail "B's device moved from $PATH_B to $OUT"
expect_rc 0 "$TAGDAX" fabric read --dir "$D" --host B --tag "$TAG"
[ "$OUT" = "durable bytes" ] || fail "B read '$OUT' after the restart"
consistent A
consistent B
[ "$COUNT" = 2 ] || fail "B sees $COUNT tagged devices, not 2"
# The waiting release survived: still waiting while mapped, done after.
expect_rc 0 as_host A "$TAGDAX" resolve "$TAG"
kill "$HOLDER"; wait "$HOLDER" 2>/dev/null
wait_gone A "$TAG"
expect_rc 0 "$TAGDAX" fabric list --dir "$D"
contains "$OUT" "$TAG  0      8M       1       B"

# A burst of adds, killed part-way: afterwards, what the fabric says each
# host holds is exactly what each host can resolve.
(
	for i in $(seq 20); do
		host=A
		[ $((i % 2)) = 0 ] || host=B
		"$TAGDAX" fabric add --dir "$D" --host "$host" --size 2M --timeout 2 >/dev/null 2>&1
	done
) &
BURST=$!
sleep 0.3
kill_all
wait "$BURST"
expect_rc 0 "$TAGDAX" fabric up --dir "$D"
consistent A
consistent B
[ "$COUNT" -ge 2 ] || fail "B lost devices in the crash"
echo "after the burst: B sees $COUNT tagged devices" >&2
expect_rc 0 "$TAGDAX" fabric read --dir "$D" --host B --tag "$TAG"
[ "$OUT" = "durable bytes" ] || fail "B read '$OUT' after the second restart"
expect_rc 0 as_host B "$TAGDAX" resolve "$PRIV"
expect_rc 0 "$TAGDAX" fabric add --dir "$D" --host A --size 2M
# A release the device refuses leaves the host holding the capacity, so it
# keeps its device: here a pending release saved by the agent names more
# than the host holds (the device answers Invalid Physical Address); the
# restarted agent unpublishes the device to release it, and must publish it
# again when the release is refused.
STALE=3c9a1f2e-5b6d-4e7f-8a9b-0c1d2e3f4a5b
expect_rc 0 "$TAGDAX" fabric add --dir "$D" --host A --size 4M --region 1 --tag "$STALE"
expect_rc 0 as_host A "$TAGDAX" resolve "$STALE"
read -r _ DPA LEN < <(grep '^extent' "$D/hosts/A/devices/$(basename "$OUT")")
kill_all
echo "release $DPA:$((LEN + 2097152))" >"$D/hosts/A/pending-release"
expect_rc 0 "$TAGDAX" fabric up --dir "$D"
for _ in $(seq 100); do
	grep -q "released 1 extent: " "$D/hosts/A/agent.log" && break
	sleep 0.05
done
contains "$(cat "$D/hosts/A/agent.log")" "released 1 extent: "
expect_rc 0 as_host A "$TAGDAX" resolve "$STALE"
consistent A

# The daemon alone dies: its agents try to reconnect for 10 s, but SIGTERM
# ends them at once, so `down` is prompt; and `up` straight after a crash
# waits for the old agents to be gone (pid and lock) instead of racing them.
kill_daemon() {
	local pid
	pid=$(cat "$D/fabricd.pid")
	kill -KILL "$pid"
	for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
	# the agents notice and start reconnecting
	for _ in $(seq 200); do
		grep -q "lost the daemon" "$D/hosts/A/agent.log" && return
		sleep 0.05
	done
	fail "agent A did not notice the daemon's death"
}
: >"$D/hosts/A/agent.log"
kill_daemon
kill -STOP "$(cat "$D/hosts/B/agent.pid")"   # a stopped agent is continued, not waited for
T0=$(date +%s%N)
expect_rc 0 "$TAGDAX" fabric down --dir "$D"
MS=$((($(date +%s%N) - T0) / 1000000))
echo "fabric down after a daemon crash: $MS ms" >&2
[ "$MS" -lt 3000 ] || fail "fabric down took $MS ms after a daemon crash"
not_contains "$ERR" "ignored SIGTERM"
expect_rc 0 "$TAGDAX" fabric up --dir "$D"
consistent A
: >"$D/hosts/A/agent.log"
kill_daemon
T0=$(date +%s%N)
expect_rc 0 "$TAGDAX" fabric up --dir "$D"
MS=$((($(date +%s%N) - T0) / 1000000))
echo "fabric up after a daemon crash: $MS ms" >&2
consistent A
consistent B

# Zeroing fails (injected): the released range stays quarantined, listed by
# `fabric list` (text and JSON), never allocatable, across a restart; a
# restart that can zero it frees it.
expect_rc 0 "$TAGDAX" fabric down --dir "$D"
TAGDAX_FABRICD_SANITIZE_FAIL=2 expect_rc 0 "$TAGDAX" fabric up --dir "$D"
Q=5d1c3b2a-4e5f-4a6b-8c7d-9e0f1a2b3c4d
expect_rc 0 "$TAGDAX" fabric add --dir "$D" --host A --size 2M --region 1 --tag "$Q"
expect_rc 0 "$TAGDAX" fabric release --dir "$D" --host A --tag "$Q"
expect_rc 0 "$TAGDAX" fabric list --dir "$D"
contains "$OUT" "QUARANTINED"
expect_rc 0 "$TAGDAX" fabric list --dir "$D" --json
contains "$OUT" '"quarantined"'
contains "$(cat "$D/fabricd.log")" "stays quarantined"
TAGDAX_FABRICD_SANITIZE_FAIL=1 expect_rc 0 "$TAGDAX" fabric down --dir "$D"
TAGDAX_FABRICD_SANITIZE_FAIL=1 expect_rc 0 "$TAGDAX" fabric up --dir "$D"
expect_rc 0 "$TAGDAX" fabric list --dir "$D" --json
contains "$OUT" '"quarantined"'
expect_rc 0 "$TAGDAX" fabric down --dir "$D"
expect_rc 0 "$TAGDAX" fabric up --dir "$D"
expect_rc 0 "$TAGDAX" fabric list --dir "$D"
not_contains "$OUT" "QUARANTINED"
expect_rc 0 "$TAGDAX" fabric list --dir "$D" --json
not_contains "$OUT" '"quarantined"'
echo "fabric-restart: ok"
