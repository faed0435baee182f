#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The fabric manager's own reference on a tag (5606h/5607h) through
# `fabric ref` / `fabric unref`, as `fabric list` shows it: sharable
# capacity the FM references outlives its last host and can be shared
# again; unreferenced, it is freed.  And --timeout limits each answer of
# the fabric, not a fixed 5 s.
# shellcheck source=tests/cli/lib.sh
. "$TESTLIB"
# shellcheck source=tests/cli/fabric-lib.sh
. "$(dirname "$0")/fabric-lib.sh"
PROXY=
trap '[ -n "$PROXY" ] && kill "$PROXY" 2>/dev/null; cleanup' EXIT
command -v python3 >/dev/null || fail "python3 is missing"

fabric_up
# bad input is refused before anything is asked
expect_rc 2 "$TAGDAX" fabric ref --dir "$D";                contains "$ERR" "takes TAG"
expect_rc 2 "$TAGDAX" fabric ref --dir "$D" not-a-tag;      contains "$ERR" "is not a tag"
expect_rc 2 "$TAGDAX" fabric unref --dir "$D" 00000000-0000-0000-0000-000000000000
contains "$ERR" "null tag"
expect_rc 2 "$TAGDAX" fabric ref --dir "$D" --timeout x 1b4e28ba-2fa1-11d2-883f-0016d3cca427
expect_rc 1 "$TAGDAX" fabric ref --dir "$T/nowhere" 1b4e28ba-2fa1-11d2-883f-0016d3cca427

# a tag nobody allocated: the device says Invalid Input
expect_rc 2 "$TAGDAX" fabric ref --dir "$D" 1b4e28ba-2fa1-11d2-883f-0016d3cca427
contains "$ERR" "Invalid Input (0002h)"

# sharable capacity on A, referenced by the FM
TAG=$("$TAGDAX" fabric add --dir "$D" --host A --size 2M --region 0) || fail "add"
expect_rc 0 "$TAGDAX" fabric ref --dir "$D" "$TAG"
contains "$OUT" "the FM holds $TAG"
expect_rc 0 "$TAGDAX" fabric ref --dir "$D" "$TAG"   # again: still so
expect_rc 0 "$TAGDAX" fabric list --dir "$D"
contains "$OUT" "$TAG  0      2M       1       A,[fm]"
expect_rc 0 "$TAGDAX" fabric list --dir "$D" --json
tr -d ' \n' <<<"$OUT" | grep -q "\"tag\":\"$TAG\",.*\"hosts\":\[\"A\"\],\"pending\":\[\],\"fm_ref\":true" ||
	fail "--json does not show $TAG held by A and the FM: $OUT"
expect_rc 0 "$TAGDAX" fabric write --dir "$D" --host A --tag "$TAG" "kept by the FM"

# A lets go: the FM's reference keeps it (no host holds it)
expect_rc 0 "$TAGDAX" fabric release --dir "$D" --host A --tag "$TAG"
expect_rc 0 "$TAGDAX" fabric list --dir "$D"
contains "$OUT" "$TAG  -      -        0       [fm]"
# ...so it can be shared again, with its bytes
expect_rc 0 "$TAGDAX" fabric share --dir "$D" --host B --tag "$TAG" --region 0
expect_rc 0 "$TAGDAX" fabric read --dir "$D" --host B --tag "$TAG"
[ "$OUT" = "kept by the FM" ] || fail "B read '$OUT'"
expect_rc 0 "$TAGDAX" fabric list --dir "$D"
contains "$OUT" "$TAG  0      2M       1       B,[fm]"

# unreferenced and released by its last host: freed
expect_rc 0 "$TAGDAX" fabric unref --dir "$D" "$TAG"
contains "$OUT" "let go of $TAG"
expect_rc 0 "$TAGDAX" fabric list --dir "$D"
contains "$OUT" "$TAG  0      2M       1       B"
not_contains "$OUT" "[fm]"
expect_rc 0 "$TAGDAX" fabric release --dir "$D" --host B --tag "$TAG"
expect_rc 0 "$TAGDAX" fabric list --dir "$D"
not_contains "$OUT" "$TAG"
expect_rc 2 "$TAGDAX" fabric unref --dir "$D" "$TAG"
contains "$ERR" "Invalid Input (0002h)"

# Pinned capacity in a region other than 0, which no host holds: `share`
# finds it without --region (it tried region 0 only, and said "no host
# holds capacity with that tag").
P=$T/two
trap '"$TAGDAX" fabric down --dir "$P" --purge >/dev/null 2>&1; cleanup' EXIT
sed 's/"sanitize_on_release": true/"sanitize_on_release": true, "sharable": true/' \
	"$SRCDIR/fabric/config/sample.json" > "$T/two.json"
expect_rc 0 "$TAGDAX" fabric up --dir "$P" --config "$T/two.json"
expect_rc 0 "$TAGDAX" fabric add --dir "$P" --host A --size 2M --region 1
PIN=$(head -1 <<<"$OUT")
expect_rc 0 "$TAGDAX" fabric write --dir "$P" --host A --tag "$PIN" "pinned in region 1"
expect_rc 0 "$TAGDAX" fabric ref --dir "$P" "$PIN"
expect_rc 0 "$TAGDAX" fabric release --dir "$P" --host A --tag "$PIN"
# adding new capacity under the pinned tag is refused, and says what the tag is
expect_rc 2 "$TAGDAX" fabric add --dir "$P" --host B --size 2M --region 1 --tag "$PIN"
contains "$ERR" "names capacity the fabric manager keeps"
expect_rc 0 "$TAGDAX" fabric share --dir "$P" --host B --tag "$PIN"
expect_rc 0 "$TAGDAX" fabric read --dir "$P" --host B --tag "$PIN"
[ "$OUT" = "pinned in region 1" ] || fail "B read '$OUT'"
# a tag nobody holds and the FM does not pin: said so, nothing changes
expect_rc 2 "$TAGDAX" fabric share --dir "$P" --host A --tag 1b4e28ba-2fa1-11d2-883f-0016d3cca427
contains "$ERR" "no capacity carries that tag"
# The answer to a share is lost: "no answer ... may have taken effect", exit
# 6 as for add, not "refused" (it said "refused ...: Broken pipe", exit 5).
expect_rc 0 "$TAGDAX" fabric release --dir "$P" --host B --tag "$PIN"
mv "$P/fm.sock" "$P/fm.real"
python3 "$SRCDIR/tests/cli/fm-proxy.py" "$P/fm.sock" "$P/fm.real" 5604 &
PROXY=$!
for _ in $(seq 100); do [ -S "$P/fm.sock" ] && break; sleep 0.05; done
expect_rc 6 "$TAGDAX" fabric share --dir "$P" --host B --tag "$PIN" --region 1 --timeout 10
contains "$ERR" "no answer from the fabric to the share"
not_contains "$ERR" "refused"
kill "$PROXY"; wait "$PROXY" 2>/dev/null
rm -f "$P/fm.sock"; mv "$P/fm.real" "$P/fm.sock"
expect_rc 0 "$TAGDAX" fabric down --dir "$P" --purge

# A fabric slow to answer (6 s for 5604h): --timeout 30 waits for it (it
# was cut at a fixed 5 s), --timeout 2 does not.
mv "$D/fm.sock" "$D/fm.real"
python3 "$SRCDIR/tests/cli/fm-proxy.py" "$D/fm.sock" "$D/fm.real" 5604 6 &
PROXY=$!
for _ in $(seq 100); do [ -S "$D/fm.sock" ] && break; sleep 0.05; done
expect_rc 0 "$TAGDAX" fabric add --dir "$D" --host A --size 2M --region 1 --timeout 30
SLOW=$OUT
expect_rc 6 "$TAGDAX" fabric add --dir "$D" --host A --size 2M --region 1 --timeout 2
contains "$ERR" "no answer from the fabric to the add (Connection timed out)"
kill "$PROXY"; wait "$PROXY" 2>/dev/null; PROXY=
rm -f "$D/fm.sock"; mv "$D/fm.real" "$D/fm.sock"
expect_rc 0 as_host A "$TAGDAX" resolve "$SLOW"
echo ok
