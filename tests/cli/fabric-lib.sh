# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Helpers for the fabric CLI tests, sourced after lib.sh: a fabric in $D
# that is always torn down (its memory may live in /dev/shm).
unset TAGDAX_RUN_DIR # an emulated host keeps its own index under $D
D=$T/fab
HOLDER=
cleanup() {
	[ -n "$HOLDER" ] && kill "$HOLDER" 2>/dev/null
	"$TAGDAX" fabric down --dir "$D" --purge >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT

# as_host NAME CMD...: run CMD as emulated host NAME.
as_host() { local h=$1; shift; TAGDAX_FABRIC=$D TAGDAX_HOST=$h "$@"; }

fabric_up() { expect_rc 0 "$TAGDAX" fabric up --dir "$D"; }

# hold HOST TAG: keep TAG's device mapped on HOST in the background
# (pid in $HOLDER, its output in $T/.hold) until killed.
hold() {
	: >"$T/.hold"
	"$TAGDAX" fabric read --dir "$D" --host "$1" --tag "$2" --hold 60 >"$T/.hold" 2>&1 &
	HOLDER=$!
	for _ in $(seq 200); do [ -s "$T/.hold" ] && return; sleep 0.05; done
	fail "could not map $2 on $1: $(cat "$T/.hold")"
}

# died_of_sigbus RC: the holder was killed by SIGBUS (or, in a sanitizer
# build, reported one).
died_of_sigbus() { [ "$1" = 135 ] || grep -q BUS "$T/.hold"; }

# wait_gone HOST TAG: until HOST no longer resolves TAG (10 s at most).
wait_gone() {
	for _ in $(seq 200); do
		as_host "$1" "$TAGDAX" resolve "$2" >/dev/null 2>&1 || return 0
		sleep 0.05
	done
	fail "$1 still resolves $2"
}
