#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The fabric's programs as services: tagdax-fabricd and tagdax-agent run in
# the foreground, say READY=1 on $NOTIFY_SOCKET once they serve (a Python
# stand-in for systemd reads it) and STOPPING=1 on SIGTERM, then exit 0; they
# log in one format (journald's <N> prefix under JOURNAL_STREAM).  `fabric
# up` under a live daemon restarts only the agent that died, and `fabric
# list` shows it dead, then alive.  The installed unit templates pass
# `systemd-analyze verify`.
# shellcheck source=tests/cli/lib.sh
. "$TESTLIB"
# shellcheck source=tests/cli/fabric-lib.sh
. "$(dirname "$0")/fabric-lib.sh"
BIN=$(dirname "$TAGDAX")
FABRICD=$BIN/tagdax-fabricd AGENT=$BIN/tagdax-agent
command -v python3 >/dev/null || fail "python3 is missing"
command -v systemd-analyze >/dev/null || fail "systemd-analyze is missing (scripts/deps)"
LISTENER= PIDS=()
cleanup_services() {
	for p in "${PIDS[@]}" $LISTENER; do kill "$p" 2>/dev/null; done
	cleanup
}
trap cleanup_services EXIT

# ---- --help, --version, bad usage ----------------------------------------
for p in "$FABRICD" "$AGENT"; do
	expect_rc 0 "$p" --help; contains "$OUT" "usage: $(basename "$p")"
	expect_rc 0 "$p" --version; contains "$OUT" "$(basename "$p") "
	not_contains "$OUT" "without systemd" # scripts/deps installs libsystemd-dev
	expect_rc 2 "$p" --bogus
done
expect_rc 2 env -u TAGDAX_FABRIC "$FABRICD"; contains "$ERR" "needs --dir DIR"
expect_rc 2 "$FABRICD" --dir relative/dir; contains "$ERR" "absolute path"
expect_rc 2 "$AGENT" --host-dir "$T/not-a-host-dir"; contains "$ERR" "DIR/hosts/NAME"
# run directly (as a service), they keep `fabric up`'s rules for DIR: one
# another user could plant files in is refused before anything is made
mkdir -p "$T/open/hosts/A"; chmod 0777 "$T/open"
expect_rc 2 "$FABRICD" --dir "$T/open"; contains "$ERR" "refusing to serve a fabric in $T/open"
contains "$ERR" "another user could plant files there"
[ ! -e "$T/open/state" ] && [ ! -e "$T/open/config.json" ] || fail "fabricd made files in $T/open"
expect_rc 2 "$AGENT" --dir "$T/open" --host A; contains "$ERR" "refusing to serve host A"
chmod 0755 "$T/open"; chmod 0777 "$T/open/hosts/A"
expect_rc 2 "$AGENT" --dir "$T/open" --host A; contains "$ERR" "$T/open/hosts/A: a directory"
mkdir "$T/mine"; ln -s "$T/mine" "$T/their-link"; chown -h 65534 "$T/their-link"
expect_rc 2 "$FABRICD" --dir "$T/their-link/fab"; contains "$ERR" "symbolic link owned by uid 65534"
[ ! -e "$T/mine/fab" ] || fail "fabricd made its directory through another user's link"
rm -rf "$T/open" "$T/mine" "$T/their-link"

# ---- notification --------------------------------------------------------
# listen NAME: a notification socket $T/NAME.sock whose messages land in
# $T/NAME.notes.
listen() {
	: >"$T/$1.notes"
	python3 "$SRCDIR/tests/cli/sd-notify-listen.py" "$T/$1.sock" "$T/$1.notes" >"$T/$1.l" &
	LISTENER="$LISTENER $!"
	for _ in $(seq 600); do [ -s "$T/$1.l" ] && return; sleep 0.05; done
	fail "the notification listener did not start"
}
# noted NAME STATE: wait (60 s at most) until STATE was sent to NAME.
noted() {
	for _ in $(seq 1200); do grep -qx "$2" "$T/$1.notes" && return; sleep 0.05; done
	fail "$2 never came on $1's socket: $(cat "$T/$1.notes")"
}
# stopped PID: SIGTERM, then its exit status in $RC.
stopped() {
	kill -TERM "$1"
	wait "$1"; RC=$?
}

mkdir -p "$D"; chmod 700 "$D"
listen daemon
NOTIFY_SOCKET=$T/daemon.sock "$FABRICD" --dir "$D" 2>"$T/fabricd.err" &
DPID=$!; PIDS+=("$DPID")
noted daemon READY=1
# ready means serving: the FM API answers at once
expect_rc 0 "$TAGDAX" fabric list --dir "$D" --json
[ -s "$D/config.json" ] || fail "the daemon did not write the sample as DIR/config.json"

listen agent
NOTIFY_SOCKET=$T/agent.sock "$AGENT" --host-dir "$D/hosts/A" 2>"$T/agent.err" &
APID=$!; PIDS+=("$APID")
noted agent READY=1
# ready means attached: the pid file is written, and an add is accepted
[ "$(cat "$D/hosts/A/agent.pid")" = "$APID" ] || fail "agent.pid is not the agent's pid"
expect_rc 0 "$TAGDAX" fabric add --dir "$D" --host A --size 2M
# a second agent for A: one clear sentence, and it exits at once
expect_rc 1 "$AGENT" --dir "$D" --host A
contains "$ERR" "another agent serves host A"
not_contains "$ERR" "cannot reach the daemon"
[ "$(printf '%s\n' "$ERR" | wc -l)" = 1 ] || fail "a second agent said more than one line: $ERR"
# a host the configuration does not have (a typo in a unit's instance) is
# refused at once, before anything is made under DIR/hosts
for args in "--dir $D --host Z" "--host-dir $D/hosts/Z"; do
	# shellcheck disable=SC2086 # two words each
	expect_rc 2 "$AGENT" $args
	contains "$ERR" "no host 'Z' in $D/config.json"
	[ ! -e "$D/hosts/Z" ] || fail "an agent for an unknown host made $D/hosts/Z"
done
# a garbage NOTIFY_SOCKET is warned about on one line of the log format; an
# empty one is no socket at all (as sd_notify has it), nothing to warn about
# agent_log_of B NOTIFY_SOCKET: run B's agent until it serves, stop it, its
# log in $T/b.err
agent_log_of() {
	NOTIFY_SOCKET=$2 "$AGENT" --dir "$D" --host "$1" 2>"$T/b.err" &
	local pid=$!
	for _ in $(seq 1200); do grep -q "serving host $1" "$T/b.err" && break; sleep 0.05; done
	grep -q "serving host $1" "$T/b.err" || fail "B's agent did not serve: $(cat "$T/b.err")"
	stopped "$pid"
	[ "$RC" = 0 ] || fail "B's agent exited $RC: $(cat "$T/b.err")"
}
agent_log_of B garbage
grep -q "warning: cannot tell the service manager READY, STATUS: Invalid argument$" \
	"$T/b.err" || fail "no one-line warning for a garbage NOTIFY_SOCKET: $(cat "$T/b.err")"
cp "$T/b.err" "$T/garbage.err"
agent_log_of B ""
not_contains "$(cat "$T/b.err")" "service manager"
stopped "$APID"
[ "$RC" = 0 ] || fail "the agent exited $RC on SIGTERM: $(cat "$T/agent.err")"
noted agent STOPPING=1
stopped "$DPID"
[ "$RC" = 0 ] || fail "the daemon exited $RC on SIGTERM: $(cat "$T/fabricd.err")"
noted daemon STOPPING=1
PIDS=()

# one format: TIME PROGRAM[PID] host=HOST LEVEL: MESSAGE
STAMP='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+[+-][0-9]{4}'
grep -Eq "^$STAMP tagdax-fabricd\[$DPID\] host=- info: serving $D" "$T/fabricd.err" ||
	fail "daemon log format: $(head -3 "$T/fabricd.err")"
grep -Eq "^$STAMP tagdax-agent\[$APID\] host=A info: serving host A$" "$T/agent.err" ||
	fail "agent log format: $(head -3 "$T/agent.err")"
bad=$(grep -Ev "^$STAMP tagdax-(fabricd|agent)\[[0-9]+\] host=(-|A|B) [a-z]+: " \
	"$T/fabricd.err" "$T/agent.err" "$T/garbage.err")
[ -z "$bad" ] || fail "lines out of the format: $bad"
# under journald: <N> priority prefixes, no time (the journal adds it)
: >"$T/journal.err"
exec 9>>"$T/journal.err"
JOURNAL_STREAM=$(stat -c '%d:%i' "$T/journal.err") "$FABRICD" --dir "$D" \
	--config "$T/missing.json" 2>&9; RC=$?
exec 9>&-
[ "$RC" = 2 ] || fail "a missing --config exited $RC"
grep -Eq '^<3>host=- err: .*missing.json' "$T/journal.err" ||
	fail "journal format: $(cat "$T/journal.err")"
# a configuration other than the one the directory has is refused
jq '.hosts[0].name = "Z"' "$D/config.json" >"$T/other.json"
cp "$D/config.json" "$T/kept.json"
expect_rc 2 "$FABRICD" --dir "$D" --config "$T/other.json"
contains "$ERR" "already has a configuration"
cmp -s "$D/config.json" "$T/kept.json" || fail "a refused --config changed DIR/config.json"
"$TAGDAX" fabric down --dir "$D" --purge >/dev/null 2>&1

# ---- fabric up restarts only the agent that died -------------------------
fabric_up
daemon=$(cat "$D/fabricd.pid") a=$(cat "$D/hosts/A/agent.pid") b=$(cat "$D/hosts/B/agent.pid")
# agent_state HOST: alive or dead, as `fabric list` shows it (text and JSON agree)
agent_state() {
	local text json
	text=$("$TAGDAX" fabric list --dir "$D" | awk -v h="$1" '$1 == h && NF == 2 { print $2 }')
	json=$("$TAGDAX" fabric list --dir "$D" --json | jq -r --arg h "$1" \
		'.hosts[] | select(.name == $h) | if .agent_alive then "alive" else "dead" end')
	[ "$text" = "$json" ] || fail "fabric list says $1's agent is '$text', --json '$json'"
	echo "$text"
}
[ "$(agent_state A)" = alive ] || fail "A's agent is not listed alive"
[ "$(agent_state B)" = alive ] || fail "B's agent is not listed alive"
kill -9 "$a"
for _ in $(seq 200); do [ "$(agent_state A)" = dead ] && break; sleep 0.05; done
[ "$(agent_state A)" = dead ] || fail "a killed agent is listed alive"
[ "$(agent_state B)" = alive ] || fail "B's agent is not listed alive"
expect_rc 0 "$TAGDAX" fabric up --dir "$D"
contains "$OUT" "started 1 agent (A)"
[ "$(cat "$D/fabricd.pid")" = "$daemon" ] || fail "fabric up restarted the daemon"
kill -0 "$daemon" || fail "the daemon is gone"
[ "$(cat "$D/hosts/B/agent.pid")" = "$b" ] || fail "fabric up restarted B's agent"
kill -0 "$b" || fail "B's agent is gone"
a2=$(cat "$D/hosts/A/agent.pid")
[ "$a2" != "$a" ] || fail "A's agent was not restarted"
[ "$(agent_state A)" = alive ] || fail "the restarted agent is not listed alive"
# the restarted agent serves: A accepts capacity
expect_rc 0 "$TAGDAX" fabric add --dir "$D" --host A --size 2M
# nothing missing: nothing started
expect_rc 7 "$TAGDAX" fabric up --dir "$D"
contains "$ERR" "nothing to start"
[ "$(cat "$D/hosts/A/agent.pid")" = "$a2" ] || fail "a second up touched A's agent"
expect_rc 0 "$TAGDAX" fabric down --dir "$D"

# ---- the installed unit templates ----------------------------------------
DEST=$T/dest
meson install -C "$BUILDDIR" --no-rebuild --destdir "$DEST" >"$T/install.log" 2>&1 ||
	fail "meson install: $(cat "$T/install.log")"
UNITS=$(find "$DEST" -name 'tagdax-fabricd@.service' -printf '%h\n')
[ -n "$UNITS" ] || fail "tagdax-fabricd@.service is not installed"
[ -f "$UNITS/tagdax-agent@.service" ] || fail "tagdax-agent@.service is not installed"
grep -qx "ExecStart=.*/bin/tagdax-fabricd --dir %f" "$UNITS/tagdax-fabricd@.service" ||
	fail "the daemon unit's ExecStart: $(grep ExecStart "$UNITS/tagdax-fabricd@.service")"
grep -qx "Type=notify" "$UNITS/tagdax-agent@.service" || fail "the agent unit is not Type=notify"
# an agent that exits 2 (say, for a host the configuration lacks) stays down
grep -qx "RestartPreventExitStatus=2" "$UNITS/tagdax-agent@.service" ||
	fail "the agent unit restarts an agent refused with exit 2"
# verify under DEST as root, with the system's own units beside ours
mkdir -p "$DEST/usr/lib/systemd" "$DEST/etc/systemd/system/tagdax-agent@.service.d"
cp -r /lib/systemd/system "$DEST/usr/lib/systemd/"
# the README's drop-in binding the agents to their daemon
FAB=$(systemd-escape --path /var/lib/tagdax/fabric)
HOSTA=$(systemd-escape --path /var/lib/tagdax/fabric/hosts/A)
printf '[Unit]\nBindsTo=tagdax-fabricd@%s.service\nAfter=tagdax-fabricd@%s.service\n' \
	"$FAB" "$FAB" >"$DEST/etc/systemd/system/tagdax-agent@.service.d/fabric.conf"
verify() { systemd-analyze verify --man=no --root="$DEST" "$@" 2>&1; }
OUT=$(verify "tagdax-fabricd@$FAB.service" "tagdax-agent@$HOSTA.service") ||
	fail "systemd-analyze verify: $OUT"
[ -z "$OUT" ] || fail "systemd-analyze verify warns: $OUT"
# and it does look: a unit whose program is missing fails
mv "$DEST$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$UNITS/tagdax-fabricd@.service")" "$T/moved"
OUT=$(verify "tagdax-fabricd@$FAB.service") && fail "verify passed a unit without its program"
contains "$OUT" "is not executable"

# A fabric directory removed under a running fabric (rm -rf without `fabric
# down`): the daemon notices and stops (cleanly), and its agents follow
# (they kept serving unlinked sockets for ever).
G=$T/removed
expect_rc 0 "$TAGDAX" fabric up --dir "$G"
GD=$(cat "$G/fabricd.pid"); GA=$(cat "$G/hosts/A/agent.pid")
rm -rf "$G"
for _ in $(seq 200); do kill -0 "$GD" 2>/dev/null || break; sleep 0.05; done
kill -0 "$GD" 2>/dev/null && fail "the daemon of a removed fabric directory still runs"
for _ in $(seq 600); do kill -0 "$GA" 2>/dev/null || break; sleep 0.05; done
kill -0 "$GA" 2>/dev/null && fail "an agent of a removed fabric directory still runs"
echo ok
