# SPDX-License-Identifier: GPL-2.0-or-later
# Usage errors, exit codes and the plain lookups, with no devices at all.
. "$TESTLIB"
TAG=5be13bce-1d7a-4c1e-9b2f-3f6c2a1d0e55

expect_rc 0 "$TAGDAX" --help;             contains "$OUT" "usage: tagdax"
expect_rc 0 "$TAGDAX" --version
expect_rc 2 "$TAGDAX";                    contains "$ERR" "no command"
expect_rc 2 "$TAGDAX" frobnicate;         contains "$ERR" "unknown command 'frobnicate'"
expect_rc 2 "$TAGDAX" resolve;            contains "$ERR" "exactly one tag"
expect_rc 2 "$TAGDAX" resolve not-a-tag;  contains "$ERR" "'not-a-tag' is not a tag"
expect_rc 2 "$TAGDAX" resolve 00000000-0000-0000-0000-000000000000
expect_rc 2 "$TAGDAX" resolve "$TAG" extra
expect_rc 2 "$TAGDAX" resolve --bogus "$TAG"
expect_rc 2 "$TAGDAX" --sysfs-root
expect_rc 2 "$TAGDAX" wait "$TAG" --timeout soon; contains "$ERR" "bad timeout"
expect_rc 2 "$TAGDAX" exec -- true;       contains "$ERR" "--tag"
expect_rc 2 "$TAGDAX" udev-id
expect_rc 1 "$TAGDAX" resolve "$TAG";     contains "$ERR" "no device carries tag $TAG"
expect_rc 1 "$TAGDAX" wait --timeout 0.2 "$TAG"; contains "$ERR" "timed out"
expect_rc 0 "$TAGDAX" list;               [ -z "$OUT" ] || fail "list printed: $OUT"
expect_rc 0 "$TAGDAX" list --json
python3 -c "import json,sys; assert json.loads(sys.argv[1]) == []" "$OUT" || fail "json: $OUT"
# roots given as options win over the environment
expect_rc 0 "$TAGDAX" --sysfs-root /nonexistent list
# nothing was created by the failed commands
[ ! -e "$T/run" ] || fail "a failed lookup wrote $T/run"
echo ok
