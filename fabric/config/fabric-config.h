/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The fabric configuration (JSON, see docs/fabric.md): hosts, DC regions,
 * backing memory and a few limits.  Loading validates everything the daemon
 * relies on, so a bad file is reported as one clear sentence before any
 * daemon is started.
 */
#ifndef TAGDAX_FABRIC_CONFIG_H
#define TAGDAX_FABRIC_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FABRIC_MAX_REGIONS 8
#define FABRIC_MAX_HOSTS 255 /* 5600h reports the host count in one byte;
			      * TAGDAX_FM_MAX_HOSTS in tagdax/fm.h */
#define FABRIC_HOST_NAME_MAX 32
/* 5608h List Tags' reference bitmaps have one bit per host id (32 bytes):
 * a host with a larger id could hold or be offered capacity no list shows. */
#define FABRIC_MAX_HOST_ID 255

/* Region bases are 256 MiB aligned, as 4800h/5601h report them. */
#define FABRIC_DECODE_UNIT (256ull << 20)

struct fabric_host_cfg {
	uint16_t id;
	char name[FABRIC_HOST_NAME_MAX + 1];
};

struct fabric_region_cfg {
	uint64_t base;
	uint64_t length;
	uint64_t block_size;
	bool sharable;
	bool sanitize_on_release;
};

enum fabric_backing_type {
	FABRIC_BACKING_DIR,  /* one sparse file per region under DIR/backing */
	FABRIC_BACKING_FILE, /* an existing file or devdax device, carved by offset */
};

struct fabric_config {
	unsigned int nhosts;
	struct fabric_host_cfg hosts[FABRIC_MAX_HOSTS];
	unsigned int nregions;
	struct fabric_region_cfg regions[FABRIC_MAX_REGIONS];
	enum fabric_backing_type backing;
	char backing_path[PATH_MAX];
	uint64_t backing_offset;
	uint32_t event_log_size;    /* records per host DC event log */
	uint32_t fm_event_log_size; /* records in the FM's DC event log */
	uint32_t max_extents;       /* per host: accepted + pending */
	uint32_t max_tags;          /* per host: distinct tags */
	uint64_t min_block_size;    /* smallest block size accepted */
	uint32_t idle_timeout_ms;   /* an fm.sock connection with nothing going on */
	uint32_t message_timeout_ms; /* a request begun, or an answer not read */
	uint32_t max_connections;   /* 0: as many as RLIMIT_NOFILE allows */
};

/* The configuration shipped as fabric/config/sample.json, the demo's default. */
extern const char fabric_sample_config[];

/* Load and validate a configuration file; path NULL loads the embedded
 * sample.  On error returns a negative errno and leaves one sentence (with
 * the path and the JSON field at fault) in err. */
int fabric_config_load(const char *path, struct fabric_config *out, char *err, size_t errlen);
int fabric_config_parse(const char *json, struct fabric_config *out, char *err, size_t errlen);

/* Parse "2M", "1G", "4096", "0x1000": K/M/G/T are powers of 1024. */
int fabric_parse_size(const char *text, uint64_t *out);

const struct fabric_host_cfg *fabric_config_host(const struct fabric_config *c,
						 const char *name);

#endif /* TAGDAX_FABRIC_CONFIG_H */
