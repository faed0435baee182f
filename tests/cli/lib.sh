# SPDX-License-Identifier: GPL-2.0-or-later
# Shared helpers for the CLI tests.  Each test sources this file, builds a
# fake tree under $T and calls `check` / `expect_rc`; the first failure ends
# the test with a message.
set -u
T=$(mktemp -d "${TMPDIR:-/tmp}/tagdax-cli.XXXXXX")
trap 'rm -rf "$T"' EXIT
export TAGDAX_SYSFS_ROOT=$T/sys TAGDAX_DEV_ROOT=$T/dev TAGDAX_RUN_DIR=$T/run TAGDAX_CONFIG=$T/tags.conf
mkdir -p "$T/sys" "$T/dev"
FAILS=0

fail() { echo "FAIL: $*" >&2; exit 1; }

# write REL CONTENT: write CONTENT (and a newline) to $T/REL, creating parents.
write() { mkdir -p "$(dirname "$T/$1")"; printf '%s\n' "$2" > "$T/$1"; }

# expect_rc CODE CMD...: run CMD, check its exit code; output in $OUT/$ERR.
expect_rc() {
	local want=$1; shift
	OUT=$("$@" 2>"$T/.err"); local rc=$?
	ERR=$(cat "$T/.err")
	[ "$rc" = "$want" ] || fail "'$*' exited $rc, expected $want; stdout: $OUT; stderr: $ERR"
}

# contains HAYSTACK NEEDLE
contains() { case "$1" in *"$2"*) ;; *) fail "expected '$2' in: $1";; esac; }
not_contains() { case "$1" in *"$2"*) fail "did not expect '$2' in: $1";; esac; }
