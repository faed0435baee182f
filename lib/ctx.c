// SPDX-License-Identifier: LGPL-2.1-or-later
/* The library context: roots, logging, reference counting. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "file.h"
#include "private.h"

static void log_stderr(struct tagdax_ctx *ctx, int priority, const char *file, int line,
		       const char *fn, const char *format, va_list args)
{
	(void)ctx;
	(void)priority;
	(void)file;
	(void)line;
	fprintf(stderr, "libtagdax: %s: ", fn);
	vfprintf(stderr, format, args);
}

void tagdax_log(struct tagdax_ctx *ctx, int priority, const char *file, int line,
		const char *fn, const char *format, ...)
{
	va_list args;

	va_start(args, format);
	ctx->log_fn(ctx, priority, file, line, fn, format, args);
	va_end(args);
}

static int log_priority_parse(const char *text)
{
	static const char *const names[] = {
		[LOG_ERR] = "err", [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice",
		[LOG_INFO] = "info", [LOG_DEBUG] = "debug",
	};
	char *end;
	long prio = strtol(text, &end, 10);

	if (end != text && *end == '\0' && prio >= 0 && prio <= LOG_DEBUG)
		return (int)prio;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i] && strcasecmp(text, names[i]) == 0)
			return (int)i;
	return -EINVAL;
}

int ctx_dir_fd(struct tagdax_ctx *ctx, int *fd, const char *root, const char *rel)
{
	if (*fd < 0) { /* not open yet, or did not exist last time: try again */
		char *path = path_join(root, rel);

		*fd = path ? open(path, O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
		if (*fd >= 0)
			dbg(ctx, "opened %s\n", path);
		free(path);
	}
	return *fd;
}

void ctx_close_dirs(struct tagdax_ctx *ctx)
{
	if (ctx->sysfs_fd >= 0)
		close(ctx->sysfs_fd);
	if (ctx->index_fd >= 0)
		close(ctx->index_fd);
	ctx->sysfs_fd = ctx->index_fd = -1;
}

static int set_root(struct tagdax_ctx *ctx, char **field, const char *value)
{
	char *copy;

	if (!value || !*value)
		return -EINVAL;
	copy = strdup(value);
	if (!copy)
		return -ENOMEM;
	free(*field);
	*field = copy;
	ctx->roots_key_ok = false;
	tagdax_rescan(ctx);
	if (ctx->inotify_fd >= 0) { /* it watches the old roots */
		close(ctx->inotify_fd);
		ctx->inotify_fd = -1;
	}
	return 0;
}

static int root_init(char **field, const char *env, const char *dflt)
{
	const char *value = getenv(env);

	*field = strdup(value && *value ? value : dflt);
	return *field ? 0 : -ENOMEM;
}

/* An emulated host keeps its index beside its devices, apart from the
 * machine's own (docs/fabric.md). */
static int run_dir_init(struct tagdax_ctx *ctx)
{
	const char *fabric = getenv("TAGDAX_FABRIC"), *host = getenv("TAGDAX_HOST");

	if (getenv("TAGDAX_RUN_DIR") || !fabric || !*fabric || !host || !*host)
		return root_init(&ctx->run_dir, "TAGDAX_RUN_DIR", "/run/tagdax");
	if (asprintf(&ctx->run_dir, "%s/hosts/%s/run", fabric, host) < 0) {
		ctx->run_dir = NULL;
		return -ENOMEM;
	}
	return 0;
}

TAGDAX_EXPORT int tagdax_new(struct tagdax_ctx **out)
{
	struct tagdax_ctx *ctx = calloc(1, sizeof(*ctx));
	const char *env;

	if (!ctx)
		return -ENOMEM;
	ctx->refcount = 1;
	ctx->log_fn = log_stderr;
	ctx->log_priority = LOG_ERR;
	ctx->sysfs_fd = ctx->index_fd = ctx->inotify_fd = -1;
	/* a misspelt level is refused, not silently taken as "err" */
	env = getenv("TAGDAX_LOG");
	if (env && *env && log_priority_parse(env) < 0) {
		free(ctx);
		return -EINVAL;
	}
	if (env && *env)
		ctx->log_priority = log_priority_parse(env);
	devlist_init(&ctx->devs);
	devlist_init(&ctx->cache.retired);
	if (root_init(&ctx->sysfs_root, "TAGDAX_SYSFS_ROOT", "/sys") ||
	    root_init(&ctx->dev_root, "TAGDAX_DEV_ROOT", "/dev") ||
	    root_init(&ctx->config, "TAGDAX_CONFIG", "/etc/tagdax/tags.conf") ||
	    run_dir_init(ctx)) {
		tagdax_unref(ctx);
		return -ENOMEM;
	}
	dbg(ctx, "ctx %p created, sysfs %s dev %s\n", (void *)ctx, ctx->sysfs_root, ctx->dev_root);
	*out = ctx;
	return 0;
}

TAGDAX_EXPORT struct tagdax_ctx *tagdax_ref(struct tagdax_ctx *ctx)
{
	if (ctx)
		ctx->refcount++;
	return ctx;
}

TAGDAX_EXPORT struct tagdax_ctx *tagdax_unref(struct tagdax_ctx *ctx)
{
	if (!ctx || --ctx->refcount > 0)
		return ctx;
	tagdax_rescan(ctx);
	free(ctx->cache.buckets);
	ctx_close_dirs(ctx);
	if (ctx->inotify_fd >= 0)
		close(ctx->inotify_fd);
	free(ctx->sysfs_root);
	free(ctx->dev_root);
	free(ctx->config);
	free(ctx->run_dir);
	free(ctx->fabric_dir);
	free(ctx->fabric_host);
	free(ctx);
	return NULL;
}

TAGDAX_EXPORT void tagdax_set_log_fn(struct tagdax_ctx *ctx, tagdax_log_fn fn)
{
	ctx->log_fn = fn ? fn : log_stderr;
}

TAGDAX_EXPORT int tagdax_get_log_priority(struct tagdax_ctx *ctx)
{
	return ctx->log_priority;
}

TAGDAX_EXPORT void tagdax_set_log_priority(struct tagdax_ctx *ctx, int priority)
{
	ctx->log_priority = priority;
}

TAGDAX_EXPORT int tagdax_set_sysfs_root(struct tagdax_ctx *ctx, const char *dir)
{
	return set_root(ctx, &ctx->sysfs_root, dir);
}

TAGDAX_EXPORT int tagdax_set_dev_root(struct tagdax_ctx *ctx, const char *dir)
{
	return set_root(ctx, &ctx->dev_root, dir);
}

TAGDAX_EXPORT int tagdax_set_config(struct tagdax_ctx *ctx, const char *file)
{
	return set_root(ctx, &ctx->config, file);
}

TAGDAX_EXPORT int tagdax_set_run_dir(struct tagdax_ctx *ctx, const char *dir)
{
	return set_root(ctx, &ctx->run_dir, dir);
}

const char *ctx_fabric_dir(const struct tagdax_ctx *ctx)
{
	const char *env = getenv("TAGDAX_FABRIC");

	return ctx->fabric_dir ? ctx->fabric_dir : env && *env ? env : NULL;
}

const char *ctx_fabric_host(const struct tagdax_ctx *ctx)
{
	const char *env = getenv("TAGDAX_HOST");

	return ctx->fabric_host ? ctx->fabric_host : env && *env ? env : NULL;
}

/* A host name the fabric could have made a directory for. */
static bool host_name_ok(const char *host)
{
	return *host && *host != '.' && !strchr(host, '/') && strlen(host) <= 32;
}

TAGDAX_EXPORT int tagdax_set_fabric(struct tagdax_ctx *ctx, const char *dir, const char *host)
{
	char *d = NULL, *h = NULL, *run = NULL, abs[PATH_MAX];
	int rc;

	if (!dir != !host || (dir && (!*dir || !host_name_ok(host))))
		return -EINVAL;
	/* a relative DIR is the cwd's at this call: the context keeps
	 * finding it after a chdir(2) */
	if (dir && (rc = util_absolute_path(dir, abs, sizeof(abs))))
		return rc;
	if (dir && (!(d = strdup(abs)) || !(h = strdup(host)) ||
		    asprintf(&run, "%s/hosts/%s/run", abs, host) < 0)) {
		free(d);
		free(h);
		return -ENOMEM;
	}
	/* The emulated host's own index, as with the environment (unless
	 * TAGDAX_RUN_DIR says otherwise); back to the environment's with NULL. */
	if (!run || getenv("TAGDAX_RUN_DIR")) {
		free(run);
		run = NULL;
	}
	free(ctx->fabric_dir);
	free(ctx->fabric_host);
	ctx->fabric_dir = d;
	ctx->fabric_host = h;
	if (run) {
		rc = set_root(ctx, &ctx->run_dir, run);
		free(run);
		return rc;
	}
	ctx->roots_key_ok = false;
	ctx_close_dirs(ctx);
	tagdax_rescan(ctx);
	return 0;
}

TAGDAX_EXPORT const char *tagdax_get_fabric_host(struct tagdax_ctx *ctx)
{
	return ctx_fabric_host(ctx);
}

TAGDAX_EXPORT const char *tagdax_get_sysfs_root(struct tagdax_ctx *ctx)
{
	return ctx->sysfs_root;
}

TAGDAX_EXPORT const char *tagdax_get_dev_root(struct tagdax_ctx *ctx)
{
	return ctx->dev_root;
}

TAGDAX_EXPORT const char *tagdax_get_config(struct tagdax_ctx *ctx)
{
	return ctx->config;
}

TAGDAX_EXPORT const char *tagdax_get_run_dir(struct tagdax_ctx *ctx)
{
	return ctx->run_dir;
}
