#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A forced release hands the capacity to no one until the host has revoked
# it: while host A's agent is stopped (SIGSTOP) in the middle of a forced
# release, its range shows as revoking in `fabric list`, a prescriptive add
# of that range to B (a direct 5604h on fm.sock) is refused and a sized add
# gets other blocks; once the agent resumes, it revokes A's holder (SIGBUS)
# and only then is the range free for B.  A host whose agent is down keeps
# its range revoking across a fabric restart, until its agent is back.
# shellcheck source=tests/cli/lib.sh
. "$TESTLIB"
# shellcheck source=tests/cli/fabric-lib.sh
. "$(dirname "$0")/fabric-lib.sh"

STOPPED=
trap '[ -n "$STOPPED" ] && kill -CONT "$STOPPED" 2>/dev/null; cleanup' EXIT

# extent_of TAG: "DPA:LENGTH" of TAG's only extent, from fabric list --json.
extent_of() {
	"$TAGDAX" fabric list --dir "$D" --json | python3 -c '
import json, sys
for a in json.load(sys.stdin)["allocations"]:
    if a["tag"] == sys.argv[1]:
        x = a["extents"][0]
        print("%d:%d" % (x["dpa"], x["length"]))' "$1"
}

# revoking: "HOST DPA LENGTH" lines of fabric list --json's "revoking".
revoking() {
	"$TAGDAX" fabric list --dir "$D" --json | python3 -c '
import json, sys
for r in json.load(sys.stdin).get("revoking", []):
    print(r["host"], r["dpa"], r["length"])'
}

# add_when_free EXTENT TAG: a prescriptive add of EXTENT to B, retried until
# the fabric accepts it (20 s at most).
add_when_free() {
	for _ in $(seq 400); do
		"$TAGDAX" fabric add --dir "$D" --host B --region 1 --policy prescriptive \
			--extent "$1" --tag "$2" >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	fail "the range $1 never became free for B"
}

fabric_up
TAG=5a1c0f3e-2b4d-4c6e-8f01-23456789abcd
B1=6b2d1e4f-3c5e-4d7f-9012-3456789abcde
B2=7c3e2f50-4d6f-4e80-a123-456789abcdef
expect_rc 0 "$TAGDAX" fabric add --dir "$D" --host A --size 8M --region 1 --tag "$TAG"
EXT=$(extent_of "$TAG")
[ -n "$EXT" ] || fail "no extent for $TAG"
hold A "$TAG"

AGENT=$(cat "$D/hosts/A/agent.pid") || fail "no agent pid for A"
kill -STOP "$AGENT"
STOPPED=$AGENT
expect_rc 1 "$TAGDAX" fabric release --dir "$D" --host A --tag "$TAG" --forced --timeout 1
contains "$ERR" "host A still shows the device"
kill -0 "$HOLDER" 2>/dev/null || fail "the holder died though A's agent is stopped"

# Revoking: listed, not allocatable, whatever a client asks for.
[ "$(revoking)" = "A ${EXT%%:*} ${EXT##*:}" ] || fail "fabric list --json revoking: $(revoking)"
expect_rc 0 "$TAGDAX" fabric list --dir "$D"
contains "$OUT" "REVOKING"
expect_rc 2 "$TAGDAX" fabric add --dir "$D" --host B --region 1 --policy prescriptive \
	--extent "$EXT" --tag "$B1"
contains "$ERR" "Invalid Extent List"
expect_rc 0 "$TAGDAX" fabric add --dir "$D" --host B --size 8M --region 1 --tag "$B2"
OTHER=$(extent_of "$B2")
[ "${OTHER%%:*}" != "${EXT%%:*}" ] || fail "B got the revoking range: $OTHER"
expect_rc 0 "$TAGDAX" fabric release --dir "$D" --host B --tag "$B2" --timeout 30
sleep 1 # time for a wrong hand-out to show
expect_rc 2 "$TAGDAX" fabric add --dir "$D" --host B --region 1 --policy prescriptive \
	--extent "$EXT" --tag "$B1"

# The agent resumes: it revokes the holder, then clears the record, and only
# then may B have the range.
kill -CONT "$AGENT"
STOPPED=
add_when_free "$EXT" "$B1"
kill -0 "$HOLDER" 2>/dev/null && fail "B got the range while A's holder still ran"
wait "$HOLDER"
died_of_sigbus $? || fail "the holder was not revoked with SIGBUS: $(cat "$T/.hold")"
HOLDER=
[ -z "$(revoking)" ] || fail "still revoking: $(revoking)"
expect_rc 0 "$TAGDAX" fabric release --dir "$D" --host B --tag "$B1" --timeout 30

# A's agent is down: the range stays revoking across a fabric restart (the
# state image keeps it) and goes free once the agent is back and revoked.
expect_rc 0 "$TAGDAX" fabric add --dir "$D" --host A --size 4M --region 1 --tag "$TAG"
EXT=$(extent_of "$TAG")
AGENT=$(cat "$D/hosts/A/agent.pid")
kill -KILL "$AGENT"
for _ in $(seq 200); do kill -0 "$AGENT" 2>/dev/null || break; sleep 0.05; done
expect_rc 1 "$TAGDAX" fabric release --dir "$D" --host A --tag "$TAG" --forced --timeout 1
[ "$(revoking)" = "A ${EXT%%:*} ${EXT##*:}" ] || fail "not revoking after the kill: $(revoking)"
expect_rc 2 "$TAGDAX" fabric add --dir "$D" --host B --region 1 --policy prescriptive \
	--extent "$EXT" --tag "$B1"
expect_rc 0 "$TAGDAX" fabric down --dir "$D"
fabric_up
add_when_free "$EXT" "$B1"
[ -z "$(revoking)" ] || fail "still revoking after A's agent came back: $(revoking)"
