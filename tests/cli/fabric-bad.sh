#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Bad input to `tagdax fabric`: each is refused with a clear sentence and a
# non-zero exit, and the fabric's state (its `list --json`) is byte-for-byte
# what it was.  The daemon and agents keep serving.
# shellcheck source=tests/cli/lib.sh
. "$TESTLIB"
# shellcheck source=tests/cli/fabric-lib.sh
. "$(dirname "$0")/fabric-lib.sh"

fabric_up
expect_rc 0 "$TAGDAX" fabric add --dir "$D" --host A --size 8M
TAG=$OUT
expect_rc 0 "$TAGDAX" fabric add --dir "$D" --host B --size 4M --region 1 \
	--tag 11111111-2222-4333-8444-555555555555
expect_rc 0 "$TAGDAX" fabric list --dir "$D" --json
BEFORE=$OUT
UNKNOWN=5be13bce-1d7a-4c1e-9b2f-3f6c2a1d0e55

# bad CODE NEEDLE ARGS...: `tagdax fabric ARGS` exits CODE, saying NEEDLE.
bad() {
	local code=$1 needle=$2; shift 2
	expect_rc "$code" "$TAGDAX" fabric "$@"
	contains "$ERR" "$needle"
}

# A configuration that does not hold together starts nothing.
printf '{ "hosts": [ { "id": 0, "name": "A" } ], "regions": [ { "base": "0", "length": "3M",
  "block_size": "2M" } ], "backing": { "type": "dir" } }\n' >"$T/bad.json"
expect_rc 2 "$TAGDAX" fabric up --dir "$T/other" --config "$T/bad.json"
contains "$ERR" "bad.json"
[ ! -e "$T/other" ] || fail "a bad configuration left $T/other behind"
expect_rc 2 "$TAGDAX" fabric up --dir "$T/other" --config "$T/missing.json"
# a host id 5608h's bitmaps have no bit for (one per id, 0..255): its
# offers would never show in `fabric list`
printf '{ "hosts": [ { "id": 0, "name": "A" }, { "id": 300, "name": "Z" } ],
  "regions": [ { "base": "0", "length": "4M" } ] }\n' >"$T/id.json"
expect_rc 2 "$TAGDAX" fabric up --dir "$T/other" --config "$T/id.json"
contains "$ERR" "hosts[1].id: 300 is out of range 0..255"
[ ! -e "$T/other" ] || fail "a host id out of range left $T/other behind"
# so does backing memory that is not there, or too small for the regions:
# said plainly, and the directory `up` made for it is gone again
printf '{ "hosts": [ { "id": 0, "name": "A" } ], "regions": [ { "base": "0", "length": "4M",
  "block_size": "2M" } ], "backing": { "type": "file", "path": "%s", "offset": "0" } }\n' \
	"$T/mem" >"$T/file.json"
expect_rc 2 "$TAGDAX" fabric up --dir "$T/other" --config "$T/file.json"
contains "$ERR" "$T/mem: No such file or directory"
[ ! -e "$T/other" ] || fail "a missing backing file left $T/other behind"
truncate -s 2M "$T/mem"
expect_rc 2 "$TAGDAX" fabric up --dir "$T/other" --config "$T/file.json"
contains "$ERR" "needs 4194304 bytes"
[ ! -e "$T/other" ] || fail "a backing file too small left $T/other behind"
truncate -s 4M "$T/mem"
expect_rc 0 "$TAGDAX" fabric up --dir "$T/other" --config "$T/file.json"
expect_rc 0 "$TAGDAX" fabric down --dir "$T/other" --purge
[ -f "$T/mem" ] || fail "down --purge removed the backing file it was given"
# A stopped fabric keeps its configuration: its state and capacity belong to
# it.  `up --config` with another one is refused and changes nothing; it
# used to replace config.json, after which the fabric never started again.
S=$T/stopped
expect_rc 0 "$TAGDAX" fabric up --dir "$S"
expect_rc 0 "$TAGDAX" fabric down --dir "$S"
cp "$S/config.json" "$T/kept.json"
expect_rc 2 "$TAGDAX" fabric up --dir "$S" --config "$T/file.json"
contains "$ERR" "$S holds a fabric made with another configuration"
contains "$ERR" "fabric down --dir $S --purge"
cmp -s "$S/config.json" "$T/kept.json" || fail "a refused up changed $S/config.json"
expect_rc 0 "$TAGDAX" fabric up --dir "$S"        # as it was
# A state image removed by hand while its journal remains is refused (the
# fabric would start with everything free, pinned capacity included); with
# the whole state gone it starts afresh, and free capacity holds none of the
# old bytes (they went to the next host unzeroed).
expect_rc 0 "$TAGDAX" fabric add --dir "$S" --host A --size 2M --region 0
OLD=$(head -1 <<<"$OUT")
expect_rc 0 "$TAGDAX" fabric write --dir "$S" --host A --tag "$OLD" "TENANT-A-SECRET"
expect_rc 0 "$TAGDAX" fabric ref --dir "$S" "$OLD"
expect_rc 0 "$TAGDAX" fabric release --dir "$S" --host A --tag "$OLD"
expect_rc 0 "$TAGDAX" fabric down --dir "$S"
rm "$S/state/dcd.state"
expect_rc 1 "$TAGDAX" fabric up --dir "$S"
contains "$ERR" "dcd.journal exists but the state image it applies to"
contains "$ERR" "fabric down --dir $S --purge"
rm -r "$S/state"
expect_rc 0 "$TAGDAX" fabric up --dir "$S"
expect_rc 0 "$TAGDAX" fabric add --dir "$S" --host B --size 2M --region 0
NEW=$(head -1 <<<"$OUT")
expect_rc 0 "$TAGDAX" fabric read --dir "$S" --host B --tag "$NEW" --length 15
not_contains "$OUT" "TENANT-A-SECRET"
expect_rc 0 "$TAGDAX" fabric down --dir "$S" --purge

# Usage and syntax, refused before the fabric is asked.
bad 2 "is not a tag" add --dir "$D" --host A --size 2M --tag 5be13bce-1d7a-4c1e-9b2f
bad 2 "is not a tag" share --dir "$D" --host B --tag not-a-tag
bad 2 "no host 'C'" add --dir "$D" --host C --size 2M
bad 2 "no host 'C'" release --dir "$D" --host C --tag "$TAG"
bad 2 "is not a size" add --dir "$D" --host A --size lots
bad 2 "needs --size" add --dir "$D" --host A
bad 2 "free, contiguous or prescriptive" add --dir "$D" --host A --size 2M --policy any
bad 2 "DPA:LENGTH" add --dir "$D" --host A --policy prescriptive --extent 4M
bad 2 "is not what the extents add up to" add --dir "$D" --host A --size 4M \
	--policy prescriptive --extent 0:2M
bad 2 "needs --dir" add --host A --size 2M
bad 2 "unknown command" frobnicate --dir "$D"
bad 2 "is not a region number" add --dir "$D" --host A --size 2M --region 4294967296
bad 2 "is not a region number" add --dir "$D" --host A --size 2M --region 99999999999999999999
bad 2 "is not a region number" add --dir "$D" --host A --size 2M --region -1
bad 1 "holds no fabric" add --dir "$T" --host A --size 2M

# Refused by the device, with the spec's return code and a reason.
bad 2 "Invalid Input (0002h)" add --dir "$D" --host A --size 3M
contains "$ERR" "not a multiple of region 0's block size"
bad 2 "a size of zero" add --dir "$D" --host A --size 0
bad 2 "must carry a tag" add --dir "$D" --host A --size 2M \
	--tag 00000000-0000-0000-0000-000000000000
bad 2 "does not exist" add --dir "$D" --host A --size 2M --region 7
bad 2 "already names an allocation" add --dir "$D" --host B --size 2M --tag "$TAG"
bad 1 "Resources Exhausted (001Dh)" add --dir "$D" --host A --size 2G
bad 2 "Invalid Input (0002h)" share --dir "$D" --host B --tag "$UNKNOWN"
contains "$ERR" "no capacity carries that tag"
bad 2 "Invalid Input (0002h)" share --dir "$D" --host A --tag "$TAG"
bad 2 "host B holds no capacity with tag $TAG" release --dir "$D" --host B --tag "$TAG"
bad 2 "Invalid Extent List (001Eh)" add --dir "$D" --host A --policy prescriptive \
	--extent 0:4M --extent 2M:2M --tag "$UNKNOWN"
bad 2 "Invalid Extent List (001Eh)" add --dir "$D" --host A --policy prescriptive \
	--extent 3G:2M --tag "$UNKNOWN"
bad 2 "Unsupported (0003h)" region --dir "$D" --region 1 --block-size 4M
bad 2 "fabric region: bad option" region --dir "$D" --region 9

# Nothing changed, and everything still works.
expect_rc 0 "$TAGDAX" fabric list --dir "$D" --json
[ "$OUT" = "$BEFORE" ] || fail "state changed: before $BEFORE after $OUT"
expect_rc 0 as_host A "$TAGDAX" resolve "$TAG"
expect_rc 1 as_host B "$TAGDAX" resolve "$TAG"
expect_rc 0 "$TAGDAX" fabric add --dir "$D" --host A --size 2M

# A host that refuses capacity: the FM accepts the request, host B's agent
# rejects the offer, and `add` reports that (from the FM's Add Capacity
# Response record) with the agent's reason.  To make B refuse, B is told
# region 1 is sharable (its view of the device's CDAT is the configuration)
# and the region is reconfigured so that B re-reads it; untagged capacity
# there then breaks the "sharable capacity carries a tag" rule.
R=$T/rej
trap '"$TAGDAX" fabric down --dir "$R" --purge >/dev/null 2>&1; cleanup' EXIT
expect_rc 0 "$TAGDAX" fabric up --dir "$R"
sed -i 's/"sanitize_on_release": true/"sanitize_on_release": true, "sharable": true/' \
	"$R/config.json"
expect_rc 0 "$TAGDAX" fabric region --dir "$R" --region 1
expect_rc 0 "$TAGDAX" fabric list --dir "$R" --json
BEFORE=$OUT
bad 1 "host B rejected the capacity: sharable capacity must carry a tag" \
	add --dir "$R" --host B --size 2M --region 1 --tag 00000000-0000-0000-0000-000000000000
expect_rc 0 "$TAGDAX" fabric list --dir "$R" --json
[ "$OUT" = "$BEFORE" ] || fail "a rejected offer left capacity behind: $OUT"
echo "fabric-bad: ok"
