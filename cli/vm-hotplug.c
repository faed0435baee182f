// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vm attach / detach: hot-plug tagged capacity into a running QEMU through
 * QMP.  Each window goes into its own free bridge port (one device per
 * PCIe root port); detach asks the guest to let go and only then drops the
 * memory backends, which QEMU refuses to free while a device uses them.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vm.h"

#define QEMU_HAS_OFFSET 801           /* memory-backend-file offset= came in 8.1 */
#define DEFAULT_TIMEOUT_MS 10000
#define MAX_PORTS 64

struct port {
	char id[VM_ID_LEN];
	uint64_t window; /* prefetchable window size, 0 if not programmed yet */
	bool used;
};

struct ports {
	struct port v[MAX_PORTS];
	unsigned int n;
};

static uint64_t json_u64(struct json_object *obj, const char *key)
{
	struct json_object *v = obj ? json_object_object_get(obj, key) : NULL;

	return v ? (uint64_t)json_object_get_int64(v) : 0;
}

static void pref_window(struct json_object *bridge, uint64_t *size)
{
	struct json_object *bus = json_object_object_get(bridge, "bus");
	struct json_object *r = bus ? json_object_object_get(bus, "prefetchable_range") : NULL;
	uint64_t base = json_u64(r, "base"), limit = json_u64(r, "limit");

	*size = r && limit > base ? limit - base + 1 : 0;
}

/* Walks query-pci's tree for bridges that have an id (devices can only be
 * added to a bus by name). */
static void collect_bridges(struct json_object *devices, struct ports *out)
{
	size_t n = devices ? json_object_array_length(devices) : 0;

	for (size_t i = 0; i < n; i++) {
		struct json_object *d = json_object_array_get_idx(devices, i);
		struct json_object *br = json_object_object_get(d, "pci_bridge");
		struct json_object *qid = json_object_object_get(d, "qdev_id");
		const char *id = qid ? json_object_get_string(qid) : "";

		if (!br)
			continue;
		collect_bridges(json_object_object_get(br, "devices"), out);
		if (*id && strlen(id) < VM_ID_LEN && out->n < MAX_PORTS) {
			snprintf(out->v[out->n].id, VM_ID_LEN, "%s", id);
			pref_window(br, &out->v[out->n].window);
			out->v[out->n++].used = false;
		}
	}
}

static const char *entry_with(struct json_object *list, const char *key, const char *prefix)
{
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		struct json_object *v = json_object_object_get(json_object_array_get_idx(list, i), key);
		const char *s = v ? json_object_get_string(v) : "";

		if (!strncmp(s, prefix, strlen(prefix)))
			return json_object_get_string(
				json_object_object_get(json_object_array_get_idx(list, i), "name"));
	}
	return NULL;
}

/*
 * Whether anything sits on the bus behind a bridge.  Asked of QOM, where a
 * bus links each of its devices as "child[N]": query-pci only sees what the
 * guest's firmware has numbered, so it misses devices added before boot.
 */
static bool port_empty(struct qmp *q, const char *id)
{
	char path[3 * VM_ID_LEN];
	struct json_object *list;
	const char *bus;
	bool empty = false;

	snprintf(path, sizeof(path), "/machine/peripheral/%s", id);
	if (qmp_qom_list(q, path, &list))
		return false;
	bus = entry_with(list, "type", "child<PCI");
	if (bus && strlen(path) + strlen(bus) + 2 <= sizeof(path)) {
		strcat(strcat(path, "/"), bus);
		json_object_put(list);
		if (qmp_qom_list(q, path, &list))
			return false;
		empty = !entry_with(list, "name", "child[");
	}
	json_object_put(list);
	return empty;
}

static int free_ports(struct qmp *q, struct ports *out)
{
	struct json_object *buses;
	unsigned int kept = 0;
	int rc = qmp_call(q, "query-pci", NULL, &buses);

	out->n = 0;
	if (rc)
		return rc;
	for (size_t i = 0; i < json_object_array_length(buses); i++)
		collect_bridges(json_object_object_get(json_object_array_get_idx(buses, i), "devices"),
				out);
	json_object_put(buses);
	for (unsigned int i = 0; i < out->n; i++)
		if (port_empty(q, out->v[i].id))
			out->v[kept++] = out->v[i];
	out->n = kept;
	return 0;
}

/* The first unused port whose window (when known) holds size bytes. */
static const char *take_port(struct ports *ports, uint64_t size)
{
	for (unsigned int i = 0; i < ports->n; i++) {
		struct port *pt = &ports->v[i];

		if (!pt->used && (pt->window == 0 || pt->window >= size)) {
			pt->used = true;
			return pt->id;
		}
	}
	return NULL;
}

static int qmp_failed(struct qmp *q, const char *what, int rc)
{
	if (rc == -EREMOTEIO)
		fprintf(stderr, "tagdax: %s: QEMU says %s\n", what, qmp_error(q));
	else
		fprintf(stderr, "tagdax: %s: %s\n", what, strerror(-rc));
	return EXIT_SYSTEM;
}

/* Unplugs every window of tag (vm-qmp.c), saying what stopped it. */
static int remove_tag(struct qmp *q, const char *tag, int timeout_ms, unsigned int *found)
{
	char stuck[QMP_ID_LEN];
	int rc = qmp_remove_tag(q, tag, timeout_ms, found, stuck);

	if (rc == -ETIMEDOUT) {
		fprintf(stderr, "tagdax: the guest has not released %s within %d ms; "
			"the unplug stays pending (detach again to wait more)\n", stuck, timeout_ms);
		return EXIT_NOTFOUND;
	}
	return rc ? qmp_failed(q, stuck, rc) : EXIT_OK;
}

static struct json_object *backend_args(const struct vm_cap *c, unsigned int i)
{
	struct json_object *a = json_object_new_object();
	uint64_t at = c->win[i].at;
	char id[VM_ID_LEN];

	vm_mem_id(c, i, id);
	json_object_object_add(a, "qom-type", json_object_new_string("memory-backend-file"));
	json_object_object_add(a, "id", json_object_new_string(id));
	json_object_object_add(a, "mem-path", json_object_new_string(c->win[i].path));
	json_object_object_add(a, "size", json_object_new_uint64(c->win[i].size));
	json_object_object_add(a, "share", json_object_new_boolean(1));
	if (at)
		json_object_object_add(a, "offset", json_object_new_uint64(at));
	if (c->align > 4096)
		json_object_object_add(a, "align", json_object_new_uint64(c->align));
	if (c->flags & TAGDAX_DEV_READONLY)
		json_object_object_add(a, "readonly", json_object_new_boolean(1));
	return a;
}

static struct json_object *device_args(const struct vm_plan *p, const struct vm_cap *c,
				       unsigned int i, const char *port)
{
	struct json_object *a = json_object_new_object();
	char id[VM_ID_LEN], mid[VM_ID_LEN], rom[PATH_MAX];

	vm_dev_id(c, i, id);
	vm_mem_id(c, i, mid);
	vm_rom_path(p, c, i, rom);
	json_object_object_add(a, "driver", json_object_new_string("ivshmem-plain"));
	json_object_object_add(a, "id", json_object_new_string(id));
	json_object_object_add(a, "bus", json_object_new_string(port));
	json_object_object_add(a, "memdev", json_object_new_string(mid));
	json_object_object_add(a, "romfile", json_object_new_string(rom));
	return a;
}

static int attach_checks(struct qmp *q, const struct vm_cap *c)
{
	char names[1][VM_ID_LEN], prefix[VM_ID_LEN];
	int n;

	if ((c->n > 1 || c->win[0].at) && qmp_version(q) < QEMU_HAS_OFFSET) {
		fprintf(stderr, "tagdax: tag %s needs memory-backend-file offset= (%u window(s), "
			"the first at offset %" PRIu64 "), which this QEMU (%d.%d) lacks; 8.1 or "
			"later has it\n", c->tag, c->n, c->win[0].at, qmp_version(q) / 100,
			qmp_version(q) % 100);
		return EXIT_USAGE;
	}
	snprintf(prefix, sizeof(prefix), "tagdax-dev-%s.", c->tag);
	n = qmp_qom_names(q, "/machine/peripheral", prefix, names, 1);
	if (n < 0)
		return qmp_failed(q, "qom-list", n);
	if (n > 0) {
		fprintf(stderr, "tagdax: tag %s is already attached to this VM\n", c->tag);
		return EXIT_ALREADY;
	}
	return EXIT_OK;
}

static int attach_cap(struct qmp *q, const struct vm_plan *p, const struct vm_cap *c,
		      int timeout_ms)
{
	const char *port[VMROM_MAX_WINDOWS];
	struct ports ports;
	unsigned int found;
	int rc = attach_checks(q, c);

	if (rc)
		return rc;
	if ((rc = free_ports(q, &ports)))
		return qmp_failed(q, "query-pci", rc);
	for (unsigned int i = 0; i < c->n; i++)
		if (!(port[i] = take_port(&ports, c->win[i].size))) {
			fprintf(stderr, "tagdax: tag %s needs %u free hot-plug port(s) with room for "
				"its windows; see 'tagdax vm args --hotplug-ports'\n", c->tag, c->n);
			return EXIT_SYSTEM;
		}
	for (unsigned int i = 0; i < c->n && rc == 0; i++) {
		rc = qmp_call(q, "object-add", backend_args(c, i), NULL);
		if (rc == 0)
			rc = qmp_call(q, "device_add", device_args(p, c, i, port[i]), NULL);
	}
	if (rc) {
		qmp_failed(q, c->tag, rc);
		remove_tag(q, c->tag, timeout_ms, &found); /* leave nothing half plugged */
		return EXIT_SYSTEM;
	}
	for (unsigned int i = 0; i < c->n; i++)
		printf("%s window %u/%u: %" PRIu64 " bytes at %" PRIu64 " on %s\n", c->tag, i,
		       c->n, c->win[i].size, c->win[i].offset, port[i]);
	return EXIT_OK;
}

static int qmp_options(struct cli *cli, int argc, char **argv, const char **sock,
		       int *timeout_ms)
{
	static const struct option opts[] = {
		{ "qmp", required_argument, NULL, 'q' },
		{ "timeout", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == 'q')
			*sock = optarg;
		else if (opt == 't' && parse_timeout(optarg, timeout_ms) && *timeout_ms >= 0)
			continue;
		else
			return usage_error(cli, "vm %s: bad option or value", argv[0]);
	}
	if (!*sock)
		return usage_error(cli, "vm %s: --qmp SOCKET is required", argv[0]);
	if (optind == argc)
		return usage_error(cli, "vm %s: give at least one tag", argv[0]);
	return EXIT_OK;
}

static int connect_qmp(const char *sock, int timeout_ms, struct qmp **q)
{
	int rc = qmp_open(sock, timeout_ms, q);

	if (rc)
		fprintf(stderr, "tagdax: QMP socket %s: %s\n", sock, strerror(-rc));
	return rc ? EXIT_SYSTEM : EXIT_OK;
}

/* The VM holds what attach plugs from before it maps it: its record names
 * QEMU by pid and start time, and the socket that reaches it. */
static int register_attach(struct qmp *q, const char *sock, struct vm_plan *p)
{
	pid_t pid = qmp_peer_pid(q);

	if (!p->rec)
		return EXIT_OK;
	if (pid <= 0 || !(p->rec->start = proc_start_time(pid))) {
		fprintf(stderr, "tagdax: cannot tell which process serves %s\n", sock);
		return EXIT_SYSTEM;
	}
	p->rec->pid = pid;
	if (!realpath(sock, p->rec->qmp)) {
		fprintf(stderr, "tagdax: %s: %s\n", sock, strerror(errno));
		return EXIT_SYSTEM;
	}
	return vm_plan_register(p);
}

/* What did not get plugged is not held; ROMs QEMU has read are not needed
 * unless they are part of a record. */
static void settle_attach(struct vm_plan *p, unsigned int attached)
{
	if (!p->rec || attached == 0) {
		vm_plan_abandon(p);
		return;
	}
	for (unsigned int i = attached; i < p->ncaps; i++)
		if (p->caps[i].holders)
			holder_drop(p->rec, p->caps[i].devname);
}

int vm_attach(struct cli *cli, int argc, char **argv)
{
	int timeout_ms = DEFAULT_TIMEOUT_MS;
	const char *sock = NULL;
	struct qmp *q = NULL;
	unsigned int done = 0;
	struct vm_plan p;
	int rc = qmp_options(cli, argc, argv, &sock, &timeout_ms);

	if (rc)
		return rc;
	rc = vm_plan_make(cli, argc - optind, argv + optind, &p);
	if (rc == EXIT_OK)
		rc = connect_qmp(sock, timeout_ms, &q);
	if (rc == EXIT_OK)
		rc = register_attach(q, sock, &p);
	for (; rc == EXIT_OK && done < p.ncaps; done++)
		if ((rc = attach_cap(q, &p, &p.caps[done], timeout_ms)))
			break;
	settle_attach(&p, done);
	qmp_close(q);
	vm_plan_free(&p);
	return rc;
}

static int drop_if_vm(struct holder_rec *r, pid_t vm, const char *devname)
{
	int lock;
	pid_t pid = holder_live(r, &lock);

	if (lock >= 0)
		close(lock);
	return pid == vm ? holder_drop(r, devname) : 0;
}

/* The VM no longer holds the tag's device: its records stop naming it. */
static void forget_holds(struct cli *cli, struct qmp *q, const struct tagdax_tag *tag)
{
	struct vm_cap c = { .hold = -1 };
	struct holder_rec *r = malloc(sizeof(*r));
	struct tagdax_dev *dev;
	pid_t vm = qmp_peer_pid(q);
	struct dirent *de;
	DIR *d = NULL;

	tagdax_tag_unparse(tag, c.tag);
	if (r && vm > 0 && tagdax_resolve(cli->ctx, tag, &dev) == 0 && !vm_cap_holders(dev, &c))
		d = opendir(c.holders);
	while (d && (de = readdir(d))) {
		char path[PATH_MAX];

		if (!strncmp(de->d_name, "vm.", 3) &&
		    snprintf(path, sizeof(path), "%s/%s", c.holders, de->d_name) < (int)sizeof(path) &&
		    holder_read(path, r) == 0 && holder_has(r, c.devname))
			drop_if_vm(r, vm, c.devname);
	}
	if (d)
		closedir(d);
	free(c.holders);
	free(r);
}

int vm_detach(struct cli *cli, int argc, char **argv)
{
	int timeout_ms = DEFAULT_TIMEOUT_MS;
	const char *sock = NULL;
	struct tagdax_tag tag;
	struct qmp *q = NULL;
	int rc = qmp_options(cli, argc, argv, &sock, &timeout_ms);

	for (int i = optind; rc == EXIT_OK && i < argc; i++)
		if (!cli_tag(argv[i], &tag))
			rc = EXIT_USAGE;
	if (rc == EXIT_OK)
		rc = connect_qmp(sock, timeout_ms, &q);
	for (int i = optind; rc == EXIT_OK && i < argc; i++) {
		char text[TAGDAX_TAG_STRLEN];
		unsigned int found = 0;

		tagdax_tag_parse(argv[i], &tag);
		tagdax_tag_unparse(&tag, text);
		rc = remove_tag(q, text, timeout_ms, &found);
		if (rc == EXIT_OK && !found) {
			fprintf(stderr, "tagdax: tag %s is not attached to this VM\n", text);
			rc = EXIT_NOTFOUND;
		}
		if (rc == EXIT_OK)
			forget_holds(cli, q, &tag);
	}
	qmp_close(q);
	return rc;
}
