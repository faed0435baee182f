# SPDX-License-Identifier: GPL-2.0-or-later
# `fabric down --purge` deletes the fabric's memory, and nothing else: a
# backing link planted to point elsewhere is removed, not followed.
. "$TESTLIB"
D=$T/fabric
"$TAGDAX" fabric up --dir "$D" >/dev/null || fail "fabric up"
shm=$(readlink "$D/backing")
case "$shm" in /dev/shm/tagdax-backing-*) ;; *) fail "backing is '$shm'";; esac
"$TAGDAX" fabric down --dir "$D" >/dev/null || fail "fabric down"
[ -d "$shm" ] || fail "a plain down deleted the memory"

mkdir "$T/victim"; echo keep > "$T/victim/file"
ln -sfn "$T/victim" "$D/backing"
expect_rc 0 "$TAGDAX" fabric down --dir "$D" --purge
[ -f "$T/victim/file" ] || fail "purge followed a planted link"
[ ! -e "$D" ] || fail "purge left $D"
rm -rf "$shm"

# the real one is deleted
"$TAGDAX" fabric up --dir "$D" >/dev/null || fail "fabric up again"
shm=$(readlink "$D/backing")
expect_rc 0 "$TAGDAX" fabric down --dir "$D" --purge
[ ! -e "$shm" ] || { rm -rf "$shm"; fail "purge kept $shm"; }
echo ok
