/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * VM holders of a host's devices (docs/fabric.md, "Holders").  A QEMU given
 * fabric capacity maps the region's backing file through the device's link
 * and never holds the descriptor's lock, so `tagdax vm args` / `vm attach`
 * register it: one record directory per VM and call,
 * DIR/hosts/NAME/holders/vm.XXXXXX, whose `holds` file names the devices it
 * was given, the QMP socket that reaches it and (hot plug) its pid and start
 * time; a cold-plugged QEMU instead locks the record's qemu.pid (-pidfile).
 * The directory also keeps the windows' ROM files, so a QEMU started from
 * the record after the agent removed it cannot start.
 */
#ifndef TAGDAX_FABRIC_HOLDERS_H
#define TAGDAX_FABRIC_HOLDERS_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#define HOLDERS_DIR "holders"
#define HOLDER_MAX_DEVS 64
#define HOLDER_PIDFILE "qemu.pid"
#define HOLDER_QMP "qmp.sock"

struct holder_dev {
	char name[32]; /* daxR.N */
	char tag[40];
};

struct holder_rec {
	char dir[PATH_MAX];
	char qmp[PATH_MAX];  /* "" when none */
	bool pidfile;        /* QEMU locks dir/qemu.pid while it runs */
	pid_t pid;           /* set by attach: the QEMU it plugged into */
	unsigned long long start; /* and that process's start time */
	unsigned int n;
	struct holder_dev dev[HOLDER_MAX_DEVS];
};

/* Reads dir/holds; -ENOENT when there is none (yet), -EINVAL when unreadable. */
int holder_read(const char *dir, struct holder_rec *r);
/* Replaces dir/holds whole (a temporary name created exclusively, renamed). */
int holder_write(const struct holder_rec *r);
/* Removes the record: its files, then its directory. */
void holder_remove(const char *dir);
bool holder_has(const struct holder_rec *r, const char *devname);
/* Drops devname from the record (rewritten; removed when nothing is left). */
int holder_drop(struct holder_rec *r, const char *devname);

/*
 * The pid of the live QEMU behind a record, 0 when none runs, negative errno.
 * For a cold-plug record nobody runs, *start_lock receives a descriptor
 * holding the lock its QEMU would need (so none can start from it until the
 * caller closes it), else -1.
 */
pid_t holder_live(const struct holder_rec *r, int *start_lock);

/* A process's start time (clock ticks after boot), 0 if it does not exist. */
unsigned long long proc_start_time(pid_t pid);

#endif
