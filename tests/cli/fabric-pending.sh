#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Nothing an orchestrator asks for is lost.  An add to a host whose agent is
# down: the tag is printed first and the timeout has its own exit code; the
# offer shows in `fabric list` as pending; a forced release withdraws it for
# real: after `down` and `up` the host's agent finds the Add records, the
# device refuses its answer and the host publishes nothing, the next add to
# that host succeeds, and no two hosts hold the same bytes.
# shellcheck source=tests/cli/lib.sh
. "$TESTLIB"
# shellcheck source=tests/cli/fabric-lib.sh
. "$(dirname "$0")/fabric-lib.sh"

UUID_RE='^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'

kill_agent() {
	local pid
	pid=$(cat "$D/hosts/$1/agent.pid") || fail "no agent pid for $1"
	kill -KILL "$pid"
	for _ in $(seq 200); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.05; done
	fail "agent $1 ($pid) did not die"
}

# Every published device's bytes (backing file, offset, end) with its tag;
# fails if two devices with different tags share a byte.
no_shared_bytes() {
	local desc bytes
	bytes=$(for desc in "$D"/hosts/*/devices/dax*; do
		[ -f "$desc" ] || continue
		awk -v file="$(readlink -f "$(awk '$1 == "path" {print $2}' "$desc")")" \
			'$1 == "tag" {t = $2} $1 == "segment" {print file, $2, $2 + $3, t}' "$desc"
	done)
	[ "$(grep -c . <<<"$bytes")" -ge 3 ] || fail "too few devices to compare: $bytes"
	sort -k1,1 -k2,2n <<<"$bytes" | awk '
		$1 == f && $2 < end && $4 != tag { print "overlap: " $0 " and " f " " end " " tag; bad = 1 }
		$1 != f || $3 > end { end = $3; tag = $4 }
		{ f = $1 }
		END { exit bad }' || fail "two hosts hold the same bytes"
}

fabric_up
kill_agent A

# The add times out with the offer unanswered: the tag comes first on
# stdout, the exit code is 6, stderr says what happened and how to undo it.
expect_rc 6 "$TAGDAX" fabric add --dir "$D" --host A --size 8M --timeout 1
TAG=$OUT
[[ "$TAG" =~ $UUID_RE ]] || fail "add printed '$TAG'"
contains "$ERR" "host A has not answered the offer of $TAG yet"
contains "$ERR" "fabric release --dir $D --host A --tag $TAG --forced"

# An explicit tag is printed the same way.
MINE=5be13bce-1d7a-4c1e-9b2f-3f6c2a1d0e55
expect_rc 6 "$TAGDAX" fabric add --dir "$D" --host A --size 2M --region 1 --tag "$MINE" \
	--timeout 0.5
[ "$OUT" = "$MINE" ] || fail "add printed '$OUT'"

# Both offers show as pending, in text and JSON.
expect_rc 0 "$TAGDAX" fabric list --dir "$D"
contains "$OUT" "$TAG  -      -        0       A(pending)"
contains "$OUT" "$MINE  -      -        0       A(pending)"
expect_rc 0 "$TAGDAX" fabric list --dir "$D" --json
tr -d ' \n' <<<"$OUT" | grep -q "\"tag\":\"$TAG\",\"region\":null,\"size\":null,\"extents\":\[\],\"hosts\":\[\],\"pending\":\[\"A\"\]" ||
	fail "--json does not show $TAG pending on A: $OUT"

# Without --forced, capacity still pending cannot be released (the spec's
# Invalid Physical Address), and nothing changes.
expect_rc 2 "$TAGDAX" fabric release --dir "$D" --host A --tag "$TAG"
contains "$ERR" "Invalid Physical Address (000Fh)"
contains "$ERR" "$TAG is offered to host A, not accepted yet; --forced withdraws the offer"
expect_rc 0 "$TAGDAX" fabric list --dir "$D"
contains "$OUT" "$TAG  -      -        0       A(pending)"

# Withdraw the first offer: a forced release of capacity still pending.
expect_rc 0 "$TAGDAX" fabric release --dir "$D" --host A --tag "$TAG" --forced
[ "$OUT" = "A: the offer of $TAG is withdrawn (forced)" ] || fail "release printed '$OUT'"
expect_rc 0 "$TAGDAX" fabric list --dir "$D"
not_contains "$OUT" "$TAG"
contains "$OUT" "$MINE  -      -        0       A(pending)"

# Restart everything: A's agent comes back and finds both Add records.
expect_rc 0 "$TAGDAX" fabric down --dir "$D"
expect_rc 0 "$TAGDAX" fabric up --dir "$D"

# The next add to A succeeds (A answers the offers in order, so by now it
# has answered the withdrawn one and accepted the one still standing).
expect_rc 0 "$TAGDAX" fabric add --dir "$D" --host A --size 8M
NEXT=$OUT
expect_rc 0 as_host A "$TAGDAX" resolve "$MINE"
expect_rc 1 as_host A "$TAGDAX" resolve "$TAG"
expect_rc 0 as_host A "$TAGDAX" list
[ "$(awk '$2 == "emu" {print $1}' <<<"$OUT" | sort)" = "$(printf '%s\n' "$MINE" "$NEXT" | sort)" ] ||
	fail "A lists: $OUT"
contains "$(cat "$D/hosts/A/agent.log")" "withdrawn"

# The fabric agrees, and another host given capacity gets other bytes.
expect_rc 0 "$TAGDAX" fabric add --dir "$D" --host B --size 8M
OTHER=$OUT
expect_rc 0 "$TAGDAX" fabric list --dir "$D"
not_contains "$OUT" "$TAG"
not_contains "$OUT" "pending"
contains "$OUT" "$NEXT  0      8M       1       A"
contains "$OUT" "$OTHER  0      8M       1       B"
no_shared_bytes

# A live agent that answers late (stopped, not dead): sharing with it times
# out pending, the list shows who holds and who is offered, and the offer
# withdrawn while it was stopped is refused when it answers: B publishes
# nothing and keeps serving.
BPID=$(cat "$D/hosts/B/agent.pid")
PROXY=
trap 'kill -CONT "$BPID" 2>/dev/null; [ -z "$PROXY" ] || kill "$PROXY" 2>/dev/null; cleanup' EXIT
kill -STOP "$BPID"
expect_rc 6 "$TAGDAX" fabric share --dir "$D" --host B --tag "$NEXT" --timeout 0.5
contains "$ERR" "host B has not answered the offer of $NEXT yet"
expect_rc 0 "$TAGDAX" fabric list --dir "$D"
contains "$OUT" "$NEXT  0      8M       1       A,B(pending)"
expect_rc 0 "$TAGDAX" fabric list --dir "$D" --json
tr -d ' \n' <<<"$OUT" | grep -q "\"tag\":\"$NEXT\",\"region\":0,\"size\":8388608,.*\"hosts\":\[\"A\"\],\"pending\":\[\"B\"\]" ||
	fail "--json does not show $NEXT held by A, pending on B: $OUT"
expect_rc 0 "$TAGDAX" fabric release --dir "$D" --host B --tag "$NEXT" --forced
kill -CONT "$BPID"
expect_rc 0 "$TAGDAX" fabric add --dir "$D" --host B --size 2M
LAST=$OUT
expect_rc 1 as_host B "$TAGDAX" resolve "$NEXT"
contains "$(cat "$D/hosts/B/agent.log")" "tag $NEXT was withdrawn before this host answered"
expect_rc 0 as_host B "$TAGDAX" list
[ "$(awk '$2 == "emu" {print $1}' <<<"$OUT" | sort)" = "$(printf '%s\n' "$OTHER" "$LAST" | sort)" ] ||
	fail "B lists: $OUT"
expect_rc 0 as_host A "$TAGDAX" resolve "$NEXT"
expect_rc 0 "$TAGDAX" fabric list --dir "$D"
contains "$OUT" "$NEXT  0      8M       1       A"
not_contains "$OUT" "pending"
no_shared_bytes

# The answer to 5604h is lost on the way (the daemon took the add, the reply
# never came): the outcome is unknown, not "refused"; the tag is on stdout,
# exit 6 as for an offer still standing, and the capacity is indeed held.
mv "$D/fm.sock" "$D/fm.real"
python3 "$SRCDIR/tests/cli/fm-proxy.py" "$D/fm.sock" "$D/fm.real" 5604 &
PROXY=$!
for _ in $(seq 100); do [ -S "$D/fm.sock" ] && break; sleep 0.05; done
expect_rc 6 "$TAGDAX" fabric add --dir "$D" --host A --size 2M --timeout 10
LOST=$OUT
contains "$ERR" "no answer"
not_contains "$ERR" "refused"
kill "$PROXY"; wait "$PROXY" 2>/dev/null; PROXY=
rm -f "$D/fm.sock"; mv "$D/fm.real" "$D/fm.sock"
for _ in $(seq 100); do as_host A "$TAGDAX" resolve "$LOST" >/dev/null 2>&1 && break; sleep 0.05; done
expect_rc 0 as_host A "$TAGDAX" resolve "$LOST"
# the same for a release (5605h): "no answer", not "refused"
mv "$D/fm.sock" "$D/fm.real"
python3 "$SRCDIR/tests/cli/fm-proxy.py" "$D/fm.sock" "$D/fm.real" 5605 &
PROXY=$!
for _ in $(seq 100); do [ -S "$D/fm.sock" ] && break; sleep 0.05; done
expect_rc 5 "$TAGDAX" fabric release --dir "$D" --host A --tag "$LOST" --timeout 10
contains "$ERR" "no answer from the fabric to the release"
not_contains "$ERR" "refused"
kill "$PROXY"; wait "$PROXY" 2>/dev/null; PROXY=
rm -f "$D/fm.sock"; mv "$D/fm.real" "$D/fm.sock"
wait_gone A "$LOST"   # it did take effect
echo ok
