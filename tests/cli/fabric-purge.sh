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

# nor into another fabric's memory, whose name looks like ours
D2=$T/fabric2
"$TAGDAX" fabric up --dir "$D" >/dev/null || fail "fabric up again"
"$TAGDAX" fabric up --dir "$D2" >/dev/null || fail "fabric up in $D2"
shm=$(readlink "$D/backing"); shm2=$(readlink "$D2/backing")
"$TAGDAX" fabric down --dir "$D2" >/dev/null || fail "fabric down $D2"
"$TAGDAX" fabric down --dir "$D" >/dev/null || fail "fabric down $D"
ln -sfn "$shm2" "$D/backing"
expect_rc 0 "$TAGDAX" fabric down --dir "$D" --purge
[ -f "$shm2/region0" ] || { rm -rf "$shm" "$shm2"; fail "purge of $D deleted $D2's memory"; }
contains "$ERR" "not this fabric's memory"
expect_rc 0 "$TAGDAX" fabric down --dir "$D2" --purge
[ ! -e "$shm2" ] || { rm -rf "$shm" "$shm2"; fail "purge kept $shm2"; }
rm -rf "$shm"

# the real one is deleted
"$TAGDAX" fabric up --dir "$D" >/dev/null || fail "fabric up again"
shm=$(readlink "$D/backing")
expect_rc 0 "$TAGDAX" fabric down --dir "$D" --purge
[ ! -e "$shm" ] || { rm -rf "$shm"; fail "purge kept $shm"; }
echo ok
