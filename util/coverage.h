/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Coverage counters of processes that do not end through exit().
 *
 * A --coverage build writes its counters from an exit handler; _exit() and a
 * signal skip it, so a forked daemon or agent would leave no trace of what it
 * ran.  Meson defines TAGDAX_COVERAGE when -Db_coverage=true (the compilers
 * predefine nothing for --coverage); otherwise these cost nothing. */
#ifndef TAGDAX_UTIL_COVERAGE_H
#define TAGDAX_UTIL_COVERAGE_H

#include <unistd.h>

#ifdef TAGDAX_COVERAGE
void __gcov_dump(void); /* libgcov (gcc) and compiler-rt (clang) */
#endif

/* Writes this process's counters now: before an exit that skips exit
 * handlers (_exit, a deliberate SIGKILL). */
static inline void util_coverage_flush(void)
{
#ifdef TAGDAX_COVERAGE
	__gcov_dump();
#endif
}

/* _exit(code) for forked children, counters written first. */
static inline _Noreturn void util_exit(int code)
{
	util_coverage_flush();
	_exit(code);
}

#endif
