# SPDX-License-Identifier: GPL-2.0-or-later
# A fabric directory another user could write to is refused, and a device
# descriptor planted in one is never written through: `fabric write` (as
# root, here) writes only the fabric's own memory.
. "$TESTLIB"
. "$SRCDIR/tests/cli/fabric-lib.sh"
TAG=7a7a7a7a-0000-4000-8000-000000000001

# ---- fabric up refuses a directory others can write to, changing nothing --
for mode in 0777 0770 1777; do
	rm -rf "$D"; mkdir "$D"; chmod $mode "$D"
	expect_rc 2 "$TAGDAX" fabric up --dir "$D"
	contains "$ERR" "another user could plant files there"
	[ -z "$(ls -A "$D")" ] || fail "fabric up wrote into a $mode directory: $(ls -A "$D")"
done
rm -rf "$D"; mkdir -p "$D/hosts/A"; chmod 0777 "$D/hosts/A"
expect_rc 2 "$TAGDAX" fabric up --dir "$D"
contains "$ERR" "$D/hosts/A"
rm -rf "$D"; mkdir -p "$D/hosts" "$T/elsewhere"; ln -s "$T/elsewhere" "$D/hosts/A"
expect_rc 2 "$TAGDAX" fabric up --dir "$D"
contains "$ERR" "symbolic link"
[ -z "$(ls -A "$T/elsewhere")" ] || fail "fabric up wrote through a planted link"
rm -rf "$D"; mkdir "$D"; chown 65534 "$D"
expect_rc 2 "$TAGDAX" fabric up --dir "$D"
contains "$ERR" "owned by uid 65534"
# DIR given as a link: whoever owns the link would choose the fabric
rm -rf "$D"; mkdir "$T/real"; ln -s "$T/real" "$D"
expect_rc 2 "$TAGDAX" fabric up --dir "$D"
contains "$ERR" "symbolic link"
[ -z "$(ls -A "$T/real")" ] || fail "fabric up ran in the link's target"
# a directory above DIR that another user owns could swap DIR later
rm -f "$D"; mkdir "$T/theirs"; chown 65534 "$T/theirs"
expect_rc 2 "$TAGDAX" fabric up --dir "$T/theirs/fab"
contains "$ERR" "above the fabric directory, could be changed by another user"
[ ! -e "$T/theirs/fab" ] || fail "fabric up made its directory under another user's"
# a link on the way to DIR that another user owns (in a sticky directory as
# /tmp, they may replace it at will) could point DIR elsewhere later
mkdir "$T/mine"; ln -s "$T/mine" "$T/their-link"; chown -h 65534 "$T/their-link"
expect_rc 2 "$TAGDAX" fabric up --dir "$T/their-link/fab"
contains "$ERR" "$T/their-link is a symbolic link owned by uid 65534"
[ ! -e "$T/mine/fab" ] || fail "fabric up made its directory through another user's link"
# ours (or root's) is fine
chown -h 0 "$T/their-link"
expect_rc 0 "$TAGDAX" fabric up --dir "$T/their-link/fab"
expect_rc 0 "$TAGDAX" fabric down --dir "$T/their-link/fab" --purge
rm -rf "$T/real" "$T/theirs" "$T/mine" "$T/their-link"
# in a safe directory, files it writes replace what is at their names
rm -rf "$D"; mkdir "$D"; : > "$T/target"
ln -s "$T/target" "$D/config.json.tmp"; ln -s "$T/target" "$D/fabricd.log"
expect_rc 1 "$TAGDAX" fabric up --dir "$D" --timeout 2
[ ! -s "$T/target" ] || fail "fabric up wrote through a link in its own directory"
"$TAGDAX" fabric down --dir "$D" --purge >/dev/null 2>&1
rm -rf "$D"

# ---- a planted descriptor pointing anywhere is not a device --------------
fabric_up
printf 'precious\n' > "$T/victim"
truncate -s 4M "$T/victim"
plant() { # plant NAME PATH: a descriptor of TAG, 2 MiB of PATH
	printf 'tag %s\npath %s\nsize 2097152\nregion 0\nsegment 0 2097152\nextent 0 2097152\n' \
		"$TAG" "$2" > "$D/hosts/A/devices/$1"
}
plant dax7.0 "$T/victim"
expect_rc 1 as_host A "$TAGDAX" resolve $TAG
expect_rc 1 "$TAGDAX" fabric write --dir "$D" --host A --tag $TAG "pwned"
ln -s "$T/victim" "$D/hosts/A/dev/dax7.1"
plant dax7.1 "$D/hosts/A/dev/dax7.1"
expect_rc 1 "$TAGDAX" fabric write --dir "$D" --host A --tag $TAG "pwned"
[ "$(head -c 9 "$T/victim")" = precious ] || fail "fabric write wrote through a planted descriptor"

# ---- ... nor one another user wrote, even naming the fabric's own memory --
ln -s "$(readlink "$D/backing")/region0" "$D/hosts/A/dev/dax7.2"
plant dax7.2 "$D/hosts/A/dev/dax7.2"
chown 65534 "$D/hosts/A/devices/dax7.2"
expect_rc 1 as_host A "$TAGDAX" resolve $TAG
chown 0 "$D/hosts/A/devices/dax7.2"
expect_rc 0 as_host A "$TAGDAX" resolve $TAG   # the control: the same, ours
echo ok
