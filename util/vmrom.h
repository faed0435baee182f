/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The VM descriptor: how a tag travels into a guest.
 *
 * Each window of tagged capacity given to a guest is one ivshmem PCI device
 * whose BAR 2 maps the host memory at exactly its host offsets.  The tag
 * cannot go into those bytes (they belong to the application), so it rides
 * in the device's option ROM: cold plug, hot plug, guest reboot and any PCI
 * enumeration order all carry it with no side channel.
 *
 * Guest kernels only expose a ROM that is a valid PCI expansion ROM image, so
 * the image has the 0x55AA header, a PCI data structure ("PCIR") and the
 * last-image bit.  Code type 3 (EFI) keeps a legacy BIOS from running it; the
 * missing EFI signature keeps EFI firmware from loading it.
 *
 * A BAR must be a power of two, so a capacity that is not one is cut into
 * power-of-two windows (24 MiB = 16 MiB + 8 MiB) which the guest stitches back
 * into one mapping in window order.
 *
 * This file is shared by the host side (the CLI, which builds images) and the
 * guest side (the vm provider, which parses them); it needs nothing but libc.
 */
#ifndef TAGDAX_VMROM_H
#define TAGDAX_VMROM_H

#include <stddef.h>
#include <stdint.h>

#include <tagdax/tagdax.h>

#define VMROM_IVSHMEM_VENDOR 0x1af4
#define VMROM_IVSHMEM_DEVICE 0x1110
#define VMROM_IMAGE_SIZE 512u       /* the whole image: one 512-byte unit */
#define VMROM_PCIR_OFFSET 0x20u     /* the PCI data structure, dword aligned */
#define VMROM_DESC_OFFSET 0x40u     /* our descriptor, after the PCIR */
#define VMROM_MAGIC "TAGDAXVM"
#define VMROM_VERSION 1
#define VMROM_GRANULE (2ull << 20)  /* capacities and windows: multiples of 2 MiB */
#define VMROM_MAX_WINDOWS 48u       /* 2^64 / 2 MiB needs at most 43 */

/* Descriptor flags; the same bits as TAGDAX_DEV_SHARABLE / _READONLY. */
#define VMROM_FLAG_SHARABLE 0x1u
#define VMROM_FLAG_READONLY 0x2u
#define VMROM_FLAGS_KNOWN (VMROM_FLAG_SHARABLE | VMROM_FLAG_READONLY)

/* Wire layout, little-endian.  Offsets in the comments are from the start of
 * each structure. */
struct vmrom_wire_header {             /* PCI expansion ROM header */
	uint8_t signature[2];          /* 0x00: 0x55 0xaa */
	uint8_t reserved[0x16];        /* 0x02: zero (no x86 code) */
	uint16_t pcir_offset;          /* 0x18: offset of the PCI data structure */
} __attribute__((packed));

struct vmrom_wire_pcir {               /* PCI data structure, revision 3 */
	uint8_t signature[4];          /* 0x00: "PCIR" */
	uint16_t vendor;               /* 0x04 */
	uint16_t device;               /* 0x06 */
	uint16_t device_list;          /* 0x08: zero */
	uint16_t length;               /* 0x0a: sizeof(struct vmrom_wire_pcir) */
	uint8_t revision;              /* 0x0c: 3 */
	uint8_t class_code[3];         /* 0x0d: prog-if, sub-class, base class */
	uint16_t image_length;         /* 0x10: in 512-byte units */
	uint16_t code_revision;        /* 0x12 */
	uint8_t code_type;             /* 0x14: 3, EFI: no BIOS runs it */
	uint8_t indicator;             /* 0x15: bit 7, last image */
	uint16_t max_runtime_length;   /* 0x16 */
	uint16_t config_utility;       /* 0x18 */
	uint16_t dmtf_clp;             /* 0x1a */
} __attribute__((packed));

struct vmrom_wire_desc {               /* ours */
	char magic[8];                 /* 0x00: VMROM_MAGIC, no NUL */
	uint16_t version;              /* 0x08: VMROM_VERSION */
	uint16_t length;               /* 0x0a: sizeof(struct vmrom_wire_desc) */
	uint16_t window_index;         /* 0x0c: 0 .. window_count-1 */
	uint16_t window_count;         /* 0x0e */
	uint32_t flags;                /* 0x10: VMROM_FLAG_* */
	uint32_t reserved0;            /* 0x14: zero */
	uint8_t tag[16];               /* 0x18 */
	uint64_t window_offset;        /* 0x28: where this window starts in the capacity */
	uint64_t window_size;          /* 0x30: equals the device's BAR 2 size */
	uint64_t capacity_size;        /* 0x38: the whole tagged capacity */
	uint32_t reserved1;            /* 0x40: zero */
	uint32_t checksum;             /* 0x44: CRC-32 (IEEE) of bytes 0x00..0x43 */
} __attribute__((packed));

_Static_assert(sizeof(struct vmrom_wire_header) == 0x1a, "ROM header size");
_Static_assert(offsetof(struct vmrom_wire_header, pcir_offset) == 0x18, "PCIR pointer at 0x18");
_Static_assert(sizeof(struct vmrom_wire_pcir) == 0x1c, "PCI data structure, revision 3");
_Static_assert(offsetof(struct vmrom_wire_pcir, image_length) == 0x10, "image length");
_Static_assert(offsetof(struct vmrom_wire_pcir, code_type) == 0x14, "code type");
_Static_assert(offsetof(struct vmrom_wire_pcir, indicator) == 0x15, "indicator");
_Static_assert(sizeof(struct vmrom_wire_desc) == 0x48, "descriptor size");
_Static_assert(offsetof(struct vmrom_wire_desc, tag) == 0x18, "descriptor tag");
_Static_assert(offsetof(struct vmrom_wire_desc, window_offset) == 0x28, "window offset");
_Static_assert(offsetof(struct vmrom_wire_desc, capacity_size) == 0x38, "capacity size");
_Static_assert(offsetof(struct vmrom_wire_desc, checksum) == 0x44, "checksum");
_Static_assert(VMROM_PCIR_OFFSET >= sizeof(struct vmrom_wire_header), "PCIR after header");
_Static_assert(VMROM_DESC_OFFSET >= VMROM_PCIR_OFFSET + sizeof(struct vmrom_wire_pcir),
	       "descriptor after PCIR");
_Static_assert(VMROM_DESC_OFFSET + sizeof(struct vmrom_wire_desc) < VMROM_IMAGE_SIZE - 1,
	       "descriptor inside the image, before the checksum byte");

/* One window, in host byte order. */
struct vmrom_window {
	struct tagdax_tag tag;
	unsigned int index;
	unsigned int count;
	uint64_t offset;   /* within the capacity */
	uint64_t size;     /* a power of two, >= VMROM_GRANULE */
	uint64_t capacity; /* a multiple of VMROM_GRANULE */
	unsigned int flags;
};

/* Checks w and writes its image.  -EINVAL if w is not a valid window. */
int vmrom_build(const struct vmrom_window *w, uint8_t image[VMROM_IMAGE_SIZE]);

/* Parses the first image of a ROM read from a device.  Every byte is checked;
 * -EINVAL on anything off, with *why (if given) naming what. */
int vmrom_parse(const void *rom, size_t len, struct vmrom_window *w, const char **why);

/* Cuts capacity into power-of-two windows, largest first, so each window's
 * offset is a multiple of its size.  Returns the number of windows, or
 * -EINVAL if capacity is zero or not a multiple of VMROM_GRANULE. */
int vmrom_split(uint64_t capacity, uint64_t sizes[VMROM_MAX_WINDOWS]);

/* CRC-32 (IEEE 802.3, as zlib's crc32()) of len bytes. */
uint32_t vmrom_crc32(const void *buf, size_t len);

#endif /* TAGDAX_VMROM_H */
