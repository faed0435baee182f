# SPDX-License-Identifier: GPL-2.0-or-later
# famfs superblocks for the CLI tests (sourced after lib.sh).  The CRC comes from gzip's
# trailer (a CRC-32 of its input): a second implementation, independent of
# the zlib call the provider makes.

# _le N VALUE: VALUE as N little-endian bytes, as printf escapes.
_le() {
	local i
	for ((i = 0; i < $1; i++)); do printf '\\x%02x' $((($2 >> (8 * i)) & 0xff)); done
}

# _uuid TEXT: the 16 bytes of a uuid in text order ("" -> the null uuid).
_uuid() {
	local h=${1//-/} i
	[ -n "$h" ] || h=00000000000000000000000000000000
	for ((i = 0; i < 32; i += 2)); do printf '\\x%s' "${h:i:2}"; done
}

# famfs_sb FILE FS_UUID DEV_UUID [FILE_SIZE]: writes a famfs superblock at
# the start of FILE, then sizes FILE (default 4 MiB).  Break it on purpose
# with FAMFS_MAGIC, FAMFS_VERSION, FAMFS_ALLOC_UNIT or FAMFS_BAD_CRC=1.
famfs_sb() {
	local file=$1 crc_len=96
	local head=$file.head
	printf "$(_le 8 "${FAMFS_MAGIC:-0x87B282FF}")$(_le 8 "${FAMFS_VERSION:-48}")" > "$head"
	printf "$(_le 8 0x200000)$(_le 8 0x800000)$(_le 8 "${FAMFS_ALLOC_UNIT:-0x200000}")" >> "$head"
	printf "$(_le 4 2)$(_le 4 2)$(_uuid "$2")$(_uuid "$3")" >> "$head"
	printf "$(_uuid 0badc0de-0000-4000-8000-000000000001)" >> "$head"
	[ "${FAMFS_BAD_CRC:-0}" = 1 ] && crc_len=95
	head -c "$crc_len" "$head" | gzip -n -c | tail -c 8 | head -c 4 >> "$head"
	printf "$(_le 4 0)$(_le 4 1)$(_le 4 0)" >> "$head" # crc high half, primary sb, pad
	head -c 88 /dev/zero >> "$head"                      # the daxdev record
	[ "$(stat -c %s "$head")" = 200 ] || fail "famfs_sb built $(stat -c %s "$head") bytes"
	mkdir -p "$(dirname "$file")"
	dd if="$head" of="$file" conv=notrunc status=none
	rm -f "$head"
	truncate -s "${4:-4M}" "$file"
}

# famfs_dax NAME FS_UUID DEV_UUID: a dax device NAME in the fake tree, with
# size and align in sysfs and a node holding a famfs superblock.
famfs_dax() {
	write "sys/bus/dax/devices/$1/size" 4194304
	write "sys/bus/dax/devices/$1/align" 2097152
	famfs_sb "$T/dev/$1" "$2" "$3"
}
