/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fake sysfs/dev trees for tests: a temporary directory and helpers to fill it. */
#ifndef TAGDAX_TEST_FAKESYS_H
#define TAGDAX_TEST_FAKESYS_H

#include <stdint.h>

struct fake {
	char root[256];  /* the temporary directory */
	char sys[300];   /* <root>/sys */
	char dev[300];   /* <root>/dev */
	char run[300];   /* <root>/run */
	char config[300];/* <root>/tags.conf (not created) */
};

/* Creates the temporary tree: root, root/sys, root/dev. */
int fake_init(struct fake *f);
void fake_cleanup(struct fake *f);
/* Writes printf-formatted content to root-relative path, creating parents. */
int fake_write(struct fake *f, const char *rel, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A file of size bytes (sparse), creating parents. */
int fake_file(struct fake *f, const char *rel, uint64_t size);
int fake_mkdir(struct fake *f, const char *rel);
/* chmod of root-relative rel: the kernel makes resource attributes 0400 and
 * /dev/dax* nodes 0600, and the fakes follow it. */
int fake_mode(struct fake *f, const char *rel, unsigned int mode);
int fake_symlink(struct fake *f, const char *target, const char *rel);
int fake_remove(struct fake *f, const char *rel); /* rm -rf */
/* Fills buf with root/rel. */
const char *fake_path(struct fake *f, const char *rel, char *buf, size_t len);

#endif
