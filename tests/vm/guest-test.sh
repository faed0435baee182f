# SPDX-License-Identifier: GPL-2.0-or-later
# The guest half of tests/cli/vm.sh, run by /init under busybox sh.  Reports
# "TDX KEY VALUE" lines on the console; the host waits for them and checks.
# Environment from the boot line: MODE (cold|empty), TAG_A, TAG_B, TAG_C,
# and offsets in bytes: A1 (host message in A's second piece, or its last
# window), RA1 (reply in A's last window), AS (host message across the seam
# between A's pieces), RAS (reply across it), RB (reply in B); WATCH, how
# long (s) the mappings watched across the forced releases are kept.

say() { echo "TDX $*"; }

cold() {
	tagdax resolve "$TAG_A"
	say resolve-a $?
	tagdax list
	say read-a0 "$(tdx-map read "$TAG_A" 0 64)"
	say read-a1 "$(tdx-map read "$TAG_A" "$A1" 64)"
	say read-seam "$(tdx-map read "$TAG_A" "$AS" 64)"
	tdx-map write "$TAG_A" 4K guest-reply-a0 && tdx-map write "$TAG_A" "$RA1" guest-reply-a1 &&
		tdx-map write "$TAG_A" "$RAS" guest-reply-seam
	say write-a $?
	# C's descriptor was corrupted on the host: ignored, with a debug log
	TAGDAX_LOG=debug tagdax resolve "$TAG_C" > /tmp/c.log 2>&1
	say resolve-c $?
	say c-log "$(grep -c 'descriptor rejected: checksum mismatch' /tmp/c.log)"

	say ready-for-attach
	tagdax wait "$TAG_B" --timeout 30
	say wait-b $?
	say read-b "$(tdx-map read "$TAG_B" 0 64)"
	tdx-map write "$TAG_B" "$RB" guest-reply-b
	say write-b $?

	say ready-for-detach
	i=0
	while tagdax resolve "$TAG_B" > /dev/null 2>&1 && [ $i -lt 200 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	tagdax resolve "$TAG_B" > /dev/null 2>&1
	say after-detach-b $?

	# Forced releases of A (cold-plugged) and B (hot-plugged again), each
	# watched through a live mapping that must never show the next owner's
	# bytes: the host unplugs them through QMP.
	tagdax wait "$TAG_B" --timeout 60
	say wait-b2 $?
	tdx-map watch "$TAG_A" 0 "$WATCH" | tee /tmp/watch-a &
	tdx-map watch "$TAG_B" 0 "$WATCH" | tee /tmp/watch-b &
	i=0
	while ! { [ -s /tmp/watch-a ] && [ -s /tmp/watch-b ]; } && [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	say ready-for-forced
	i=0
	while { tagdax resolve "$TAG_A" || tagdax resolve "$TAG_B"; } > /dev/null 2>&1 &&
	      [ $i -lt 600 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	tagdax resolve "$TAG_A" > /dev/null 2>&1
	say after-forced-a $?
	tagdax resolve "$TAG_B" > /dev/null 2>&1
	say after-forced-b $?
	wait
}

empty() {
	tagdax resolve "$TAG_A"
	say resolve-a $?
	say list-lines "$(tagdax list | wc -l)"
}

case "$MODE" in
cold) cold ;;
empty) empty ;;
esac
say "done"
