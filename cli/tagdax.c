// SPDX-License-Identifier: GPL-2.0-or-later
/* tagdax: find tagged memory capacity by its tag. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "config.h"
#include "tagdax.h"

static const char usage_text[] =
	"usage: tagdax [OPTIONS] COMMAND [ARGS]\n"
	"\n"
	"Commands:\n"
	"  list [--json] [TAG]            every tagged device this host can see\n"
	"  resolve [--json] TAG           the device that carries TAG\n"
	"  wait [--json] TAG [--timeout SECONDS]\n"
	"                                 block until TAG can be resolved\n"
	"  exec --tag TAG [--timeout S] -- PROGRAM [ARGS]\n"
	"                                 run PROGRAM with TAGDAX_TAG, TAGDAX_PATH, TAGDAX_OFFSET,\n"
	"                                 TAGDAX_SIZE, TAGDAX_PROVIDER, TAGDAX_FLAGS set and\n"
	"                                 the device held (TAGDAX_LOCK_FD) (one-piece devices)\n"
	"  claim TAG                      claim unclaimed CXL extents carrying TAG into a dax device\n"
	"  udev-id DEVPATH                udev helper: print TAGDAX_* properties of a device\n"
	"  cdi [--output FILE]            a Container Device Interface spec of the tagged devices\n"
	"  fabric ...                     the emulated tagged-capacity fabric (tagdax fabric --help)\n"
	"  vm ...                         tagged capacity for QEMU guests (tagdax vm --help)\n"
	"  help [COMMAND [SUBCOMMAND]]    the help of a command (also: tagdax COMMAND --help)\n"
	"\n"
	"Options (anywhere on the line before a '--'):\n"
	"  --sysfs-root DIR   sysfs root (TAGDAX_SYSFS_ROOT, default /sys)\n"
	"  --dev-root DIR     device root (TAGDAX_DEV_ROOT, default /dev)\n"
	"  --config FILE      admin tag table (TAGDAX_CONFIG, default /etc/tagdax/tags.conf)\n"
	"  --run-dir DIR      runtime index (TAGDAX_RUN_DIR, default /run/tagdax)\n"
	"  -v, --verbose      debug logging (same as TAGDAX_LOG=debug)\n"
	"  -h, --help         this text;  --version  the version\n"
	"\n"
	"Exit codes: 0 ok, 1 not found or timed out, 2 invalid usage or input,\n"
	"3 ambiguous tag, 4 tag on unclaimed extents, 5 system error,\n"
	"6 offer still pending at the timeout (fabric add/share), 7 already so.\n"
	"Manual: tagdax(1), one page per command (tagdax-list(1), ...), tagdax-tags.conf(5).\n";

int usage_error(struct cli *cli, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", cli->prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (cli->topic[0])
		fprintf(stderr, "\nTry 'tagdax help %s'.\n", cli->topic);
	else
		fprintf(stderr, "\nTry 'tagdax --help'.\n");
	return EXIT_USAGE;
}

bool cli_tag(const char *text, struct tagdax_tag *tag)
{
	if (tagdax_tag_parse(text, tag) == 0 && !tagdax_tag_is_null(tag))
		return true;
	fprintf(stderr, "tagdax: '%s' is not a tag (expected a UUID like "
		"5be13bce-1d7a-4c1e-9b2f-3f6c2a1d0e55, not the null UUID)\n", text);
	return false;
}

/* Seconds as a user writes them: "10", "0.5", or "-1" for none.  Not what
 * strtod() also takes (1e3, 0x10, inf, blanks): a typo must not wait for
 * ever. */
bool parse_timeout(const char *text, int *ms)
{
	size_t whole = strspn(text, "0123456789"), frac = 0;
	double s;

	if (!strcmp(text, "-1")) {
		*ms = -1;
		return true;
	}
	if (text[whole] == '.')
		frac = strspn(text + whole + 1, "0123456789") + 1;
	if ((!whole && frac < 2) || frac == 1 || text[whole + frac] || (s = strtod(text, NULL)) > 2e6)
		return false;
	*ms = (int)(s * 1000);
	return true;
}

bool cli_table_unreadable(struct cli *cli)
{
	const char *table = tagdax_get_config(cli->ctx);

	if (!access(table, R_OK) || errno == ENOENT)
		return false;
	fprintf(stderr, "tagdax: cannot read the tag table %s: %s%s\n", table, strerror(errno),
		errno == EACCES ? " (run as root, or make it readable)" : "");
	return true;
}

/* The emulated fabric's devices are seen only as one of its hosts: say so
 * when half of that is set, else a tag on the fabric looks simply absent. */
static void fabric_host_hint(void)
{
	const char *fabric = getenv("TAGDAX_FABRIC"), *host = getenv("TAGDAX_HOST");
	bool has_fabric = fabric && *fabric, has_host = host && *host;

	if (has_fabric != has_host)
		fprintf(stderr, "tagdax: %s is set but %s is not: the emulated fabric's devices "
			"are seen as one of its hosts (TAGDAX_FABRIC=DIR TAGDAX_HOST=NAME)\n",
			has_fabric ? "TAGDAX_FABRIC" : "TAGDAX_HOST",
			has_fabric ? "TAGDAX_HOST" : "TAGDAX_FABRIC");
}

void cli_warn_system_ram(struct tagdax_dev *dev)
{
	const char *mode = tagdax_dev_get_mode(dev), *name = tagdax_dev_get_devname(dev);

	if (!mode || strcmp(mode, "kmem"))
		return;
	/* The DCD ABI does not say whether capacity is sharable: unless the
	 * provider knows, the warning says "if". */
	fprintf(stderr, "tagdax: warning: %s is online as system RAM (daxctl's system-ram "
		"mode): it cannot be mapped, and %s its capacity with other hosts, whose "
		"writes then corrupt this host's memory; 'daxctl reconfigure-device "
		"--mode=devdax %s' switches it back\n", name,
		tagdax_dev_get_flags(dev) & TAGDAX_DEV_SHARABLE ? "it shares" : "it may share",
		name);
}

/* What the library saw carrying the tag but could not use. */
static void missing_reason(struct cli *cli, const struct tagdax_tag *tag)
{
	const char *why = tagdax_get_missing_reason(cli->ctx, tag);

	if (why)
		fprintf(stderr, "tagdax: %s\n", why);
}

int cli_resolve_status(struct cli *cli, const struct tagdax_tag *tag, int rc,
		       struct tagdax_dev *dev)
{
	char text[TAGDAX_TAG_STRLEN];

	tagdax_tag_unparse(tag, text);
	/* not found may only mean "not in the part of the truth we could read" */
	if ((rc == -ENOENT || rc == -ETIMEDOUT) && cli_table_unreadable(cli)) {
		fprintf(stderr, "tagdax: tag %s is on no device this user can see\n", text);
		return EXIT_SYSTEM;
	}
	switch (rc) {
	case 0:
		return EXIT_OK;
	case -ENOENT:
		fprintf(stderr, "tagdax: no device carries tag %s\n", text);
		missing_reason(cli, tag);
		fabric_host_hint();
		return EXIT_NOTFOUND;
	case -ETIMEDOUT:
		fprintf(stderr, "tagdax: timed out waiting for tag %s\n", text);
		missing_reason(cli, tag);
		return EXIT_NOTFOUND;
	case -ENOTUNIQ:
		fprintf(stderr, "tagdax: tag %s is ambiguous; it is carried by:\n", text);
		for (; dev; dev = tagdax_dev_get_next_same_tag(dev))
			fprintf(stderr, "  %s (%s)\n", tagdax_dev_get_path(dev),
				tagdax_dev_get_provider(dev));
		return EXIT_AMBIGUOUS;
	case -ENODEV:
		fprintf(stderr, "tagdax: tag %s is on unclaimed extents in %s; "
			"'tagdax claim %s' makes a device of them\n", text,
			tagdax_dev_get_region(dev) ? tagdax_dev_get_region(dev) : "a region",
			text);
		return EXIT_UNCLAIMED;
	default:
		fprintf(stderr, "tagdax: tag %s: %s\n", text, strerror(-rc));
		return EXIT_SYSTEM;
	}
}

static int cmd_help(struct cli *cli, int argc, char **argv);

static const struct {
	const char *name;
	int (*fn)(struct cli *cli, int argc, char **argv);
} commands[] = {
	{ "list", cmd_list },     { "resolve", cmd_resolve }, { "wait", cmd_wait },
	{ "exec", cmd_exec },     { "claim", cmd_claim },     { "udev-id", cmd_udev_id },
	{ "cdi", cmd_cdi },       { "help", cmd_help },
	{ "fabric", cmd_fabric },
	{ "vm", cmd_vm },
};

static int find_command(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(name, commands[i].name))
			return (int)i;
	return -1;
}

/* The help of argv[0] (a command) or, for a group, of its sub-command argv[1]. */
static int print_help(struct cli *cli, int argc, char **argv)
{
	char topic[64];
	int cmd = find_command(argv[0]);
	int t = cli_topic(argv[0], argc > 1 ? argv[1] : NULL, topic, sizeof(topic));

	if (cmd < 0)
		return usage_error(cli, "unknown command '%s'", argv[0]);
	if (t >= 0) {
		fputs(cli_help_text(t), stdout);
		return EXIT_OK;
	}
	/* a group without (or with an unknown) sub-command prints its overview */
	char *group_help[] = { argv[0], "--help", NULL };

	optind = 1;
	return commands[cmd].fn(cli, 2, group_help);
}

static int cmd_help(struct cli *cli, int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage_text, stdout);
		return EXIT_OK;
	}
	return print_help(cli, argc - 1, argv + 1);
}

/* Whether the command line (argv[0] the command) asks for help: -h or --help
 * before a "--" or, for exec, before the program to run. */
static bool wants_help(int argc, char **argv)
{
	bool exec = !strcmp(argv[0], "exec");

	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return true;
		if (exec && argv[i][0] != '-' && strcmp(argv[i - 1], "--tag") &&
		    strcmp(argv[i - 1], "-t") && strcmp(argv[i - 1], "--timeout"))
			return false;
	}
	return false;
}

/* Under --json an error is a JSON object on standard output (a class and a
 * sentence, as QMP answers): what the command writes to stderr is held back
 * and becomes the sentence, or goes to stderr after all on success. */
struct err_capture {
	FILE *real;
	char *text;
	size_t len;
};

static struct err_capture capture = { NULL, NULL, 0 };

static bool json_requested(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--json") || !strcmp(argv[i], "-j"))
			return true;
	return false;
}

/* Library logs (-v) go where they would have gone, not into the sentence. */
static void log_to_real_stderr(struct tagdax_ctx *ctx, int priority, const char *file,
			       int line, const char *fn, const char *format, va_list args)
{
	(void)ctx;
	(void)priority;
	(void)file;
	(void)line;
	fprintf(capture.real, "libtagdax: %s: ", fn);
	vfprintf(capture.real, format, args);
}

static void capture_start(struct cli *cli)
{
	FILE *mem = open_memstream(&capture.text, &capture.len);

	if (!mem)
		return; /* errors stay plain text: better than none */
	capture.real = stderr;
	stderr = mem;
	tagdax_set_log_fn(cli->ctx, log_to_real_stderr);
}

static const char *error_class(int rc)
{
	switch (rc) {
	case EXIT_NOTFOUND:
		return "NotFound";
	case EXIT_USAGE:
		return "InvalidUsage";
	case EXIT_AMBIGUOUS:
		return "Ambiguous";
	case EXIT_UNCLAIMED:
		return "Unclaimed";
	case EXIT_PENDING:
		return "Pending";
	case EXIT_ALREADY:
		return "AlreadyDone";
	default:
		return "SystemError";
	}
}

static void capture_end(int rc)
{
	struct json_object *err, *obj;
	char *desc;
	size_t n;

	if (!capture.real)
		return;
	fclose(stderr);
	stderr = capture.real;
	capture.real = NULL;
	desc = capture.text ? capture.text : "";
	if (rc == EXIT_OK) {
		fputs(desc, stderr);
		free(capture.text);
		return;
	}
	if (!strncmp(desc, "tagdax: ", 8))
		desc += 8;
	for (n = strlen(desc); n && desc[n - 1] == '\n'; n--)
		desc[n - 1] = '\0';
	err = json_object_new_object();
	json_object_object_add(err, "class", json_object_new_string(error_class(rc)));
	json_object_object_add(err, "desc", json_object_new_string(desc));
	json_object_object_add(err, "exit_code", json_object_new_int(rc));
	obj = json_object_new_object();
	json_object_object_add(obj, "error", err);
	print_json(obj);
	json_object_put(obj);
	free(capture.text);
}

enum { OPT_SYSFS = 256, OPT_DEV, OPT_CONFIG, OPT_RUN, OPT_VERSION };

static int set_root(struct cli *cli, int opt, const char *value)
{
	int rc;

	switch (opt) {
	case OPT_SYSFS:
		rc = tagdax_set_sysfs_root(cli->ctx, value);
		break;
	case OPT_DEV:
		rc = tagdax_set_dev_root(cli->ctx, value);
		break;
	case OPT_CONFIG:
		/* a table named on purpose must exist: a typo must not read as
		 * "no device carries tag" (the default table may be absent) */
		if (*value && access(value, F_OK)) {
			fprintf(stderr, "tagdax: --config %s: %s\n", value, strerror(errno));
			return EXIT_USAGE;
		}
		rc = tagdax_set_config(cli->ctx, value);
		break;
	default:
		rc = tagdax_set_run_dir(cli->ctx, value);
		break;
	}
	return rc ? usage_error(cli, "bad value '%s'", value) : 0;
}

static int new_ctx(struct cli *cli)
{
	int rc = tagdax_new(&cli->ctx);

	if (rc == -EINVAL) {
		fprintf(stderr, "tagdax: TAGDAX_LOG='%s' is not a log level (err, warning, "
			"notice, info, debug, or 0-7)\n", getenv("TAGDAX_LOG"));
		return EXIT_USAGE;
	}
	if (rc) {
		fprintf(stderr, "tagdax: cannot start: %s\n", strerror(-rc));
		return EXIT_SYSTEM;
	}
	return EXIT_OK;
}

static int dispatch(struct cli *cli, int argc, char **argv)
{
	int cmd = find_command(argv[0]);

	if (cmd < 0)
		return usage_error(cli, "unknown command '%s'", argv[0]);
	cli_topic(argv[0], argc > 1 ? argv[1] : NULL, cli->topic, sizeof(cli->topic));
	if (wants_help(argc, argv))
		return print_help(cli, argc, argv);
	if (json_requested(argc, argv))
		capture_start(cli);
	optind = 1;
	opterr = 1;
	return commands[cmd].fn(cli, argc, argv);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "sysfs-root", required_argument, NULL, OPT_SYSFS },
		{ "dev-root", required_argument, NULL, OPT_DEV },
		{ "config", required_argument, NULL, OPT_CONFIG },
		{ "run-dir", required_argument, NULL, OPT_RUN },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	struct cli cli = { .prog = "tagdax" };
	int opt, rc;

	rc = new_ctx(&cli);
	if (rc)
		return rc;
	/* Root options may come before or after the command name: take them
	 * out of argv wherever they are, leaving the command's own options. */
	opterr = 0;
	int out = 1;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))  {
			while (i < argc)
				argv[out++] = argv[i++];
			break;
		}
		bool taken = false;
		for (const struct option *o = opts; o->name && !taken; o++) {
			size_t n = strlen(o->name);

			if (strncmp(argv[i], "--", 2) || strncmp(argv[i] + 2, o->name, n) ||
			    (argv[i][2 + n] != '\0' && argv[i][2 + n] != '='))
				continue;
			/* after the command name, --help is the command's own, and
			 * so is the fabric's --config (a fabric configuration) */
			if (out > 1 && (o->val == 'h' || o->val == OPT_VERSION ||
					(o->val == OPT_CONFIG && !strcmp(argv[1], "fabric"))))
				continue;
			taken = true;
			const char *value = argv[i][2 + n] == '=' ? argv[i] + 3 + n : NULL;

			if (o->has_arg && !value) {
				if (i + 1 >= argc) {
					rc = usage_error(&cli, "--%s needs a value", o->name);
					goto out;
				}
				value = argv[++i];
			}
			opt = o->val;
			if (opt == 'h') {
				fputs(usage_text, stdout);
				rc = EXIT_OK;
				goto out;
			} else if (opt == OPT_VERSION) {
				printf("tagdax %s\n", TAGDAX_VERSION);
				rc = EXIT_OK;
				goto out;
			} else if (opt == 'v') {
				tagdax_set_log_priority(cli.ctx, LOG_DEBUG);
			} else if ((rc = set_root(&cli, opt, value))) {
				goto out;
			}
		}
		if (!taken && !strcmp(argv[i], "-v"))
			tagdax_set_log_priority(cli.ctx, LOG_DEBUG), taken = true;
		if (!taken && (!strcmp(argv[i], "-h") && out == 1)) {
			fputs(usage_text, stdout);
			rc = EXIT_OK;
			goto out;
		}
		if (!taken)
			argv[out++] = argv[i];
	}
	argc = out;
	argv[argc] = NULL;
	if (argc < 2)
		rc = usage_error(&cli, "no command given");
	else
		rc = dispatch(&cli, argc - 1, argv + 1);
	capture_end(rc);
out:
	tagdax_unref(cli.ctx);
	return rc;
}
