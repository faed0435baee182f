# SPDX-License-Identifier: GPL-2.0-or-later
# exec runs a program with the device in its environment.
. "$TESTLIB"
A=5be13bce-1d7a-4c1e-9b2f-3f6c2a1d0e55
truncate -s 8M "$T/mem"
echo "$A mem 2M 4M sharable,readonly" > "$T/tags.conf"

expect_rc 0 "$TAGDAX" exec --tag "$A" -- sh -c 'echo "$TAGDAX_TAG $TAGDAX_PATH $TAGDAX_OFFSET $TAGDAX_SIZE $TAGDAX_PROVIDER"'
[ "$OUT" = "$A $T/mem 2097152 4194304 table" ] || fail "exec env: $OUT"
# and the device's flags, as the table writes them
expect_rc 0 "$TAGDAX" exec --tag "$A" -- sh -c 'echo "$TAGDAX_FLAGS"'
[ "$OUT" = "sharable,readonly" ] || fail "exec flags: $OUT"
# a table entry has no owner that could take it back: nothing to hold
expect_rc 0 env TAGDAX_LOCK_FD=stale "$TAGDAX" exec --tag "$A" -- sh -c 'echo "${TAGDAX_LOCK_FD-unset}"'
[ "$OUT" = unset ] || fail "exec left TAGDAX_LOCK_FD=$OUT for a table entry"
# the program's exit code is passed through
expect_rc 7 "$TAGDAX" exec --tag "$A" -- sh -c 'exit 7'
# the program's own options are not taken by tagdax
expect_rc 0 "$TAGDAX" exec --tag "$A" -- sh -c 'echo "$1"' sh --json
[ "$OUT" = "--json" ] || fail "argument passing: $OUT"
expect_rc 127 "$TAGDAX" exec --tag "$A" -- /nonexistent/program
expect_rc 1 "$TAGDAX" exec --tag 0c2d4e6f-8a9b-4c1d-8e2f-1a2b3c4d5e6f -- true
expect_rc 2 "$TAGDAX" exec --tag bad -- true
echo ok
