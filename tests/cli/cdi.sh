# SPDX-License-Identifier: GPL-2.0-or-later
# tagdax cdi: the spec it writes follows the Container Device Interface
# specification, and podman (which reads specs only from /etc/cdi and
# /run/cdi) hands a container the right memory for --device tagdax.dev/tag=TAG.
. "$TESTLIB"
for tool in podman runc busybox jq python3; do
	command -v "$tool" > /dev/null || fail "$tool is missing: run scripts/deps"
done

A=$(cat /proc/sys/kernel/random/uuid) B=$(cat /proc/sys/kernel/random/uuid)
C=$(cat /proc/sys/kernel/random/uuid)
truncate -s 4M "$T/mem"
printf 'written-by-host' | dd of="$T/mem" bs=1 seek=$((2 << 20)) conv=notrunc status=none
mknod "$T/dev/dax7.0" c 1 5          # a character device, as /dev/daxX.Y is
printf '%s %s 2M 2MiB sharable\n%s %s 0 2M readonly\n%s %s\n' \
	"$A" "$T/mem" "$B" "$T/dev/dax7.0" "$C" "$T/mem" > "$T/tags.conf"
printf '%s %s 2M 1M\n' "$C" "$T/dev/dax7.0" >> "$T/tags.conf"   # C is ambiguous

expect_rc 0 "$TAGDAX" cdi --output -
SPEC=$OUT
contains "$ERR" "$C left out: two devices carry it"
# the CDI specification (SPEC.md): version, kind vendor/class, device names,
# absolute paths, permissions from "rwm", env as NAME=VALUE
python3 - "$SPEC" "$A" "$B" "$T" <<'PY' || fail "spec: $SPEC"
import json, re, sys
spec, a, b, t = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
assert set(spec) <= {"cdiVersion", "kind", "devices", "containerEdits", "annotations"}, spec
assert spec["cdiVersion"] == "0.5.0", spec["cdiVersion"]
vendor, cls = spec["kind"].split("/")
assert re.fullmatch(r"[a-z0-9]([a-z0-9.-]*[a-z0-9])?", vendor) and "." in vendor, vendor
assert re.fullmatch(r"[a-zA-Z0-9]([a-zA-Z0-9_.-]*[a-zA-Z0-9])?", cls), cls
names = [d["name"] for d in spec["devices"]]
assert sorted(names) == sorted([a, b]), names
for d in spec["devices"]:
    assert re.fullmatch(r"[a-zA-Z0-9]([a-zA-Z0-9_.:-]*[a-zA-Z0-9])?", d["name"])
    e = d["containerEdits"]
    assert set(e) <= {"env", "deviceNodes", "mounts", "hooks"}, e
    for n in e.get("deviceNodes", []):
        assert n["path"].startswith("/") and n["hostPath"].startswith("/"), n
        assert set(n.get("permissions", "")) <= set("rwm"), n
    for m in e.get("mounts", []):
        assert m["hostPath"].startswith("/") and m["containerPath"].startswith("/"), m
    for v in e["env"]:
        assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", v), v
da = next(d for d in spec["devices"] if d["name"] == a)["containerEdits"]
db = next(d for d in spec["devices"] if d["name"] == b)["containerEdits"]
assert da["mounts"] == [{"hostPath": t + "/mem", "containerPath": t + "/mem",
                         "options": ["bind", "rw"]}], da
assert "TAGDAX_OFFSET=2097152" in da["env"] and "TAGDAX_FLAGS=sharable" in da["env"], da
assert db["deviceNodes"] == [{"path": "/dev/dax7.0", "hostPath": t + "/dev/dax7.0",
                              "permissions": "r"}], db
assert "TAGDAX_PATH=/dev/dax7.0" in db["env"], db
PY

# bad input changes nothing
expect_rc 2 "$TAGDAX" cdi extra;             contains "$ERR" "Try 'tagdax help cdi'"
expect_rc 5 "$TAGDAX" cdi --output "$T/no/such/dir/x.json"
[ ! -e "$T/no" ] || fail "cdi made directories above its output's"

# podman: an offline container from a busybox rootfs, the spec in /run/cdi
SPECFILE=/run/cdi/tagdax-test-$$.json
POD=$T/pod
trap 'rm -f "$SPECFILE"; rm -rf "$T"' EXIT
expect_rc 0 "$TAGDAX" cdi --output "$SPECFILE"
[ "$(stat -c %a "$SPECFILE")" = 644 ] || fail "spec mode $(stat -c %a "$SPECFILE")"
mkdir -p "$POD/rootfs/bin" "$POD/rootfs/dev" "$POD/rootfs/proc" "$POD/rootfs/sys" "$POD/rootfs/tmp"
cp "$(command -v busybox)" "$POD/rootfs/bin/busybox"
ln -s busybox "$POD/rootfs/bin/sh"
PODMAN=(podman --root "$POD/storage" --runroot "$POD/run" --tmpdir "$POD/tmp"
        --storage-driver vfs --runtime runc --cgroup-manager cgroupfs --events-backend file)
tar -C "$POD/rootfs" -c . | "${PODMAN[@]}" import - localhost/tagdax-cdi-test > "$POD/import.log" 2>&1 ||
	fail "podman import: $(cat "$POD/import.log")"
run() {
	expect_rc 0 "${PODMAN[@]}" run --rm --network none --ulimit nofile=1024:1024 \
		--ulimit nproc=1024:1024 "$@"
}
# the file-backed tag: the container reads the host's bytes and writes back
run --device "tagdax.dev/tag=$A" localhost/tagdax-cdi-test /bin/sh -c \
	'busybox dd if="$TAGDAX_PATH" bs=1 skip="$TAGDAX_OFFSET" count=15 2>/dev/null; echo;
	 printf written-by-guest | busybox dd of="$TAGDAX_PATH" bs=1 seek=$((TAGDAX_OFFSET + 100)) conv=notrunc 2>/dev/null;
	 echo "$TAGDAX_TAG $TAGDAX_SIZE $TAGDAX_FLAGS"'
contains "$OUT" "written-by-host"
contains "$OUT" "$A 2097152 sharable"
[ "$(dd if="$T/mem" bs=1 skip=$(((2 << 20) + 100)) count=16 status=none)" = written-by-guest ] ||
	fail "the container's write did not reach the host's memory"
# the device-backed tag: the right node (1:5), read-only, and only it
run --device "tagdax.dev/tag=$B" localhost/tagdax-cdi-test /bin/sh -c \
	'busybox stat -c "%t:%T" /dev/dax7.0; echo "$TAGDAX_PATH"; busybox ls "'"$T"'" 2>&1; true'
contains "$OUT" "1:5"; contains "$OUT" "/dev/dax7.0"; contains "$OUT" "No such file"
# an ambiguous or unknown tag is no device at all
expect_rc 126 "${PODMAN[@]}" run --rm --network none --device "tagdax.dev/tag=$C" \
	localhost/tagdax-cdi-test /bin/true
contains "$ERR" "unresolvable CDI devices"
echo ok
