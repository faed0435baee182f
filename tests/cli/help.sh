# SPDX-License-Identifier: GPL-2.0-or-later
# Help everywhere: every command and sub-command answers --help, -h and
# `tagdax help CMD` the same way, on stdout, exit 0, touching nothing; usage
# errors point at the command's own help.
. "$TESTLIB"

CMDS=(list resolve wait claim exec udev-id cdi help
      "fabric up" "fabric down" "fabric add" "fabric share" "fabric release" "fabric ref" "fabric unref"
      "fabric list" "fabric region" "fabric read" "fabric write"
      "vm args" "vm attach" "vm detach")
for c in "${CMDS[@]}"; do
	read -ra words <<< "$c"
	expect_rc 0 "$TAGDAX" "${words[@]}" --help; want=$OUT
	contains "$want" "usage: tagdax $c"
	[ -z "$ERR" ] || fail "$c --help wrote to stderr: $ERR"
	expect_rc 0 "$TAGDAX" "${words[@]}" -h
	[ "$OUT" = "$want" ] || fail "$c -h differs from --help: $OUT"
	expect_rc 0 "$TAGDAX" help "${words[@]}"
	[ "$OUT" = "$want" ] || fail "help $c differs from --help: $OUT"
	# --help wins wherever it is, even after bad options or values
	expect_rc 0 "$TAGDAX" "${words[@]}" --bogus=1 --help
	[ "$OUT" = "$want" ] || fail "$c --bogus --help: $OUT"
done
expect_rc 0 "$TAGDAX" vm args --hotplug-ports 99999 --help; contains "$OUT" "usage: tagdax vm args"
# the groups give their overview
expect_rc 0 "$TAGDAX" fabric --help;      contains "$OUT" "usage: tagdax fabric COMMAND"
expect_rc 0 "$TAGDAX" help fabric;        contains "$OUT" "usage: tagdax fabric COMMAND"
expect_rc 0 "$TAGDAX" vm -h;              contains "$OUT" "usage: tagdax vm args"
expect_rc 0 "$TAGDAX" help vm;            contains "$OUT" "tagdax vm attach"
expect_rc 0 "$TAGDAX" help;               contains "$OUT" "usage: tagdax [OPTIONS] COMMAND"
expect_rc 0 "$TAGDAX" -h;                 contains "$OUT" "Commands:"
expect_rc 2 "$TAGDAX" help frobnicate;    contains "$ERR" "unknown command 'frobnicate'"
expect_rc 0 "$TAGDAX" --version;          [ "$OUT" = "tagdax $(sed -n "s/^  version : '\(.*\)',/\1/p" "$SRCDIR/meson.build")" ] || fail "version: $OUT"
# help had no side effects (vm args would write ROMs under the run dir)
[ ! -e "$T/run" ] || fail "--help wrote $T/run"

# a program's own --help after exec's "--" (or its name) is the program's
expect_rc 1 "$TAGDAX" exec --tag 5be13bce-1d7a-4c1e-9b2f-3f6c2a1d0e55 -- sh --help
contains "$ERR" "no device carries tag"
expect_rc 1 "$TAGDAX" exec --tag 5be13bce-1d7a-4c1e-9b2f-3f6c2a1d0e55 sh -h
contains "$ERR" "no device carries tag"

# usage errors name the command's help
expect_rc 2 "$TAGDAX" list --bogus;       contains "$ERR" "Try 'tagdax help list'"
expect_rc 2 "$TAGDAX" resolve;            contains "$ERR" "Try 'tagdax help resolve'"
expect_rc 2 "$TAGDAX" fabric add --bogus; contains "$ERR" "Try 'tagdax help fabric add'"
expect_rc 2 "$TAGDAX" vm attach;          contains "$ERR" "Try 'tagdax help vm attach'"
expect_rc 2 "$TAGDAX" udev-id;            contains "$ERR" "Try 'tagdax help udev-id'"
expect_rc 2 "$TAGDAX" frobnicate;         contains "$ERR" "Try 'tagdax --help'"
echo ok
