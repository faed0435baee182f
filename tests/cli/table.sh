# SPDX-License-Identifier: GPL-2.0-or-later
# The admin table through the CLI: list, resolve, --json, exec, bad lines.
. "$TESTLIB"
A=5be13bce-1d7a-4c1e-9b2f-3f6c2a1d0e55
B=0c2d4e6f-8a9b-4c1d-8e2f-1a2b3c4d5e6f
truncate -s 8M "$T/mem"
cat > "$T/tags.conf" <<CONF
# test table
$A mem 2M 4M sharable
garbage line
$B $T/mem
CONF

expect_rc 0 "$TAGDAX" list
contains "$OUT" "$A  table"
contains "$OUT" "$B  table"
contains "$ERR" "tags.conf:3: malformed tag"

expect_rc 0 "$TAGDAX" resolve "$A"
[ "$OUT" = "$T/mem" ] || fail "resolve printed '$OUT'"

expect_rc 0 "$TAGDAX" resolve --json "$A"
python3 - "$OUT" "$A" "$T/mem" <<'PY' || fail "json fields"
import json, sys
d = json.loads(sys.argv[1])
assert d["tag"] == sys.argv[2], d
assert d["path"] == sys.argv[3], d
assert d["offset"] == 2 << 20 and d["size"] == 4 << 20, d
assert d["provider"] == "table" and d["flags"] == ["sharable"], d
assert d["extents"] == [{"start": 2 << 20, "length": 4 << 20}], d
assert d["segments"] == [{"path": sys.argv[3], "offset": 2 << 20, "length": 4 << 20}], d
PY

expect_rc 0 "$TAGDAX" list --json "$B"
python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert len(d)==1 and d[0]["size"]==8<<20, d' "$OUT" || fail "list --json TAG"

# --config on the command line overrides TAGDAX_CONFIG
cp "$T/tags.conf" "$T/other.conf"; rm "$T/tags.conf"
expect_rc 1 "$TAGDAX" resolve "$A"
expect_rc 0 "$TAGDAX" --config "$T/other.conf" resolve "$A"

# a table this user cannot read is reported as such, not as "no device"
command -v setpriv > /dev/null || fail "setpriv (util-linux) is needed"
cp "$T/other.conf" "$T/tags.conf"; chmod 0600 "$T/tags.conf"; chmod 0755 "$T"
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)
expect_rc 5 "${NOBODY[@]}" "$TAGDAX" resolve "$A"
contains "$ERR" "cannot read the tag table $T/tags.conf: Permission denied (run as root"
not_contains "$ERR" "no device carries"
expect_rc 5 "${NOBODY[@]}" "$TAGDAX" list; contains "$ERR" "cannot read the tag table"
expect_rc 5 "${NOBODY[@]}" "$TAGDAX" resolve --json "$A"
[ "$(jq -r .error.class <<< "$OUT")" = SystemError ] || fail "json: $OUT"
contains "$OUT" "Permission denied"
expect_rc 0 "$TAGDAX" resolve "$A"   # root reads it
chmod 0700 "$T"

# a duplicate tag on a second file is ambiguous: both listed, neither chosen
truncate -s 8M "$T/mem2"
printf '%s mem\n%s mem2\n' "$A" "$A" > "$T/tags.conf"
expect_rc 3 "$TAGDAX" resolve "$A"
contains "$ERR" "ambiguous"; contains "$ERR" "$T/mem "; contains "$ERR" "$T/mem2"
[ -z "$OUT" ] || fail "ambiguous resolve printed a path: $OUT"

# daxctl put the named dax device online as system RAM: its node is gone;
# the entry is ignored, and said why (a sharable tag must stay devdax)
mkdir -p "$T/sys/devices/platform/hmem/dax0.0" "$T/sys/bus/dax/devices" "$T/sys/bus/dax/drivers/kmem"
ln -sfn ../../../devices/platform/hmem/dax0.0 "$T/sys/bus/dax/devices/dax0.0"
ln -sfn ../../../../bus/dax/drivers/kmem "$T/sys/devices/platform/hmem/dax0.0/driver"
printf '%s %s/dev/dax0.0 0 - sharable\n' "$A" "$T" > "$T/tags.conf"
expect_rc 1 "$TAGDAX" resolve "$A"
contains "$ERR" "online as system RAM"
contains "$ERR" "a sharable tag must stay devdax"
echo ok
