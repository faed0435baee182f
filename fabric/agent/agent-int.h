/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The host agent's internals, shared by agent.c (events) and agent-dev.c
 * (devices). */
#ifndef TAGDAX_FABRIC_AGENT_INT_H
#define TAGDAX_FABRIC_AGENT_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "cci-codec.h" /* cci_overlap, cci_tag_is_null */
#include "fmclient.h"

#define AGENT_REGIONS 8

struct agent_region {
	bool present;
	uint64_t base, length, block;
	bool sharable, readonly;
	char *path;      /* the backing file the region lives in */
	uint64_t offset; /* where the region's base is in that file */
};

/* One device this host made: a tag group of accepted extents. */
struct agent_dev {
	struct agent_dev *next;
	char name[32];   /* daxR.N */
	unsigned int region;
	uint8_t tag[16];
	struct fmc_extent *ext; /* in device order */
	uint32_t n;
	/* A release waits for the device's holders: drain_fd holds the lock
	 * that keeps new ones out (dev_drain()). */
	bool draining;
	int drain_fd;
};

/* A Release Capacity request the host has not carried out yet (the device
 * is still mapped).  Kept in DIR/hosts/NAME/pending-release across restarts. */
struct agent_release {
	struct agent_release *next;
	struct fmc_extent *ext;
	uint32_t n;
};

struct agent {
	char *dir, *host;
	char *hostdir, *devdir, *descdir; /* hosts/NAME, .../dev, .../devices */
	struct fmc mbox;
	int irq_fd, ino_fd, sig_fd;
	struct agent_region regions[AGENT_REGIONS];
	struct agent_dev *devs;
	struct agent_release *releases;
	struct fmc_event *group; /* an event group still open across batches */
	unsigned int ngroup, capgroup;
};

/* agent.c */
void agent_log(struct agent *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *agent_rc_text(int rc); /* an errno's or a return code's name */
/* Region geometry (4800h), backing (DIR/layout), sharability (config). */
int regions_load(struct agent *a);

/* agent-events.c */
/* Reads, acts on and clears every record in the host's DC log.  Returns a
 * negative errno only when the mailbox connection failed. */
int events_drain(struct agent *a);
/* Carries out the pending releases whose devices nothing maps any more. */
void releases_try(struct agent *a);
void releases_load(struct agent *a);
void releases_free(struct agent *a);

/* agent-dev.c */
int dev_publish(struct agent *a, const struct fmc_extent *ext, uint32_t n);
/* (Re)writes dev's link and descriptor if they differ from what they should be. */
int dev_refresh(struct agent *a, const struct agent_dev *d);
/* Unpublishes dev if nothing maps it: 1 done, 0 busy, <0 error. */
int dev_unpublish_if_free(struct agent *a, struct agent_dev *dev);
/* Unpublishes at once and signals every process that still maps it. */
void dev_revoke(struct agent *a, struct agent_dev *dev);
struct agent_dev *dev_find_extent(struct agent *a, const struct fmc_extent *e);
struct agent_dev *dev_find_tag(struct agent *a, const uint8_t tag[16]);
/* Reads the descriptors this host published before a restart. */
int devs_load(struct agent *a);
/* Makes the published devices match the host's extent list (4801h). */
int devs_reconcile(struct agent *a);
void devs_free(struct agent *a);

/* Which region holds [dpa, dpa + len), or -1. */
int region_of(const struct agent *a, uint64_t dpa, uint64_t len);

#endif /* TAGDAX_FABRIC_AGENT_INT_H */
