/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TAGDAX_BENCH_FABRIC_COMMITS_H
#define TAGDAX_BENCH_FABRIC_COMMITS_H

#include <stdint.h>

/* Prints add+release cycles/s with 100 and `big` live extents, 1 and 16
 * hosts, and their ratios: medians of `rounds` interleaved rounds; the
 * fabrics' directories are made under `where`. */
void bench_commits(unsigned int cycles, uint32_t big, unsigned int rounds, const char *where);

#endif
