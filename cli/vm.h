/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tagdax vm: what the args and the hot-plug halves share. */
#ifndef TAGDAX_CLI_VM_H
#define TAGDAX_CLI_VM_H

#include <limits.h>
#include <stdint.h>

#include "../lib/vmrom.h"
#include "tagdax.h"

#define VM_ID_LEN 80
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
	uint64_t align;
	unsigned int flags;
	unsigned int n;
	struct vm_window win[VMROM_MAX_WINDOWS];
};

struct vm_plan {
	char romdir[VM_ROMDIR_MAX];
	unsigned int ncaps;
	struct vm_cap *caps;
};

/* Resolves tags on this host and writes their descriptor ROMs; an exit code.
 * vm_plan_free() afterwards, whatever it returned. */
int vm_plan_make(struct cli *cli, int ntags, char **tags, struct vm_plan *p);
void vm_plan_free(struct vm_plan *p);

/* QEMU ids: the tag is in them, so detach finds a tag's windows by name. */
void vm_mem_id(const struct vm_cap *c, unsigned int i, char out[VM_ID_LEN]);
void vm_dev_id(const struct vm_cap *c, unsigned int i, char out[VM_ID_LEN]);
void vm_rom_path(const struct vm_plan *p, const struct vm_cap *c, unsigned int i,
		 char out[PATH_MAX]);

/* vm-hotplug.c */
int vm_attach(struct cli *cli, int argc, char **argv);
int vm_detach(struct cli *cli, int argc, char **argv);

#endif
