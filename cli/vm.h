/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tagdax vm: what the args and the hot-plug halves share. */
#ifndef TAGDAX_CLI_VM_H
#define TAGDAX_CLI_VM_H

#include <limits.h>
#include <stdint.h>

#include "holders.h"
#include "qmp.h"
#include "tagdax.h"
#include "vmrom.h"

#define VM_ID_LEN QMP_ID_LEN
#define VM_ROMDIR_MAX (PATH_MAX - 64) /* room for "/<tag>.<index>.rom" */

struct vm_window {
	uint64_t offset; /* within the capacity: what the guest sees */
	uint64_t size;
	char *path;      /* the host memory behind it (its piece's file), malloc'ed */
	uint64_t at;     /* where in path: what QEMU maps */
};

/* One tag's capacity as this host resolved it, cut into guest windows: each
 * piece of the device in order, each piece into power-of-two windows. */
struct vm_cap {
	char tag[TAGDAX_TAG_STRLEN];
	int hold;           /* the device's in-use lock while we plan, or -1 */
	char *holders;      /* fabric capacity: its host's holders directory */
	char devname[32];   /* and the device's name there */
	uint64_t align;
	unsigned int flags;
	unsigned int n;
	struct vm_window win[VMROM_MAX_WINDOWS];
};

struct vm_plan {
	char romdir[VM_ROMDIR_MAX]; /* a fresh directory of this plan's own */
	unsigned int ncaps;
	struct vm_cap *caps;
	struct holder_rec *rec; /* fabric capacity: the VM's holder record (romdir) */
};

/* Resolves tags on this host, holding them, and writes their descriptor
 * ROMs into a directory of their own (the holder record's when any is
 * fabric capacity); an exit code.  vm_plan_free() afterwards, whatever it
 * returned; vm_plan_abandon() first when the plan is not given to a VM. */
int vm_plan_make(struct cli *cli, int ntags, char **tags, struct vm_plan *p);
/* Writes the holder record (when there is one): the VM holds the capacity
 * from here on.  An exit code. */
int vm_plan_register(struct vm_plan *p);
void vm_plan_abandon(struct vm_plan *p);
void vm_plan_free(struct vm_plan *p);

/* Fabric capacity: sets c's holders directory and device name; -ENODATA
 * for a device nobody can take away (no in-use lock). */
int vm_cap_holders(struct tagdax_dev *dev, struct vm_cap *c);

/* QEMU ids: the tag is in them, so detach finds a tag's windows by name. */
void vm_mem_id(const struct vm_cap *c, unsigned int i, char out[VM_ID_LEN]);
void vm_dev_id(const struct vm_cap *c, unsigned int i, char out[VM_ID_LEN]);
void vm_rom_path(const struct vm_plan *p, const struct vm_cap *c, unsigned int i,
		 char out[PATH_MAX]);

/* vm-hotplug.c */
int vm_attach(struct cli *cli, int argc, char **argv);
int vm_detach(struct cli *cli, int argc, char **argv);

#endif
