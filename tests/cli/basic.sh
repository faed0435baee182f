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
# a misspelt log level is refused, not read as "err"
TAGDAX_LOG=bogus expect_rc 2 "$TAGDAX" list; contains "$ERR" "TAGDAX_LOG='bogus' is not a log level"
TAGDAX_LOG=debug expect_rc 0 "$TAGDAX" list
TAGDAX_LOG=7 expect_rc 0 "$TAGDAX" list
# a table named on the command line must exist (the default may be absent)
expect_rc 2 "$TAGDAX" --config "$T/typo.conf" resolve "$TAG"; contains "$ERR" "typo.conf: No such file"
# under --json an error is a JSON object on stdout: a class and a sentence
expect_rc 1 "$TAGDAX" resolve --json "$TAG"
[ "$(jq -r .error.class <<< "$OUT")" = NotFound ] || fail "json error: $OUT"
contains "$(jq -r .error.desc <<< "$OUT")" "no device carries tag $TAG"
[ -z "$ERR" ] || fail "json error also on stderr: $ERR"
expect_rc 2 "$TAGDAX" list --json --bogus
[ "$(jq -r .error.class <<< "$OUT")" = InvalidUsage ] || fail "json usage error: $OUT"
expect_rc 1 "$TAGDAX" wait --json --timeout 0.1 "$TAG"
[ "$(jq -r .error.exit_code <<< "$OUT")" = 1 ] || fail "json timeout: $OUT"
# nothing was created by the failed commands
[ ! -e "$T/run" ] || fail "a failed lookup wrote $T/run"
echo ok
