# SPDX-License-Identifier: GPL-2.0-or-later
# `ninja install` respects the prefix: with DESTDIR every file lands under
# DESTDIR/PREFIX (none in the live /usr/lib/udev or /etc), the pieces users
# expect are there (rules naming the installed binary, tmpfiles.d entry,
# example table, man pages, completion), and the installed tagdax runs.
. "$TESTLIB"
command -v meson > /dev/null || fail "meson is missing"
PREFIX=$(meson introspect "$BUILDDIR" --buildoptions |
	python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "prefix"))')
[ -n "$PREFIX" ] || fail "no prefix"
DEST=$T/dest
meson install -C "$BUILDDIR" --no-rebuild --destdir "$DEST" > "$T/install.log" 2>&1 ||
	fail "meson install: $(cat "$T/install.log")"
outside=$(cd "$DEST" && find . \( -type f -o -type l \) | sed 's|^\.||' | grep -v "^$PREFIX/")
[ -z "$outside" ] || fail "installed outside $PREFIX: $outside"
R=$DEST$PREFIX
for f in bin/tagdax lib/udev/rules.d/80-tagdax.rules lib/tmpfiles.d/tagdax.conf \
	 share/doc/tagdax/tags.conf.example share/bash-completion/completions/tagdax \
	 share/man/man1/tagdax.1 share/man/man1/tagdax-list.1 share/man/man1/tagdax-cdi.1 \
	 share/man/man1/tagdax-fabric.1 share/man/man1/tagdax-vm.1 share/man/man1/tagdax-exec.1 \
	 share/man/man8/tagdax-udev-id.8 share/man/man5/tagdax-tags.conf.5 \
	 share/man/man5/tagdax-fabric.json.5 include/tagdax/tagdax.h include/tagdax/fm.h; do
	[ -s "$R/$f" ] || fail "not installed: $PREFIX/$f"
done
grep -q "IMPORT{program}=\"$PREFIX/bin/tagdax udev-id" "$R/lib/udev/rules.d/80-tagdax.rules" ||
	fail "the rules do not name $PREFIX/bin/tagdax"
grep -qx 'd /run/tagdax 0755 root root -' "$R/lib/tmpfiles.d/tagdax.conf" || fail "tmpfiles entry"
# the example table parses: uncommented, both entries are read
sed 's/^#\([0-9a-f]\)/\1/' "$R/share/doc/tagdax/tags.conf.example" > "$T/tags.conf"
mkdir -p "$T/dev"; truncate -s 4M "$T/dev/dax0.0"
sed -i "s|/dev/dax0.0|$T/dev/dax0.0|; s|/dev/shm/pool  2M  1G|$T/dev/dax0.0  2M  1M|" "$T/tags.conf"
# the installed binary, with its installed library
LIBDIR=$(dirname "$(find "$R" -name 'libtagdax.so.1' | head -1)")
INSTALLED=(env LD_LIBRARY_PATH="$LIBDIR" "$R/bin/tagdax")
expect_rc 0 "${INSTALLED[@]}" list --no-headings
[ "$(wc -l <<< "$OUT")" = 2 ] || fail "example table: $OUT $ERR"
contains "$OUT" "sharable,readonly"
expect_rc 0 "${INSTALLED[@]}" cdi --help;     contains "$OUT" "usage: tagdax cdi"
# the man pages render and agree with --help on the options
command -v man > /dev/null || fail "man is missing"
for page in "$R"/share/man/man*/*; do
	MANWIDTH=100 man -l "$page" > "$T/page" 2> "$T/man.err" || fail "man $page: $(cat "$T/man.err")"
	grep -q NAME "$T/page" || fail "$page has no NAME"
done
for opt in --json --human --no-headings --timeout; do
	MANWIDTH=100 man -l "$R/share/man/man1/tagdax-list.1" 2>/dev/null | grep -q -- "$opt" ||
		fail "tagdax-list(1) does not document $opt"
done
# libtagdax-fm as a user builds against it: pkg-config over the installed
# tree only (no build-tree path), a tiny program that links and runs.
command -v pkg-config > /dev/null || fail "pkg-config is missing"
command -v cc > /dev/null || fail "cc is missing"
PCDIR=$(dirname "$(find "$R" -name 'libtagdax-fm.pc' | head -1)")
[ -d "$PCDIR" ] || fail "libtagdax-fm.pc is not installed"
sed -i "s|^prefix=.*|prefix=$R|" "$PCDIR/libtagdax-fm.pc"
PC=(env PKG_CONFIG_PATH="$PCDIR" PKG_CONFIG_LIBDIR="$PCDIR" pkg-config)
"${PC[@]}" --exists libtagdax-fm || fail "pkg-config does not know libtagdax-fm"
not_contains "$("${PC[@]}" --cflags --libs libtagdax-fm)" "$BUILDDIR"
cat > "$T/fm-user.c" <<'PROG'
#include <errno.h>
#include <stdio.h>
#include <tagdax/fm.h>

int main(int argc, char **argv)
{
	struct tagdax_fabric *fab;
	struct tagdax_fm *fm;
	char err[128];

	if (argc != 2 || tagdax_fm_open(argv[1], &fm) != -ENOENT ||
	    tagdax_fabric_open(argv[1], &fab, err, sizeof(err)) != -ENOENT)
		return 1;
	printf("%s\n", tagdax_fm_rc_name(TAGDAX_FM_RC_INVALID_INPUT));
	return 0;
}
PROG
# A sanitizer build's library needs its runtime first in the program too.
SAN=()
objdump -p "$PCDIR"/../libtagdax-fm.so.1 | grep -q 'NEEDED.*libasan' &&
	SAN=(-fsanitize=address,undefined)
# shellcheck disable=SC2046
cc -std=c17 -Wall -Werror "${SAN[@]}" -o "$T/fm-user" "$T/fm-user.c" \
	$("${PC[@]}" --cflags --libs libtagdax-fm) 2> "$T/cc.err" || fail "cc: $(cat "$T/cc.err")"
expect_rc 0 env LD_LIBRARY_PATH="$PCDIR/.." "$T/fm-user" "$T/nofabric"
[ "$OUT" = "Invalid Input" ] || fail "fm-user printed '$OUT'"
objdump -p "$T/fm-user" | grep -q 'NEEDED.*libtagdax-fm.so.1' || fail "fm-user does not need libtagdax-fm.so.1"
echo ok
