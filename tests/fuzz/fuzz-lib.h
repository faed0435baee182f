/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The library harnesses: one context aimed at the scratch tree, quiet. */
#ifndef TAGDAX_TEST_FUZZ_LIB_H
#define TAGDAX_TEST_FUZZ_LIB_H

#include "fuzz.h"
#include "private.h"

/* A context whose sysfs, dev, run and config roots lie in the scratch
 * directory (sys/, dev/, run/, tags.conf), logging nothing. */
struct tagdax_ctx *fuzz_ctx(void);

/* Runs provider name's scan and checks what every device it returned says
 * about itself; returns how many it found. */
unsigned int fuzz_scan(const char *name);

#endif
