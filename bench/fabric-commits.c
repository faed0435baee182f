// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench/fabric, commits: what a state-changing command costs the fabric
 * daemon, over raw FM API calls.  One cycle is 5604h (add 2 MiB, a fresh
 * tag) and 5605h (forced release of it) to a host with no agent: two
 * commits, in the region where the live extents are.  Measured with 100
 * and with 100,000 live extents accepted by another host, and with 16
 * hosts driven at once (one client process and one fm.sock connection
 * each) against 1, on the same fabric.  The daemon
 * is fabricd_run() of this build in a child process, its directory on
 * tmpfs (or under --dir: on a disk, where group commit matters), its log
 * in DIR/fabricd.log.
 *
 * On a loaded machine one run of each figure says little, so both fabrics
 * (100 and N live extents) stay up and the configurations are measured in
 * rounds, A B C A B C ..., each figure and each ratio reported as the
 * median over the rounds (a ratio is taken within a round, so both sides
 * saw the same load).  A measurement is batches of CHUNK cycles per
 * client: the clients start each batch together (so 16 hosts really keep
 * 16 requests in flight and group commit can batch them), the batch is
 * timed by wall clock from the start to the last client's end, and then
 * (not timed) every client answers its host's mailbox (clears its log,
 * closes the withdrawn offers), so the state does not grow while it is
 * measured and each host carries the same backlog in every configuration.
 * The daemon's CPU time per cycle is reported too: it does not depend on
 * what else the machine runs, so it shows the model's cost directly.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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
#define CHUNK 256   /* cycles per client between clean-ups: below the host log size */
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
	char dir[PATH_MAX - 32], cfg[PATH_MAX];
	pid_t pid;
};

/* Host 0 "big" holds the live extents, every other block of region 0;
 * hosts 1..16 are driven in the same region, so first fit hands them the
 * holes between big's extents, below most of them: the new caps land in
 * the middle of the device's table, not at its end.  (Region 1 is there
 * for the other benchmarks' shape; unused.) */
static void cfab_up(struct cfab *f, const char *where)
{
	char path[PATH_MAX];
	FILE *c;
	struct fmc fm;

	snprintf(f->dir, sizeof(f->dir), "%s/tagdax-bench-commit.XXXXXX", where);
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
		/* stdio of the bench is not the daemon's: its log goes to a file */
		int fd;

		snprintf(path, sizeof(path), "%s/fabricd.log", f->dir);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd >= 0)
			dup2(fd, 2);
		_exit(fabricd_run(f->dir, f->cfg) ? 1 : 0);
	}
	snprintf(path, sizeof(path), "%s/fm.sock", f->dir);
	for (int i = 0; i < 2000 && fmc_open(&fm, path, 60000); i++)
		usleep(5000);
	fmc_close(&fm);
}

static void cfab_down(struct cfab *f)
{
	char cmd[PATH_MAX + 16];
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
	char path[PATH_MAX];
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

/* One driven host: `cycles` add + forced release. */
static void drive(struct fmc *fm, unsigned int host, unsigned int cycles)
{
	int rc;

	for (unsigned int i = 0; i < cycles; i++) {
		struct fmc_change req = { .host = (uint16_t)host, .flags = CCI_ADD_FREE,
					  .region = 0, .length = 2 * MiB };

		for (int b = 0; b < 16; b++)
			req.tag[b] = (uint8_t)rand();
		req.tag[0] |= 1;
		if ((rc = fmc_dc_change(fm, CCI_FM_INITIATE_DC_ADD, &req)))
			die("5604h", rc);
		req.flags = CCI_RELEASE_TAG_BASED | CCI_RELEASE_FORCED;
		req.length = 0;
		if ((rc = fmc_dc_change(fm, CCI_FM_INITIATE_DC_RELEASE, &req)))
			die("5605h", rc);
	}
}

static void put_byte(int fd, char b)
{
	if (write(fd, &b, 1) != 1)
		die("pipe", -errno);
}

static char get_byte(int fd)
{
	char b;

	if (read(fd, &b, 1) != 1)
		die("pipe", -EIO);
	return b;
}

/* A client process: each 'g' on go starts a batch of CHUNK cycles; it
 * says 'd' when done, then cleans up and says 'r' when ready again; end of
 * file on go ends it. */
static double cpu_s(clockid_t clk);

static void client(const struct cfab *f, unsigned int host, int go, int back, double *cpu)
{
	struct fmc fm = cfab_open(f, NULL);
	char name[16], cmd;

	snprintf(name, sizeof(name), "w%u", host);
	srand(host * 7919u + (unsigned int)getpid());
	put_byte(back, 'r');
	while (read(go, &cmd, 1) == 1 && cmd == 'g') {
		double c0 = cpu_s(CLOCK_PROCESS_CPUTIME_ID);

		drive(&fm, host, CHUNK);
		*cpu += cpu_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
		put_byte(back, 'd');
		host_cleanup(f, name, CHUNK);
		put_byte(back, 'r');
	}
	fmc_close(&fm);
}

/* Wait for `n` bytes `want` from the clients (others count as well). */
static void await(int back, unsigned int *d, unsigned int *r, char want, unsigned int n)
{
	while ((want == 'd' ? *d : *r) < n) {
		if (get_byte(back) == 'd')
			(*d)++;
		else
			(*r)++;
	}
}

static double cpu_s(clockid_t clk)
{
	struct timespec ts;

	if (clock_gettime(clk, &ts) < 0)
		die("the daemon's CPU clock", -errno);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct figure {
	double rate;   /* cycles/s, wall clock */
	double cpu;    /* the daemon's CPU microseconds per cycle */
	double client; /* the clients' CPU microseconds per cycle */
};

/* `hosts` clients at once, `batches` batches of CHUNK cycles each. */
static struct figure measure(const struct cfab *f, unsigned int hosts, unsigned int batches)
{
	int go[WORKERS][2], back[2], status;
	unsigned int d = 0, r = 0;
	double wall = 0, cpu = 0, client_cpu = 0;
	double *ccpu = mmap(NULL, WORKERS * sizeof(double), PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	clockid_t clk;
	struct figure fig;

	if (ccpu == MAP_FAILED)
		die("mmap", -errno);
	if (clock_getcpuclockid(f->pid, &clk))
		die("clock_getcpuclockid", -EINVAL);
	if (pipe(back) < 0)
		die("pipe", -errno);
	for (unsigned int h = 0; h < hosts; h++) {
		if (pipe(go[h]) < 0)
			die("pipe", -errno);
		if (fork() == 0) {
			close(back[0]);
			for (unsigned int k = 0; k <= h; k++)
				close(go[k][1]);
			client(f, h + 1, go[h][0], back[1], &ccpu[h]);
			_exit(0);
		}
		close(go[h][0]);
	}
	close(back[1]);
	for (unsigned int b = 0; b < batches; b++) {
		double t0, c0;

		await(back[0], &d, &r, 'r', (b + 1) * hosts);
		t0 = now_s();
		c0 = cpu_s(clk);
		for (unsigned int h = 0; h < hosts; h++)
			put_byte(go[h][1], 'g');
		await(back[0], &d, &r, 'd', (b + 1) * hosts);
		wall += now_s() - t0;
		cpu += cpu_s(clk) - c0;
	}
	await(back[0], &d, &r, 'r', (batches + 1) * hosts);
	for (unsigned int h = 0; h < hosts; h++)
		close(go[h][1]); /* end of file: the client is done */
	close(back[0]);
	for (unsigned int h = 0; h < hosts; h++)
		if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
			die("a client failed", -EIO);
	for (unsigned int h = 0; h < hosts; h++)
		client_cpu += ccpu[h];
	munmap(ccpu, WORKERS * sizeof(double));
	fig.rate = (double)hosts * batches * CHUNK / wall;
	fig.cpu = cpu * 1e6 / ((double)hosts * batches * CHUNK);
	fig.client = client_cpu * 1e6 / ((double)hosts * batches * CHUNK);
	return fig;
}

static int dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), dbl_cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#define MAX_ROUNDS 64

void bench_commits(unsigned int cycles, uint32_t big, unsigned int rounds, const char *where)
{
	enum { SMALL1, SMALL16, LARGE1, NCONF };
	static const char *const what[NCONF] = { "1 host,   100", "16 hosts, 100", "1 host,   " };
	double rate[NCONF][MAX_ROUNDS], cpu[NCONF][MAX_ROUNDS], ccpu[NCONF][MAX_ROUNDS],
		live[MAX_ROUNDS],
		conc[MAX_ROUNDS], cpulive[MAX_ROUNDS], cpuconc[MAX_ROUNDS];
	unsigned int b1 = (cycles + CHUNK - 1) / CHUNK;
	unsigned int b16 = (cycles + WORKERS * CHUNK - 1) / (WORKERS * CHUNK);
	struct cfab small, large;

	rounds = rounds < 1 ? 1 : rounds > MAX_ROUNDS ? MAX_ROUNDS : rounds;
	printf("commits: 5604h add + 5605h forced release (2 commits) per cycle, raw FM API, "
	       "no agent, fabric in %s;\n  median of %u rounds (A B C A B C ...), %u cycles per "
	       "figure; CPU time per cycle beside\n", where, rounds, b1 * CHUNK);
	cfab_up(&small, where);
	fill(&small, 100);
	cfab_up(&large, where);
	fill(&large, big);
	measure(&small, 1, 1); /* warm-up */
	measure(&large, 1, 1);
	for (unsigned int i = 0; i < rounds; i++) {
		struct figure a = measure(&small, 1, b1), b = measure(&small, WORKERS, b16),
			      c = measure(&large, 1, b1);

		rate[SMALL1][i] = a.rate, cpu[SMALL1][i] = a.cpu, ccpu[SMALL1][i] = a.client;
		rate[SMALL16][i] = b.rate, cpu[SMALL16][i] = b.cpu, ccpu[SMALL16][i] = b.client;
		rate[LARGE1][i] = c.rate, cpu[LARGE1][i] = c.cpu, ccpu[LARGE1][i] = c.client;
		live[i] = c.rate / a.rate;
		conc[i] = b.rate / a.rate;
		cpulive[i] = c.cpu / a.cpu;
		cpuconc[i] = b.cpu / a.cpu;
	}
	cfab_down(&large);
	cfab_down(&small);
	for (int k = 0; k < NCONF; k++) {
		printf("  %9.0f cycles/s  CPU/cycle %5.1f us daemon %5.1f us clients  ",
		       median(rate[k], rounds), median(cpu[k], rounds), median(ccpu[k], rounds));
		if (k == LARGE1)
			printf("%s%u live extents\n", what[k], big);
		else
			printf("%s live extents\n", what[k]);
	}
	printf("  %u live / 100 live:  x%.2f (target >= 0.8), daemon CPU/cycle x%.2f\n", big,
	       median(live, rounds), median(cpulive, rounds));
	printf("  16 hosts / 1 host:    x%.2f (target >= 4),   daemon CPU/cycle x%.2f\n",
	       median(conc, rounds), median(cpuconc, rounds));
}
