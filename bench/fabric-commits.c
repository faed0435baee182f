// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench/fabric, commits: what a state-changing command costs the fabric
 * daemon, over raw FM API calls.  One cycle is 5604h (add 2 MiB, a fresh
 * tag) and 5605h (forced release of it) to a host with no agent: two
 * commits.  Measured with 100 and with 100,000 live extents accepted by
 * another host, and with 16 hosts driven at once (one client process and
 * one fm.sock connection each) against 1, on the same fabric.  The daemon
 * is fabricd_run() of this build in a child process, its directory on
 * tmpfs.  Between timed chunks (not timed) the bench answers the hosts'
 * mailboxes itself (clears their logs, closes the withdrawn offers), so the
 * state does not grow while it is measured.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fabric-commits.h"
#include "fabricd.h"
#include "fmclient.h"

#define MiB (1ull << 20)
#define WORKERS 16
#define CHUNK 256   /* cycles between clean-ups: below the host log size */
#define BIG_REGION (1ull << 40)
#define GROUP 4000  /* extents per prescriptive add while filling */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, int rc)
{
	fprintf(stderr, "bench/fabric commits: %s: %s\n", what,
		rc < 0 ? strerror(-rc) : cci_rc_sentence(rc));
	exit(1);
}

struct cfab {
	char dir[64], cfg[80];
	pid_t pid;
};

/* Host 0 "big" holds the live extents (region 0, not sharable); hosts
 * 1..16 are driven (region 1, sharable). */
static void cfab_up(struct cfab *f)
{
	char path[128];
	FILE *c;
	struct fmc fm;

	snprintf(f->dir, sizeof(f->dir), "/dev/shm/tagdax-bench-commit.XXXXXX");
	if (!mkdtemp(f->dir))
		die("mkdtemp", -errno);
	snprintf(f->cfg, sizeof(f->cfg), "%s.json", f->dir);
	c = fopen(f->cfg, "w");
	if (!c)
		die(f->cfg, -errno);
	fprintf(c, "{ \"hosts\": [ { \"id\": 0, \"name\": \"big\" }");
	for (unsigned int i = 1; i <= WORKERS; i++)
		fprintf(c, ", { \"id\": %u, \"name\": \"w%u\" }", i, i);
	fprintf(c, "], \"regions\": [ { \"base\": \"0\", \"length\": %llu, \"block_size\": \"2M\" },"
		" { \"base\": %llu, \"length\": %llu, \"block_size\": \"2M\", \"sharable\": true } ],"
		" \"backing\": { \"type\": \"dir\" }, \"event_log_size\": 4096,"
		" \"max_extents\": 1048576 }\n", BIG_REGION, BIG_REGION, 64ull << 30);
	fclose(c);
	f->pid = fork();
	if (f->pid == 0) {
		/* stdio of the bench is not the daemon's */
		_exit(fabricd_run(f->dir, f->cfg) ? 1 : 0);
	}
	snprintf(path, sizeof(path), "%s/fm.sock", f->dir);
	for (int i = 0; i < 2000 && fmc_open(&fm, path, 60000); i++)
		usleep(5000);
	fmc_close(&fm);
}

static void cfab_down(struct cfab *f)
{
	char cmd[160];
	int status;

	kill(f->pid, SIGTERM);
	if (waitpid(f->pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
		die("the fabric daemon failed", -EIO);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	if (system(cmd) != 0)
		die(cmd, -EIO);
	unlink(f->cfg);
}

static struct fmc cfab_open(const struct cfab *f, const char *host)
{
	char path[128];
	struct fmc c;
	int rc;

	if (host)
		snprintf(path, sizeof(path), "%s/hosts/%s/mbox.sock", f->dir, host);
	else
		snprintf(path, sizeof(path), "%s/fm.sock", f->dir);
	if ((rc = fmc_open(&c, path, 60000)))
		die(path, rc);
	return c;
}

/* Clear a log: every record it holds, oldest first. */
static void clear_log(struct fmc *c)
{
	struct fmc_events ev;
	uint16_t *h;
	int rc;

	do {
		if ((rc = fmc_get_events(c, CCI_LOG_DC, &ev)))
			die("Get Event Records", rc);
		h = calloc(ev.count ? ev.count : 1, sizeof(*h));
		for (unsigned int i = 0; h && i < ev.count; i++)
			h[i] = ev.ev[i].handle;
		if (ev.count && (rc = fmc_clear_events(c, CCI_LOG_DC, h, ev.count, false)))
			die("Clear Event Records", rc);
		free(h);
		fmc_events_free(&ev);
	} while (ev.more);
}

/* As host `name`: accept nothing for each withdrawn offer, clear the log. */
static void host_cleanup(const struct cfab *f, const char *name, unsigned int offers)
{
	struct fmc c = cfab_open(f, name);
	int rc;

	for (unsigned int i = 0; i < offers; i++)
		if ((rc = fmc_dc_respond(&c, CCI_ADD_DC_RESPONSE, NULL, 0)))
			die("Add Dynamic Capacity Response", rc);
	clear_log(&c);
	fmc_close(&c);
}

/* `n` extents of 2 MiB, every other block of region 0, accepted by "big". */
static void fill(const struct cfab *f, uint32_t n)
{
	struct fmc fm = cfab_open(f, NULL), mb = cfab_open(f, "big");
	struct fmc_extent *x = calloc(GROUP, sizeof(*x));
	uint64_t dpa = 0;
	int rc;

	if (!x)
		die("fill", -ENOMEM);
	for (uint32_t done = 0; done < n;) {
		uint32_t k = n - done < GROUP ? n - done : GROUP;
		struct fmc_change req = { .host = 0, .flags = CCI_ADD_PRESCRIPTIVE, .ext = x,
					  .count = k };

		for (uint32_t i = 0; i < k; i++, dpa += 4 * MiB)
			x[i] = (struct fmc_extent){ .dpa = dpa, .len = 2 * MiB };
		if ((rc = fmc_dc_change(&fm, CCI_FM_INITIATE_DC_ADD, &req)))
			die("filling: 5604h", rc);
		if ((rc = fmc_dc_respond(&mb, CCI_ADD_DC_RESPONSE, x, k)))
			die("filling: 4802h", rc);
		clear_log(&mb);
		done += k;
	}
	clear_log(&fm);
	free(x);
	fmc_close(&mb);
	fmc_close(&fm);
}

/* One driven host: `cycles` add + forced release; the seconds they took. */
static double drive(const struct cfab *f, unsigned int host, unsigned int cycles)
{
	struct fmc fm = cfab_open(f, NULL);
	char name[16];
	double busy = 0;
	int rc;

	snprintf(name, sizeof(name), "w%u", host);
	srand(host * 7919u + (unsigned int)getpid());
	for (unsigned int done = 0; done < cycles;) {
		unsigned int k = cycles - done < CHUNK ? cycles - done : CHUNK;
		double t0 = now_s();

		for (unsigned int i = 0; i < k; i++) {
			struct fmc_change req = { .host = (uint16_t)host, .flags = CCI_ADD_FREE,
						  .region = 1, .length = 2 * MiB };

			for (int b = 0; b < 16; b++)
				req.tag[b] = (uint8_t)rand();
			req.tag[0] |= 1;
			if ((rc = fmc_dc_change(&fm, CCI_FM_INITIATE_DC_ADD, &req)))
				die("5604h", rc);
			req.flags = CCI_RELEASE_TAG_BASED | CCI_RELEASE_FORCED;
			req.length = 0;
			if ((rc = fmc_dc_change(&fm, CCI_FM_INITIATE_DC_RELEASE, &req)))
				die("5605h", rc);
		}
		busy += now_s() - t0;
		host_cleanup(f, name, k);
		done += k;
	}
	fmc_close(&fm);
	return busy;
}

/* cycles/s of `hosts` clients at once, each doing `per` cycles: the total
 * over the slowest client's busy time. */
static double rate(const struct cfab *f, unsigned int hosts, unsigned int per)
{
	double *busy = mmap(NULL, hosts * sizeof(double), PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_ANONYMOUS, -1, 0), worst = 0;
	int status;

	if (busy == MAP_FAILED)
		die("mmap", -errno);
	for (unsigned int h = 0; h < hosts; h++)
		if (fork() == 0) {
			busy[h] = drive(f, h + 1, per);
			_exit(0);
		}
	for (unsigned int h = 0; h < hosts; h++)
		if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
			die("a client failed", -EIO);
	for (unsigned int h = 0; h < hosts; h++)
		worst = busy[h] > worst ? busy[h] : worst;
	munmap(busy, hosts * sizeof(double));
	return (double)hosts * per / worst;
}

void bench_commits(unsigned int cycles, uint32_t big)
{
	struct cfab f;
	double small1, small16, large1;

	printf("commits: 5604h add + 5605h forced release (2 commits) per cycle, raw FM API, "
	       "no agent, tmpfs\n");
	cfab_up(&f);
	fill(&f, 100);
	rate(&f, 1, CHUNK); /* warm-up */
	small1 = rate(&f, 1, cycles);
	printf("  %9.0f cycles/s  1 host,   100 live extents\n", small1);
	small16 = rate(&f, WORKERS, (cycles + WORKERS - 1) / WORKERS);
	printf("  %9.0f cycles/s  16 hosts, 100 live extents\n", small16);
	cfab_down(&f);
	cfab_up(&f);
	fill(&f, big);
	rate(&f, 1, CHUNK);
	large1 = rate(&f, 1, cycles);
	printf("  %9.0f cycles/s  1 host,   %u live extents\n", large1, big);
	cfab_down(&f);
	printf("  %u live / 100 live: x%.2f (target >= 0.8)\n", big, large1 / small1);
	printf("  16 hosts / 1 host:  x%.2f (target >= 4)\n", small16 / small1);
}
