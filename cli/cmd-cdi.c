// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cdi: a Container Device Interface spec (github.com/cncf-tags/container-device-
 * interface, SPEC.md) naming each tagged device by its tag, kind
 * "tagdax.dev/tag", so that a runtime given --device tagdax.dev/tag=TAG hands
 * the container the memory behind TAG: a device node for a dax (or other
 * character or block) device, a bind mount for a file (table entries, fabric
 * devices), and the TAGDAX_* variables exec sets.
 *
 * cdiVersion 0.5.0: the newest podman 4.3 (Debian 12) reads (it ignores
 * 0.6.0 specs), and everything written here is in 0.5.0.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"
#include "tagdax.h"

#define CDI_VERSION "0.5.0"
#define CDI_KIND "tagdax.dev/tag"
#define CDI_DEFAULT "/run/cdi/tagdax.json"

static void env_add(struct json_object *env, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void env_add(struct json_object *env, const char *name, const char *fmt, ...)
{
	char value[PATH_MAX], line[PATH_MAX + 64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	snprintf(line, sizeof(line), "%s=%s", name, value);
	json_object_array_add(env, json_object_new_string(line));
}

/* Where a device node appears in the container: /dev/ and its name under the
 * device root (a test tree or a chroot's /dev), else under /dev by its name. */
static void container_node(struct cli *cli, const char *path, char *out, size_t len)
{
	const char *root = tagdax_get_dev_root(cli->ctx);
	size_t n = strlen(root);

	if (!strncmp(path, root, n) && path[n] == '/')
		snprintf(out, len, "/dev%s", path + n);
	else
		snprintf(out, len, "/dev/%s", strrchr(path, '/') ? strrchr(path, '/') + 1 : path);
}

/* The container edits that give one piece of memory; its path in the
 * container is written to inside. */
static int piece_edits(struct cli *cli, const struct cli_piece *pc, bool readonly,
		       struct json_object *edits, char *inside, size_t len)
{
	struct json_object *o = json_object_new_object();
	struct stat st;

	if (stat(pc->path, &st))
		return -errno;
	if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
		container_node(cli, pc->path, inside, len);
		json_object_object_add(o, "path", json_object_new_string(inside));
		json_object_object_add(o, "hostPath", json_object_new_string(pc->path));
		json_object_object_add(o, "permissions", json_object_new_string(readonly ? "r" : "rw"));
		json_object_array_add(json_object_object_get(edits, "deviceNodes"), o);
	} else if (S_ISREG(st.st_mode)) {
		struct json_object *opts = json_object_new_array();

		snprintf(inside, len, "%s", pc->path);
		json_object_object_add(o, "hostPath", json_object_new_string(pc->path));
		json_object_object_add(o, "containerPath", json_object_new_string(inside));
		json_object_array_add(opts, json_object_new_string("bind"));
		json_object_array_add(opts, json_object_new_string(readonly ? "ro" : "rw"));
		json_object_object_add(o, "options", opts);
		json_object_array_add(json_object_object_get(edits, "mounts"), o);
	} else {
		json_object_put(o);
		return -ENOTSUP;
	}
	return 0;
}

static void drop_if_empty(struct json_object *obj, const char *key)
{
	if (!json_object_array_length(json_object_object_get(obj, key)))
		json_object_object_del(obj, key);
}

/* One CDI device for dev; NULL (with a warning) when it cannot be one. */
static struct json_object *cdi_device(struct cli *cli, struct tagdax_dev *dev, const char *tag)
{
	struct json_object *d, *edits, *env;
	char inside[PATH_MAX];
	struct cli_piece *pc;
	int n = cli_pieces(dev, &pc), rc;

	if (n != 1) {
		fprintf(stderr, "tagdax: %s left out: %s\n", tag, n < 0 ? strerror(-n) : n == 0 ?
			"it has no memory yet (unclaimed?)" : "made of pieces apart (tagdax_map only)");
		free(pc);
		return NULL;
	}
	edits = json_object_new_object();
	json_object_object_add(edits, "deviceNodes", json_object_new_array());
	json_object_object_add(edits, "mounts", json_object_new_array());
	rc = piece_edits(cli, &pc[0], tagdax_dev_get_flags(dev) & TAGDAX_DEV_READONLY, edits,
			 inside, sizeof(inside));
	if (rc) {
		fprintf(stderr, "tagdax: %s left out: %s: %s\n", tag, pc[0].path,
			rc == -ENOTSUP ? "neither a device nor a file" : strerror(-rc));
		json_object_put(edits);
		free(pc);
		return NULL;
	}
	env = json_object_new_array();
	env_add(env, "TAGDAX_TAG", "%s", tag);
	env_add(env, "TAGDAX_PATH", "%s", inside);
	env_add(env, "TAGDAX_OFFSET", "%" PRIu64, pc[0].offset);
	env_add(env, "TAGDAX_SIZE", "%" PRIu64, pc[0].length);
	env_add(env, "TAGDAX_PROVIDER", "%s", tagdax_dev_get_provider(dev));
	env_add(env, "TAGDAX_FLAGS", "%s", cli_flags_text(tagdax_dev_get_flags(dev)));
	json_object_object_add(edits, "env", env);
	drop_if_empty(edits, "deviceNodes");
	drop_if_empty(edits, "mounts");
	free(pc);
	d = json_object_new_object();
	json_object_object_add(d, "name", json_object_new_string(tag));
	json_object_object_add(d, "containerEdits", edits);
	return d;
}

static bool tag_is_ambiguous(struct cli *cli, struct tagdax_dev *dev)
{
	struct tagdax_dev *other;

	tagdax_dev_foreach(cli->ctx, other)
		if (other != dev && tagdax_tag_equal(tagdax_dev_get_tag(dev), tagdax_dev_get_tag(other)))
			return true;
	return false;
}

static struct json_object *cdi_spec(struct cli *cli)
{
	struct json_object *spec = json_object_new_object(), *devs = json_object_new_array();
	struct tagdax_dev *dev;

	json_object_object_add(spec, "cdiVersion", json_object_new_string(CDI_VERSION));
	json_object_object_add(spec, "kind", json_object_new_string(CDI_KIND));
	tagdax_dev_foreach(cli->ctx, dev) {
		char tag[TAGDAX_TAG_STRLEN];
		struct json_object *d;

		tagdax_tag_unparse(tagdax_dev_get_tag(dev), tag);
		if (tag_is_ambiguous(cli, dev)) {
			fprintf(stderr, "tagdax: %s left out: two devices carry it\n", tag);
			continue;
		}
		d = cdi_device(cli, dev, tag);
		if (d)
			json_object_array_add(devs, d);
	}
	json_object_object_add(spec, "devices", devs);
	return spec;
}

/* /run/cdi is on tmpfs: the first spec after boot makes it (one level only). */
static int make_parent(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');

	if (!slash || slash == path)
		return 0;
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if (mkdir(dir, 0755) == 0 || errno == EEXIST)
		return 0;
	fprintf(stderr, "tagdax: %s: %s%s\n", dir, strerror(errno),
		errno == EACCES ? " (run as root, or give --output)" : "");
	return -1;
}

int cmd_cdi(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	const char *output = CDI_DEFAULT;
	struct json_object *spec;
	int opt, rc = EXIT_OK;

	while ((opt = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		if (opt != 'o')
			return usage_error(cli, "cdi: unknown option");
		output = optarg;
	}
	if (optind != argc)
		return usage_error(cli, "cdi takes no operands ('%s')", argv[optind]);
	if (strcmp(output, "-") && make_parent(output))
		return EXIT_SYSTEM;
	spec = cdi_spec(cli);
	const char *text = json_object_to_json_string_ext(spec, JSON_C_TO_STRING_PRETTY |
							  JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!strcmp(output, "-")) {
		puts(text);
	} else if ((rc = util_replace_file(output, text, 0644))) {
		fprintf(stderr, "tagdax: writing %s: %s%s\n", output, strerror(-rc),
			rc == -EACCES ? " (run as root, or give --output)" : "");
		rc = EXIT_SYSTEM;
	}
	json_object_put(spec);
	return rc;
}
