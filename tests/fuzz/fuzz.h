/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the fuzz harnesses share.  Each harness defines LLVMFuzzerTestOneInput
 * and links either libFuzzer (-Dfuzz=enabled, scripts/fuzz) or replay.c,
 * which runs the seed corpus and every crash-regression input through the
 * same entry point as an ordinary test.
 */
#ifndef TAGDAX_TEST_FUZZ_H
#define TAGDAX_TEST_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Called by replay.c once every file has run: a harness may check what the
 * replay reached (the dispatch harness: every opcode).  0 means fine. */
int fuzz_replay_done(void) __attribute__((weak));

/* An oracle said no: print why and abort, which both libFuzzer and the
 * replay driver report as a crash. */
void fuzz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Says what an input came to (accepted, or why not), on stderr, when
 * FUZZ_VERBOSE is set: how to check that a seed goes deep. */
void fuzz_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A private scratch directory, created on first use and removed at exit. */
const char *fuzz_tmpdir(void);
/* tmpdir/rel, into buf. */
const char *fuzz_path(const char *rel, char *buf, size_t len);
/* Creates tmpdir/rel (and its parents) as a directory. */
void fuzz_mkdir(const char *rel);
/* Replaces tmpdir/rel's content by len bytes; aborts if it cannot. */
void fuzz_write(const char *rel, const void *data, size_t len);

/* Little-endian readers over the input, zero past its end. */
struct fuzz_in {
	const uint8_t *p;
	size_t len, off;
};
uint64_t fuzz_take(struct fuzz_in *in, unsigned int bytes);
/* The next n bytes (fewer at the end); *got says how many. */
const uint8_t *fuzz_take_bytes(struct fuzz_in *in, size_t n, size_t *got);

#endif
