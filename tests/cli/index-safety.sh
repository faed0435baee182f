# SPDX-License-Identifier: GPL-2.0-or-later
# The by-tag index answers only for the tree it was built from, and hostile
# surroundings (a planted by-tag symlink, a run dir others can write to)
# change nothing outside it.
. "$TESTLIB"
A=5be13bce-1d7a-4c1e-9b2f-3f6c2a1d0e55
MiB=1048576

# dax ROOT NAME TAG: a cxl dax device in the tree under ROOT.
dax() {
	local d=$1/sys/devices/platform/cxl/$2
	mkdir -p "$d" "$1/sys/bus/dax/devices" "$1/dev"
	echo "$3" > "$d/uuid"
	echo $((4 * MiB)) > "$d/size"
	ln -sfn "../../../devices/platform/cxl/$2" "$1/sys/bus/dax/devices/$2"
	: > "$1/dev/$2"
}

# ---- one run dir, two trees: tree 2's duplicate is never hidden ----------
dax "$T/one" dax0.0 $A
dax "$T/two" dax0.0 $A
dax "$T/two" dax1.0 $A
expect_rc 0 "$TAGDAX" --sysfs-root "$T/one/sys" --dev-root "$T/one/dev" resolve $A
[ "$OUT" = "$T/one/dev/dax0.0" ] || fail "tree one resolved to '$OUT'"
[ -L "$T/run/by-tag/$A" ] || fail "tree one wrote no index entry"
expect_rc 3 "$TAGDAX" --sysfs-root "$T/two/sys" --dev-root "$T/two/dev" resolve $A
contains "$ERR" "$T/two/dev/dax0.0"
contains "$ERR" "$T/two/dev/dax1.0"
# and back: tree one is still one device, whatever tree two wrote
expect_rc 0 "$TAGDAX" --sysfs-root "$T/one/sys" --dev-root "$T/one/dev" resolve $A
# the same roots spelled otherwise are the same tree: the entry answers
ino=$(stat -c %i "$T/run/by-tag/$A")
(cd "$T" && expect_rc 0 "$TAGDAX" --sysfs-root one/sys/ --dev-root ./one/dev resolve $A) || fail "relative roots"
[ "$(stat -c %i "$T/run/by-tag/$A")" = "$ino" ] || fail "a respelled root missed the index"
# udev-id under tree two does not merge tree one's lines into its entry
rm -rf "$T/run"
expect_rc 0 "$TAGDAX" --sysfs-root "$T/one/sys" --dev-root "$T/one/dev" resolve $A
TAGDAX_SYSFS_ROOT=$T/two/sys TAGDAX_DEV_ROOT=$T/two/dev \
	expect_rc 0 "$TAGDAX" udev-id /devices/platform/cxl/dax1.0
[ "$(readlink "$T/run/by-tag/$A" | sed 1d)" = "cxl dax1.0" ] ||
	fail "udev-id kept another tree's line: $(readlink "$T/run/by-tag/$A")"

# ---- a by-tag symlink planted in the run dir is never written through ----
export TAGDAX_SYSFS_ROOT=$T/one/sys TAGDAX_DEV_ROOT=$T/one/dev
rm -rf "$T/run"; mkdir -p "$T/run" "$T/victim"
ln -s "$T/victim" "$T/run/by-tag"
expect_rc 0 "$TAGDAX" resolve $A        # the index is a cache: still answers
[ "$OUT" = "$T/one/dev/dax0.0" ] || fail "resolve printed '$OUT'"
[ -z "$(ls -A "$T/victim")" ] || fail "the index wrote through the planted link: $(ls -A "$T/victim")"
contains "$ERR" "by-tag is not a directory"
expect_rc 0 "$TAGDAX" udev-id /devices/platform/cxl/dax0.0
[ -z "$(ls -A "$T/victim")" ] || fail "udev-id wrote through the planted link: $(ls -A "$T/victim")"
[ -L "$T/run/by-tag" ] || fail "the planted link was replaced"

# ---- a run dir or by-tag dir others can write to is not used -------------
for d in run run/by-tag; do
	rm -rf "$T/run"; mkdir -p "$T/run/by-tag"
	chmod 0777 "$T/$d"
	expect_rc 0 "$TAGDAX" resolve $A
	[ -z "$(ls -A "$T/run/by-tag")" ] || fail "the index was written in a $d others can write to"
	contains "$ERR" "another user could write there"
	# an entry someone else planted there is not believed either
	ln -s "cxl dax0.0" "$T/run/by-tag/$A"
	chmod 0777 "$T/$d"
	dax "$T/one" dax5.0 $A
	expect_rc 3 "$TAGDAX" resolve $A
	rm -rf "$T/one/sys/bus/dax/devices/dax5.0"
done
# sticky and world-writable, like /tmp, is still others' to write
rm -rf "$T/run"; mkdir -p "$T/run/by-tag"; chmod 1777 "$T/run/by-tag"
expect_rc 0 "$TAGDAX" resolve $A
[ -z "$(ls -A "$T/run/by-tag")" ] || fail "the index was written in a sticky dir others can write to"
contains "$ERR" "another user could write there"
echo ok
