// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libtagdax-fm: what an FM user of the emulated fabric reads from its
 * directory rather than through CCI (include/tagdax/fm.h): the host names
 * behind the LD ids (DIR/config.json) and whether the daemon and the
 * agents run (the locks they hold on DIR/fabricd.pid and
 * DIR/hosts/NAME/agent.lock while they live).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <tagdax/fm.h>

/* The library is built -fvisibility=hidden; the version script names the rest. */
#define FM_EXPORT __attribute__((visibility("default")))

#include "fabric-config.h"
#include "file.h"

struct tagdax_fabric {
	char dir[PATH_MAX];
	struct fabric_config cfg;
};

/* The checks and the handle both openers start with: f->dir absolute, from
 * realpath() (must_exist), else under the cwd when DIR is not made yet. */
static int fabric_new(const char *dir, bool must_exist, struct tagdax_fabric **out,
		      char *err, size_t errlen)
{
	struct tagdax_fabric *f;
	int rc;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (err && errlen)
		*err = '\0';
	if (!dir || !*dir)
		return -EINVAL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	rc = realpath(dir, f->dir) ? 0 : must_exist ? -errno :
	     util_absolute_path(dir, f->dir, sizeof(f->dir));
	if (rc) {
		free(f);
		return rc;
	}
	*out = f;
	return 0;
}

FM_EXPORT int tagdax_fabric_open(const char *dir, struct tagdax_fabric **out, char *err, size_t errlen)
{
	char path[PATH_MAX + 16], why[256] = "";
	int rc = fabric_new(dir, true, out, err, errlen);

	if (rc)
		return rc;
	snprintf(path, sizeof(path), "%s/config.json", (*out)->dir);
	rc = fabric_config_load(path, &(*out)->cfg, why, sizeof(why));
	if (rc) {
		if (err && errlen)
			snprintf(err, errlen, "%s", rc == -ENOENT ? "no config.json" : why);
		tagdax_fabric_close(*out);
		*out = NULL;
	}
	return rc;
}

/* A launcher checks a configuration before the directory is made. */
FM_EXPORT int tagdax_fabric_open_config(const char *dir, const char *text,
					struct tagdax_fabric **out, char *err, size_t errlen)
{
	char why[256] = "";
	int rc = fabric_new(dir, false, out, err, errlen);

	if (rc)
		return rc;
	if (fabric_config_parse(text ? text : fabric_sample_config, &(*out)->cfg, why,
				sizeof(why))) {
		if (err && errlen)
			snprintf(err, errlen, "%s", why);
		tagdax_fabric_close(*out);
		*out = NULL;
		return -EINVAL;
	}
	return 0;
}

FM_EXPORT const char *tagdax_fabric_sample_config(void)
{
	return fabric_sample_config;
}

FM_EXPORT void tagdax_fabric_close(struct tagdax_fabric *f)
{
	free(f);
}

FM_EXPORT const char *tagdax_fabric_dir(const struct tagdax_fabric *f)
{
	return f ? f->dir : NULL;
}

FM_EXPORT unsigned int tagdax_fabric_host_count(const struct tagdax_fabric *f)
{
	return f ? f->cfg.nhosts : 0;
}

FM_EXPORT const char *tagdax_fabric_host_name(const struct tagdax_fabric *f, unsigned int i)
{
	return f && i < f->cfg.nhosts ? f->cfg.hosts[i].name : NULL;
}

FM_EXPORT int tagdax_fabric_host_id(const struct tagdax_fabric *f, unsigned int i)
{
	return f && i < f->cfg.nhosts ? f->cfg.hosts[i].id : -EINVAL;
}

FM_EXPORT int tagdax_fabric_host_lookup(const struct tagdax_fabric *f, const char *name)
{
	const struct fabric_host_cfg *h;

	if (!f || !name)
		return -EINVAL;
	h = fabric_config_host(&f->cfg, name);
	return h ? h->id : -ENOENT;
}

FM_EXPORT const char *tagdax_fabric_host_by_id(const struct tagdax_fabric *f, uint16_t id)
{
	for (unsigned int i = 0; f && i < f->cfg.nhosts; i++)
		if (f->cfg.hosts[i].id == id)
			return f->cfg.hosts[i].name;
	return NULL;
}

FM_EXPORT unsigned int tagdax_fabric_region_count(const struct tagdax_fabric *f)
{
	return f ? f->cfg.nregions : 0;
}

/* A live process holds an exclusive lock on path.  A stale file nobody
 * locks, or none, is not alive; the file is opened without following a
 * planted link. */
static bool locked(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	bool held;

	if (fd < 0)
		return false;
	held = flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK;
	close(fd);
	return held;
}

FM_EXPORT bool tagdax_fabric_fm_alive(const struct tagdax_fabric *f)
{
	char path[PATH_MAX + 16];

	if (!f)
		return false;
	snprintf(path, sizeof(path), "%s/fabricd.pid", f->dir);
	return locked(path);
}

FM_EXPORT bool tagdax_fabric_agent_alive(const struct tagdax_fabric *f, const char *host)
{
	char path[PATH_MAX + 64];

	if (!f || !host || !fabric_config_host(&f->cfg, host))
		return false;
	snprintf(path, sizeof(path), "%s/hosts/%s/agent.lock", f->dir, host);
	return locked(path);
}
