// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vm: give tagged capacity to QEMU guests, found by tag inside them.
 *
 * A tag is resolved here, on the host, with libtagdax (so whatever provides
 * it, table entry, devdax or the emulated fabric, works, and capacity this
 * host does not hold is refused).  Its capacity, piece by piece (a device may
 * be made of non-contiguous extents), is cut into power-of-two windows (a BAR
 * must be one); each window becomes a memory-backend-file mapping the host
 * bytes at their offsets plus an ivshmem-plain device whose option ROM
 * carries the descriptor (util/vmrom.h) the guest's vm provider reads, which
 * lays the windows out in order as tagdax_map() lays out the pieces here.
 * Nothing is ever written into the shared bytes themselves.  A VM given fabric
 * capacity is recorded as its holder (util/holders.h), so the host's agent
 * waits for it on release and unplugs it on a forced one.
 * This file plans and prints options; vm-hotplug.c plugs through QMP.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "size.h"
#include "vm.h"

#define PORT_CHASSIS_BASE 200         /* away from the chassis numbers people pick */
#define COLD_CHASSIS_BASE 100         /* cold-plugged windows' own ports: 100-199 */
#define MAX_COLD_WINDOWS 100
#define DEFAULT_PORT_SIZE (1ull << 30)
#define MAX_PORTS 64

static const char vm_usage[] =
	"usage: tagdax vm args [--libvirt] [--hotplug-ports N [--port-size SIZE]] [TAG...]\n"
	"       tagdax vm attach --qmp SOCKET [--timeout SECONDS] TAG [TAG...]\n"
	"       tagdax vm detach --qmp SOCKET [--timeout SECONDS] TAG [TAG...]\n"
	"\n"
	"args     QEMU options giving a guest these tagged devices (cold plug), one per\n"
	"         line, for qemu-system-x86_64 $(tagdax vm args TAG); --libvirt prints\n"
	"         them as libvirt <qemu:commandline> XML.  --hotplug-ports adds N spare\n"
	"         pcie-root-ports (q35) that attach can use, each reserving SIZE bytes\n"
	"         (default 1G) of 64-bit prefetchable space; guests need more than 40\n"
	"         physical address bits for it (e.g. -cpu qemu64,phys-bits=42).\n"
	"attach   hot-plug into a running QEMU through its QMP socket, one free\n"
	"         pcie-root-port per window.\n"
	"detach   unplug the tagged devices (attached or cold-plugged); waits for the\n"
	"         guest to release them; the VM then no longer holds the capacity.\n"
	"\n"
	"Capacities must be multiples of 2 MiB; one made of several pieces (extents\n"
	"apart) is given piece by piece, in order, and each piece must be one.  A\n"
	"capacity that is not a power of two, is made of several pieces or does not\n"
	"start at offset 0 of its file needs QEMU 8.1 or later.\n"
	"Each window sits behind a pcie-root-port of its own: q35, for cold plug too.\n"
	"--timeout (attach, detach): default 10 seconds.  The descriptor\n"
	"ROMs go into a fresh directory per call: for fabric capacity the VM's holder\n"
	"record in DIR/hosts/NAME/holders (args then also adds -pidfile and -qmp\n"
	"there: the VM holds the capacity, see docs/fabric.md), else <run-dir>/vm.\n";

void vm_mem_id(const struct vm_cap *c, unsigned int i, char out[VM_ID_LEN])
{
	snprintf(out, VM_ID_LEN, "tagdax-mem-%s.%u", c->tag, i);
}

void vm_dev_id(const struct vm_cap *c, unsigned int i, char out[VM_ID_LEN])
{
	snprintf(out, VM_ID_LEN, "tagdax-dev-%s.%u", c->tag, i);
}

void vm_rom_path(const struct vm_plan *p, const struct vm_cap *c, unsigned int i,
		     char out[PATH_MAX])
{
	snprintf(out, PATH_MAX, "%s/%s.%u.rom", p->romdir, c->tag, i);
}

static int mkdir_one(const char *dir)
{
	return mkdir(dir, 0755) && errno != EEXIST ? -errno : 0;
}

/* A directory of our own under parent (a real directory, not a link someone
 * planted), absolute: QEMU resolves a relative romfile against its own data
 * directory.  Readable by QEMU, which may run as another user. */
static int fresh_dir(const char *parent, char out[VM_ROMDIR_MAX])
{
	char real[PATH_MAX];
	struct stat st;

	if (lstat(parent, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if (!realpath(parent, real))
		return -errno;
	if (strlen(real) + sizeof("/vm.XXXXXX") > VM_ROMDIR_MAX)
		return -ENAMETOOLONG;
	snprintf(out, VM_ROMDIR_MAX, "%s/vm.XXXXXX", real);
	if (!mkdtemp(out) || chmod(out, 0755))
		return -errno;
	return 0;
}

/* The holders directory every fabric capacity of the plan shares, or NULL. */
static const char *plan_holders(struct cli *cli, const struct vm_plan *p, int *rc)
{
	const char *dir = NULL;

	*rc = EXIT_OK;
	for (unsigned int i = 0; i < p->ncaps; i++) {
		if (!p->caps[i].holders)
			continue;
		if (dir && strcmp(dir, p->caps[i].holders))
			*rc = usage_error(cli, "tags of two fabric hosts cannot go to one VM");
		dir = p->caps[i].holders;
	}
	return dir;
}

/* The plan's own ROM directory: for fabric capacity, the VM's holder record
 * in the host's holders directory; else a fresh one under <run-dir>/vm.
 * Fresh names (never a tag alone) keep two plans for one tag apart. */
static int make_romdir(struct cli *cli, struct vm_plan *p)
{
	char dir[PATH_MAX];
	int rc;
	const char *holders = plan_holders(cli, p, &rc);

	if (rc)
		return rc;
	if (holders) {
		snprintf(dir, sizeof(dir), "%s", holders);
		rc = mkdir_one(dir);
	} else {
		snprintf(dir, sizeof(dir), "%s", tagdax_get_run_dir(cli->ctx));
		rc = mkdir_one(dir);
		if (rc == 0 && strlen(dir) + 4 < sizeof(dir))
			rc = mkdir_one(strcat(dir, "/vm"));
	}
	if (rc == 0)
		rc = fresh_dir(dir, p->romdir);
	if (rc) {
		p->romdir[0] = '\0';
		fprintf(stderr, "tagdax: cannot create a directory in %s: %s\n", dir, strerror(-rc));
		return EXIT_SYSTEM;
	}
	if (holders && !(p->rec = calloc(1, sizeof(*p->rec))))
		return EXIT_SYSTEM;
	for (unsigned int i = 0; p->rec && i < p->ncaps; i++) {
		struct holder_dev *d = &p->rec->dev[p->rec->n];

		if (!p->caps[i].holders)
			continue;
		snprintf(d->name, sizeof(d->name), "%s", p->caps[i].devname);
		snprintf(d->tag, sizeof(d->tag), "%s", p->caps[i].tag);
		p->rec->n++;
	}
	if (p->rec)
		snprintf(p->rec->dir, sizeof(p->rec->dir), "%s", p->romdir);
	return EXIT_OK;
}

/* Created, never opened: a name in our fresh directory that exists already
 * was put there by someone else. */
static int write_new(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	int rc = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, data, len) != (ssize_t)len)
		rc = -EIO;
	if (close(fd) && !rc)
		rc = -errno;
	return rc;
}

static int write_roms(const struct vm_plan *p, const struct vm_cap *c)
{
	for (unsigned int i = 0; i < c->n; i++) {
		struct vmrom_window w = {
			.index = i, .count = c->n, .offset = c->win[i].offset,
			.size = c->win[i].size, .capacity = c->win[c->n - 1].offset + c->win[c->n - 1].size,
			.flags = (c->flags & TAGDAX_DEV_SHARABLE ? VMROM_FLAG_SHARABLE : 0) |
				 (c->flags & TAGDAX_DEV_READONLY ? VMROM_FLAG_READONLY : 0),
		};
		uint8_t image[VMROM_IMAGE_SIZE];
		char path[PATH_MAX];
		int rc;

		tagdax_tag_parse(c->tag, &w.tag);
		vm_rom_path(p, c, i, path);
		rc = vmrom_build(&w, image);
		if (rc == 0)
			rc = write_new(path, image, sizeof(image));
		if (rc) {
			fprintf(stderr, "tagdax: cannot write %s: %s\n", path, strerror(-rc));
			return EXIT_SYSTEM;
		}
	}
	return EXIT_OK;
}

/* Whether a window of size bytes at byte at of its file fits the device's
 * alignment (memory-backend-file align=). */
static bool window_aligned(const struct vm_cap *c, uint64_t at, uint64_t size)
{
	return c->align <= 4096 || (at % c->align == 0 && size % c->align == 0);
}

/* Appends one piece's windows: each a power of two (a BAR must be one), at
 * the piece's own file offsets, numbered on from the pieces before it so the
 * guest lays them out in the device's order. */
static int cut_piece(struct vm_cap *c, const struct cli_piece *pc)
{
	uint64_t sizes[VMROM_MAX_WINDOWS], at = pc->offset;
	int n = vmrom_split(pc->length, sizes);

	if (n < 0 || pc->offset % (uint64_t)sysconf(_SC_PAGESIZE)) {
		fprintf(stderr, "tagdax: tag %s: its %" PRIu64 "-byte piece at offset %" PRIu64
			" of %s cannot go to a guest: a piece's size must be a multiple of 2 MiB, "
			"its offset one of the page size\n", c->tag, pc->length, pc->offset, pc->path);
		return EXIT_USAGE;
	}
	if (c->n + (unsigned int)n > VMROM_MAX_WINDOWS) {
		fprintf(stderr, "tagdax: tag %s: its pieces need more than %u guest windows\n",
			c->tag, VMROM_MAX_WINDOWS);
		return EXIT_USAGE;
	}
	for (int k = 0; k < n; k++, c->n++) {
		struct vm_window *w = &c->win[c->n];

		if (!window_aligned(c, at, sizes[k])) {
			fprintf(stderr, "tagdax: tag %s: a %" PRIu64 "-byte window does not fit the "
				"device's %" PRIu64 "-byte alignment\n", c->tag, sizes[k], c->align);
			return EXIT_USAGE;
		}
		*w = (struct vm_window){ c->n ? w[-1].offset + w[-1].size : 0, sizes[k],
					 strdup(pc->path), at };
		if (!w->path)
			return EXIT_SYSTEM;
		at += sizes[k];
	}
	return EXIT_OK;
}

/*
 * Fabric capacity (a device with an in-use lock, DIR/hosts/NAME/devices/
 * daxR.N) is held while we plan, so its owner cannot take it away before the
 * VM's holder record names it; the record goes in DIR/hosts/NAME/holders.
 */
int vm_cap_holders(struct tagdax_dev *dev, struct vm_cap *c)
{
	const char *lock = tagdax_dev_get_lock_path(dev);
	const char *name = lock ? strrchr(lock, '/') : NULL;
	int hostdir_len = name ? (int)(name - lock) : 0;

	if (!lock)
		return -ENODATA;
	/* the host's directory is the descriptor's directory's parent */
	while (hostdir_len > 0 && lock[hostdir_len - 1] != '/')
		hostdir_len--;
	if (!name || hostdir_len <= 1 || strlen(name + 1) >= sizeof(c->devname))
		return -EINVAL;
	if (asprintf(&c->holders, "%.*s%s", hostdir_len, lock, HOLDERS_DIR) < 0) {
		c->holders = NULL;
		return -ENOMEM;
	}
	snprintf(c->devname, sizeof(c->devname), "%s", name + 1);
	return 0;
}

/* Only fabric capacity has an owner that takes it back through a host's
 * agent, which reads the VM's holder record; other devices' locks (a devdax
 * node) are nobody's to register with. */
static bool fabric_capacity(struct tagdax_dev *dev)
{
	return !strcmp(tagdax_dev_get_provider(dev), "emu");
}

static int hold_cap(struct tagdax_dev *dev, struct vm_cap *c)
{
	int rc;

	if (!fabric_capacity(dev)) {
		c->hold = -ENODATA;
		return EXIT_OK;
	}
	c->hold = tagdax_hold(dev, 0);
	if (c->hold == -ENODATA)
		return EXIT_OK; /* nobody can take it away: nothing to register */
	if (c->hold < 0) {
		fprintf(stderr, "tagdax: tag %s: %s\n", c->tag, c->hold == -EBUSY ||
			c->hold == -ENOENT ? "its device is being released" : strerror(-c->hold));
		return c->hold == -EBUSY || c->hold == -ENOENT ? EXIT_NOTFOUND : EXIT_SYSTEM;
	}
	rc = vm_cap_holders(dev, c);
	if (rc)
		fprintf(stderr, "tagdax: tag %s: its device's lock %s: %s\n", c->tag,
			tagdax_dev_get_lock_path(dev), strerror(-rc));
	return rc ? EXIT_SYSTEM : EXIT_OK;
}

/* Resolves a tag on this host; refuses what it cannot resolve. */
static int plan_cap(struct cli *cli, const char *text, struct vm_cap *c)
{
	struct tagdax_tag tag;
	struct tagdax_dev *dev;
	struct cli_piece *pc;
	int n, rc;

	if (!cli_tag(text, &tag))
		return EXIT_USAGE;
	rc = tagdax_resolve(cli->ctx, &tag, &dev);
	if (rc)
		return cli_resolve_status(cli, &tag, rc, dev);
	tagdax_tag_unparse(&tag, c->tag);
	rc = hold_cap(dev, c);
	if (rc)
		return rc;
	c->align = tagdax_dev_get_align(dev);
	c->flags = tagdax_dev_get_flags(dev);
	n = cli_pieces(dev, &pc);
	if (n <= 0) {
		fprintf(stderr, "tagdax: tag %s: %s\n", c->tag,
			n < 0 ? strerror(-n) : "the device has no memory to give");
		rc = EXIT_SYSTEM;
	}
	for (int i = 0; i < n && rc == EXIT_OK; i++)
		rc = cut_piece(c, &pc[i]);
	free(pc);
	return rc;
}

void vm_plan_free(struct vm_plan *p)
{
	for (unsigned int i = 0; p->caps && i < p->ncaps; i++) {
		for (unsigned int w = 0; w < p->caps[i].n; w++)
			free(p->caps[i].win[w].path);
		if (p->caps[i].hold >= 0)
			close(p->caps[i].hold);
		free(p->caps[i].holders);
	}
	free(p->caps);
	free(p->rec);
	p->caps = NULL;
	p->rec = NULL;
}

void vm_plan_abandon(struct vm_plan *p)
{
	if (p->romdir[0])
		holder_remove(p->romdir);
	p->romdir[0] = '\0';
}

int vm_plan_register(struct vm_plan *p)
{
	int rc = p->rec ? holder_write(p->rec) : 0;

	if (rc)
		fprintf(stderr, "tagdax: cannot record the VM as a holder in %s: %s\n",
			p->romdir, strerror(-rc));
	return rc ? EXIT_SYSTEM : EXIT_OK;
}

int vm_plan_make(struct cli *cli, int ntags, char **tags, struct vm_plan *p)
{
	int rc = EXIT_OK;

	p->ncaps = 0;
	p->rec = NULL;
	p->romdir[0] = '\0';
	p->caps = calloc((size_t)ntags + 1, sizeof(*p->caps));
	if (!p->caps)
		return EXIT_SYSTEM;
	for (int i = 0; i < ntags && rc == EXIT_OK; i++) {
		struct vm_cap *c = &p->caps[p->ncaps];

		c->hold = -1;
		rc = plan_cap(cli, tags[i], c);
		for (unsigned int j = 0; rc == EXIT_OK && j < p->ncaps; j++)
			if (!strcmp(p->caps[j].tag, c->tag))
				rc = usage_error(cli, "tag %s given twice", c->tag);
		p->ncaps++;
	}
	if (rc == EXIT_OK && ntags)
		rc = make_romdir(cli, p);
	for (unsigned int i = 0; rc == EXIT_OK && i < p->ncaps; i++)
		rc = write_roms(p, &p->caps[i]);
	return rc;
}

/* ---- args ------------------------------------------------------------ */

struct emitter {
	bool libvirt;
};

/* QEMU option values: a comma inside a value is written twice. */
static void qemu_escape(char *out, size_t len, const char *in)
{
	size_t o = 0;

	for (; *in && o + 2 < len; in++) {
		out[o++] = *in;
		if (*in == ',')
			out[o++] = ',';
	}
	out[o] = '\0';
}

static void xml_print(const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", stdout); break;
		case '<': fputs("&lt;", stdout); break;
		case '>': fputs("&gt;", stdout); break;
		case '\'': fputs("&apos;", stdout); break;
		case '"': fputs("&quot;", stdout); break;
		default: putchar(*s);
		}
	}
}

static void emit(const struct emitter *e, const char *opt, const char *value)
{
	if (!e->libvirt) {
		printf("%s %s\n", opt, value);
		return;
	}
	printf("  <qemu:arg value='%s'/>\n  <qemu:arg value='", opt);
	xml_print(value);
	printf("'/>\n");
}

/* Each window sits behind a pcie-root-port of its own (q35), where it can be
 * unplugged as a hot-plugged one can: a device on pcie.0 never can be. */
static void emit_window(const struct emitter *e, const struct vm_plan *p,
			const struct vm_cap *c, unsigned int i, unsigned int chassis)
{
	char mid[VM_ID_LEN], did[VM_ID_LEN], rom[PATH_MAX], esc[2 * PATH_MAX], value[3 * PATH_MAX];
	char port[VM_ID_LEN];
	uint64_t at = c->win[i].at;
	int n;

	snprintf(port, sizeof(port), "tagdax-cport-%s.%u", c->tag, i);
	snprintf(value, sizeof(value), "pcie-root-port,id=%s,chassis=%u,slot=0", port, chassis);
	emit(e, "-device", value);
	vm_mem_id(c, i, mid);
	vm_dev_id(c, i, did);
	qemu_escape(esc, sizeof(esc), c->win[i].path);
	n = snprintf(value, sizeof(value), "memory-backend-file,id=%s,mem-path=%s,size=%" PRIu64,
		     mid, esc, c->win[i].size);
	if (at)
		n += snprintf(value + n, sizeof(value) - (size_t)n, ",offset=%" PRIu64, at);
	if (c->align > 4096)
		n += snprintf(value + n, sizeof(value) - (size_t)n, ",align=%" PRIu64, c->align);
	snprintf(value + n, sizeof(value) - (size_t)n, "%s,share=on",
		 c->flags & TAGDAX_DEV_READONLY ? ",readonly=on" : "");
	emit(e, "-object", value);
	vm_rom_path(p, c, i, rom);
	qemu_escape(esc, sizeof(esc), rom);
	snprintf(value, sizeof(value), "ivshmem-plain,id=%s,bus=%s,memdev=%s,romfile=%s", did, port,
		 mid, esc);
	emit(e, "-device", value);
}

static void emit_ports(const struct emitter *e, unsigned int n, uint64_t size)
{
	for (unsigned int i = 0; i < n; i++) {
		char value[160];

		snprintf(value, sizeof(value),
			 "pcie-root-port,id=tagdax-port%u,chassis=%u,slot=0,pref64-reserve=%" PRIu64,
			 i, PORT_CHASSIS_BASE + i, size);
		emit(e, "-device", value);
	}
}

/* A number of bytes, with an optional K, M, G or T. */
static bool parse_bytes(const char *text, uint64_t *out)
{
	return util_parse_size(text, out) == 0;
}

static int args_options(struct cli *cli, int argc, char **argv, struct emitter *e,
			unsigned int *ports, uint64_t *port_size)
{
	static const struct option opts[] = {
		{ "libvirt", no_argument, NULL, 'l' },
		{ "hotplug-ports", required_argument, NULL, 'p' },
		{ "port-size", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v;
	int opt;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == 'l')
			e->libvirt = true;
		else if (opt == 'p' && parse_bytes(optarg, &v) && v <= MAX_PORTS)
			*ports = (unsigned int)v;
		else if (opt == 's' && parse_bytes(optarg, &v) && v >= VMROM_GRANULE && !(v & (v - 1)))
			*port_size = v;
		else
			return usage_error(cli, "vm args: bad option or value (ports: 0-%d, "
					   "port size: a power of two of at least 2M)", MAX_PORTS);
	}
	return EXIT_OK;
}

/*
 * A VM given fabric capacity is its holder: QEMU writes its pid into the
 * record's qemu.pid and keeps it locked while it runs (libvirt keeps its own
 * pidfile: there the record's QMP socket tells whether it runs), and serves
 * the record's QMP socket, through which the host's agent unplugs the
 * capacity when it is forcibly released.
 */
static int register_args(const struct emitter *e, struct vm_plan *p)
{
	if (!p->rec)
		return EXIT_OK;
	if (strlen(p->romdir) + sizeof("/" HOLDER_QMP) > sizeof(((struct sockaddr_un *)0)->sun_path)) {
		fprintf(stderr, "tagdax: %s is too long a path for a QMP socket in it\n", p->romdir);
		return EXIT_SYSTEM;
	}
	snprintf(p->rec->qmp, sizeof(p->rec->qmp), "%s/%s", p->romdir, HOLDER_QMP);
	p->rec->pidfile = !e->libvirt;
	return vm_plan_register(p);
}

static void emit_holder(const struct emitter *e, const struct vm_plan *p)
{
	char esc[2 * PATH_MAX], value[3 * PATH_MAX];

	if (!p->rec)
		return;
	if (p->rec->pidfile) {
		snprintf(value, sizeof(value), "%s/%s", p->romdir, HOLDER_PIDFILE);
		emit(e, "-pidfile", value);
	}
	qemu_escape(esc, sizeof(esc), p->rec->qmp);
	snprintf(value, sizeof(value), "unix:%s,server=on,wait=off", esc);
	emit(e, "-qmp", value);
}

static unsigned int plan_windows(const struct vm_plan *p)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < p->ncaps; i++)
		n += p->caps[i].n;
	return n;
}

static void emit_args(const struct emitter *e, const struct vm_plan *p, unsigned int ports,
		      uint64_t port_size)
{
	unsigned int chassis = COLD_CHASSIS_BASE;

	if (e->libvirt)
		printf("<!-- tagdax vm args: QEMU options for libvirt; the domain element "
		       "may declare the qemu namespace instead -->\n"
		       "<qemu:commandline xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>\n");
	emit_holder(e, p);
	for (unsigned int i = 0; i < p->ncaps; i++)
		for (unsigned int w = 0; w < p->caps[i].n; w++)
			emit_window(e, p, &p->caps[i], w, chassis++);
	emit_ports(e, ports, port_size);
	if (e->libvirt)
		printf("</qemu:commandline>\n");
}

static int vm_args(struct cli *cli, int argc, char **argv)
{
	struct emitter e = { false };
	uint64_t port_size = DEFAULT_PORT_SIZE;
	unsigned int ports = 0;
	struct vm_plan p;
	int rc = args_options(cli, argc, argv, &e, &ports, &port_size);

	if (rc)
		return rc;
	if (optind == argc && ports == 0)
		return usage_error(cli, "vm args: give at least one tag or --hotplug-ports");
	rc = vm_plan_make(cli, argc - optind, argv + optind, &p);
	if (rc == EXIT_OK && plan_windows(&p) > MAX_COLD_WINDOWS)
		rc = usage_error(cli, "vm args: more than %d windows for one VM", MAX_COLD_WINDOWS);
	if (rc == EXIT_OK)
		rc = register_args(&e, &p);
	if (rc == EXIT_OK)
		emit_args(&e, &p, ports, port_size);
	else
		vm_plan_abandon(&p);
	vm_plan_free(&p);
	return rc;
}

int cmd_vm(struct cli *cli, int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "args"))
		return vm_args(cli, argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "attach"))
		return vm_attach(cli, argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "detach"))
		return vm_detach(cli, argc - 1, argv + 1);
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "help"))) {
		fputs(vm_usage, stdout);
		return EXIT_OK;
	}
	fputs(vm_usage, stderr);
	return EXIT_USAGE;
}
