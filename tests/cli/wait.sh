# SPDX-License-Identifier: GPL-2.0-or-later
# wait blocks until the tag appears, and times out when it does not.
. "$TESTLIB"
A=5be13bce-1d7a-4c1e-9b2f-3f6c2a1d0e55
truncate -s 8M "$T/mem"

( sleep 0.3; echo "$A mem" > "$T/tags.conf.new"; mv "$T/tags.conf.new" "$T/tags.conf" ) &
expect_rc 0 "$TAGDAX" wait "$A" --timeout 20
[ "$OUT" = "$T/mem" ] || fail "wait printed '$OUT'"
wait
expect_rc 1 "$TAGDAX" wait 0c2d4e6f-8a9b-4c1d-8e2f-1a2b3c4d5e6f --timeout 0.3
echo ok
