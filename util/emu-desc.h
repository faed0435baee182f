/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The emulated fabric's device descriptor (docs/fabric.md): the host agent
 * writes one per device it makes (fabric/agent/agent-dev.c) and reads its
 * own back on recovery (agent-recover.c); the library's emu provider
 * parses them (lib/prov-emu.c).  Both spell the format with these names,
 * so the writer and the readers cannot drift apart.
 *
 * DIR/hosts/NAME/devices/daxR.N (region R, number N), one key a line:
 *
 *   tag UUID
 *   path DIR/hosts/NAME/dev/daxR.N
 *   size BYTES
 *   flags sharable,readonly        (optional)
 *   region R
 *   segment OFFSET LENGTH          (repeated: bytes of path, in device order)
 *   extent DPA LENGTH              (repeated: the DC extents behind it)
 */
#ifndef TAGDAX_UTIL_EMU_DESC_H
#define TAGDAX_UTIL_EMU_DESC_H

#define EMU_DESC_DIR "devices" /* DIR/hosts/NAME/devices: the descriptors */
#define EMU_DEV_DIR "dev"      /* DIR/hosts/NAME/dev: the devices' files */
#define EMU_DEV_PREFIX "dax"   /* daxR.N names both */

#define EMU_KEY_TAG "tag"
#define EMU_KEY_PATH "path"
#define EMU_KEY_SIZE "size"
#define EMU_KEY_FLAGS "flags"
#define EMU_KEY_REGION "region"
#define EMU_KEY_SEGMENT "segment"
#define EMU_KEY_EXTENT "extent"

/* The words of the flags line, joined by EMU_FLAG_SEP (readers also take
 * blanks between them). */
#define EMU_FLAG_SHARABLE "sharable"
#define EMU_FLAG_READONLY "readonly"
#define EMU_FLAG_SEP ","

#endif
