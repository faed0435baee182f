# SPDX-License-Identifier: GPL-2.0-or-later
# Bash completion (contrib/tagdax.bash): sourced in bash, _tagdax called with
# COMP_WORDS as readline would; commands, sub-commands, options, tags from
# `tagdax list`, fabric hosts and directories.
. "$TESTLIB"
. "$SRCDIR/contrib/tagdax.bash"
complete -p tagdax | grep -q -- '-F _tagdax' || fail "no completion registered"

# complete WORD...: the candidates for the last word (COMP_WORDS[0] is the binary)
complete_line() {
	COMP_WORDS=("$TAGDAX" "$@")
	COMP_CWORD=$#
	COMPREPLY=()
	_tagdax
	REPLY_TEXT=" ${COMPREPLY[*]} "
}
has() { contains "$REPLY_TEXT" " $1 "; }
lacks() { not_contains "$REPLY_TEXT" " $1 "; }

complete_line "";             has list; has resolve; has fabric; has vm; has cdi; has help
complete_line "re";           has resolve; lacks list
complete_line --;             has --sysfs-root; has --help; has --version
complete_line fabric "";      has up; has add; has release; has ref; has unref; lacks list-all
complete_line fabric a;       [ "$REPLY_TEXT" = " add " ] || fail "fabric a: $REPLY_TEXT"
complete_line vm "";          has args; has attach; has detach
complete_line list --;        has --json; has --human; has --no-headings; has --help
complete_line fabric add --;  has --host; has --size; has --policy; lacks --json
complete_line fabric add --policy "";  has free; has contiguous; has prescriptive
complete_line help "";        has fabric; has list
complete_line help fabric ""; [ "$REPLY_TEXT" = "  " ] || fail "help fabric: $REPLY_TEXT"

# tags, from `tagdax list` (the roots come from the environment)
A=5be13bce-1d7a-4c1e-9b2f-3f6c2a1d0e55 B=0c2d4e6f-8a9b-4c1d-8e2f-1a2b3c4d5e6f
truncate -s 4M "$T/mem"
printf '%s %s\n%s %s 2M\n' "$A" "$T/mem" "$B" "$T/mem" > "$T/tags.conf"
complete_line resolve "";     has "$A"; has "$B"; lacks TAG
complete_line resolve 5b;     [ "$REPLY_TEXT" = " $A " ] || fail "resolve 5b: $REPLY_TEXT"
complete_line exec --tag "";  has "$A"; has "$B"
complete_line vm args 0c;     [ "$REPLY_TEXT" = " $B " ] || fail "vm args 0c: $REPLY_TEXT"

# hosts of the fabric named by --dir (or TAGDAX_FABRIC), directories for --dir
mkdir -p "$T/fab/hosts/alpha" "$T/fab/hosts/beta"
complete_line fabric add --dir "$T/fab" --host "";   has alpha; has beta
TAGDAX_FABRIC=$T/fab complete_line fabric release --host a; [ "$REPLY_TEXT" = " alpha " ] || fail "host: $REPLY_TEXT"
complete_line fabric up --dir "$T/fa";               has "$T/fab"
complete_line --config "$T/tags.co";                 has "$T/tags.conf"
echo ok
