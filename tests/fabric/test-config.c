// SPDX-License-Identifier: GPL-2.0-or-later
/* The fabric configuration: the sample, sizes, and every validation error. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fabric-config.h"
#include "fabricd.h"

static struct fabric_config cfg;
static char err[512];

static void test_sample(void **state)
{
	char path[4096];
	char *text;
	long n;
	FILE *f;

	(void)state;
	assert_int_equal(fabric_config_load(NULL, &cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg.nhosts, 2);
	assert_string_equal(cfg.hosts[0].name, "A");
	assert_string_equal(cfg.hosts[1].name, "B");
	assert_int_equal(cfg.hosts[1].id, 1);
	assert_int_equal(cfg.nregions, 2);
	assert_true(cfg.regions[0].sharable);
	assert_false(cfg.regions[0].sanitize_on_release);
	assert_false(cfg.regions[1].sharable);
	assert_true(cfg.regions[1].sanitize_on_release);
	assert_int_equal(cfg.regions[1].base, 1ull << 30);
	assert_int_equal(cfg.regions[1].block_size, 2ull << 20);
	assert_int_equal(cfg.backing, FABRIC_BACKING_DIR);
	assert_non_null(fabric_config_host(&cfg, "B"));
	assert_null(fabric_config_host(&cfg, "Z"));

	/* The embedded string is the shipped file, byte for byte. */
	snprintf(path, sizeof(path), "%s/sample.json", FABRIC_SRCDIR);
	f = fopen(path, "r");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)n + 1);
	assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	assert_string_equal(text, fabric_sample_config);
	free(text);
	assert_int_equal(fabric_config_load(path, &cfg, err, sizeof(err)), 0);
}

static void test_sizes(void **state)
{
	static const struct {
		const char *text;
		uint64_t value;
		int rc;
	} t[] = {
		{ "0", 0, 0 },          { "4096", 4096, 0 },      { "2M", 2ull << 20, 0 },
		{ "1G", 1ull << 30, 0 }, { "3T", 3ull << 40, 0 }, { "8k", 8192, 0 },
		{ "2MiB", 2ull << 20, 0 }, { "2MB", 2ull << 20, 0 }, { "0x1000", 4096, 0 },
		{ "", 0, -EINVAL },     { "M", 0, -EINVAL },      { "-1", 0, -EINVAL },
		{ "2X", 0, -EINVAL },   { "1.5G", 0, -EINVAL },   { "2M ", 0, -EINVAL },
		{ "99999999999T", 0, -ERANGE },
	};
	uint64_t v;

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		v = 0;
		assert_int_equal(fabric_parse_size(t[i].text, &v), t[i].rc);
		if (!t[i].rc)
			assert_int_equal(v, t[i].value);
	}
}

#define HOSTS "\"hosts\": [ { \"id\": 0, \"name\": \"A\" } ]"
#define REGION "\"regions\": [ { \"base\": 0, \"length\": \"64M\" } ]"

static void test_errors(void **state)
{
	static const struct {
		const char *json;
		const char *msg; /* part of the sentence */
	} t[] = {
		{ "", "not valid JSON" },
		{ "{ " HOSTS ", " REGION " } trailing", "not valid JSON" },
		{ "[]", "must be a JSON object" },
		{ "{ " REGION " }", "'hosts' is missing" },
		{ "{ " HOSTS " }", "'regions' is missing" },
		{ "{ " HOSTS ", " REGION ", \"colour\": 1 }", "unknown key 'colour'" },
		{ "{ \"hosts\": [], " REGION " }", "hosts: between 1 and 255" },
		{ "{ \"hosts\": [ { \"id\": 0 } ], " REGION " }", "hosts[0]: 'name' is missing" },
		{ "{ \"hosts\": [ { \"name\": \"A\" } ], " REGION " }", "'id' is missing" },
		{ "{ \"hosts\": [ { \"id\": 70000, \"name\": \"A\" } ], " REGION " }",
		  "hosts[0].id: 70000 is out of range" },
		/* 5608h's reference bitmaps have one bit per host id: 0..255 */
		{ "{ \"hosts\": [ { \"id\": 256, \"name\": \"A\" } ], " REGION " }",
		  "hosts[0].id: 256 is out of range 0..255" },
		{ "{ \"hosts\": [ { \"id\": 300, \"name\": \"Z\" } ], " REGION " }",
		  "one bit per host" },
		{ "{ \"hosts\": [ { \"id\": 0, \"name\": \"a/b\" } ], " REGION " }",
		  "hosts[0].name: 'a/b'" },
		{ "{ \"hosts\": [ { \"id\": 0, \"name\": \"..\" } ], " REGION " }", "hosts[0].name" },
		/* a leading '.' would be a hidden directory the agent refuses later */
		{ "{ \"hosts\": [ { \"id\": 0, \"name\": \".hidden\" } ], " REGION " }",
		  "hosts[0].name: '.hidden'" },
		{ "{ \"hosts\": [ { \"id\": 0, \"name\": \"A\" }, { \"id\": 0, \"name\": \"B\" } ], "
		  REGION " }",
		  "hosts[1]: id 0 is used twice" },
		{ "{ \"hosts\": [ { \"id\": 0, \"name\": \"A\" }, { \"id\": 1, \"name\": \"A\" } ], "
		  REGION " }",
		  "name 'A' is used twice" },
		{ "{ " HOSTS ", \"regions\": [ { \"base\": 0 } ] }", "'base' and 'length' are required" },
		{ "{ " HOSTS ", \"regions\": [ { \"base\": 0, \"length\": \"1Q\" } ] }",
		  "regions[0].length: '\"1Q\"' is not a size" },
		{ "{ " HOSTS ", \"regions\": [ { \"base\": 0, \"length\": \"64M\", \"block_size\": "
		  "\"3M\" } ] }",
		  "regions[0].block_size: 3145728 must be a power of two" },
		{ "{ " HOSTS ", \"regions\": [ { \"base\": 0, \"length\": \"64M\", \"block_size\": "
		  "\"1M\" } ] }",
		  "of at least 2097152 bytes" },
		{ "{ " HOSTS ", \"regions\": [ { \"base\": \"1M\", \"length\": \"64M\" } ] }",
		  "regions[0].base: must be a multiple of 256M" },
		{ "{ " HOSTS ", \"regions\": [ { \"base\": 0, \"length\": \"3M\" } ] }",
		  "regions[0].length: must be a non-zero multiple" },
		{ "{ " HOSTS ", \"regions\": [ { \"base\": 0, \"length\": \"512M\" },"
		  " { \"base\": \"256M\", \"length\": \"2M\" } ] }",
		  "regions[1]: regions must be in address order and must not overlap" },
		{ "{ " HOSTS ", \"regions\": [ { \"base\": 0, \"length\": \"2M\", \"sharable\": 1 } ] }",
		  "regions[0].sharable: expected true or false" },
		{ "{ " HOSTS ", \"regions\": [ {\"base\":0,\"length\":\"2M\"}, {\"base\":\"256M\","
		  "\"length\":\"2M\"}, {\"base\":\"512M\",\"length\":\"2M\"}, {\"base\":\"768M\","
		  "\"length\":\"2M\"}, {\"base\":\"1G\",\"length\":\"2M\"}, {\"base\":\"1280M\","
		  "\"length\":\"2M\"}, {\"base\":\"1536M\",\"length\":\"2M\"}, {\"base\":\"1792M\","
		  "\"length\":\"2M\"}, {\"base\":\"2G\",\"length\":\"2M\"} ] }",
		  "regions: between 1 and 8 entries, not 9" },
		{ "{ " HOSTS ", " REGION ", \"backing\": { \"type\": \"nvme\" } }",
		  "backing.type: 'nvme'" },
		{ "{ " HOSTS ", " REGION ", \"backing\": { \"type\": \"file\" } }",
		  "backing: type \"file\" needs a 'path'" },
		{ "{ " HOSTS ", " REGION ", \"backing\": { \"type\": \"dir\", \"path\": \"/x\" } }",
		  "'path' is only for type \"file\"" },
		{ "{ " HOSTS ", " REGION ", \"event_log_size\": 0 }", "event_log_size: 0 is out of range" },
		{ "{ " HOSTS ", " REGION ", \"event_log_size\": 65536 }",
		  "event_log_size: 65536 is out of range" },
		/* Handles run 1..65535: a log of 65536 records cannot be addressed. */
		{ "{ " HOSTS ", " REGION ", \"fm_event_log_size\": 65536 }",
		  "fm_event_log_size: 65536 is out of range" },
		{ "{ " HOSTS ", " REGION ", \"min_block_size\": \"100\" }", "min_block_size: must be" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		err[0] = 0;
		if (fabric_config_parse(t[i].json, &cfg, err, sizeof(err)) != -EINVAL)
			fail_msg("accepted: %s", t[i].json);
		if (!strstr(err, t[i].msg))
			fail_msg("for %s\n  got '%s'\n  expected '%s'", t[i].json, err, t[i].msg);
	}
}

static void test_options(void **state)
{
	(void)state;
	assert_int_equal(fabric_config_parse(
				 "{ " HOSTS ", \"regions\": [ { \"base\": 0, \"length\": \"1M\","
				 " \"block_size\": \"4K\" } ], \"min_block_size\": \"4K\","
				 " \"event_log_size\": 8, \"max_extents\": 10, \"max_tags\": 2,"
				 " \"fm_event_log_size\": 65535,"
				 " \"backing\": { \"type\": \"file\", \"path\": \"/dev/dax0.0\","
				 " \"offset\": \"2M\" } }\n\n",
				 &cfg, err, sizeof(err)),
			 0);
	assert_int_equal(cfg.regions[0].block_size, 4096);
	assert_int_equal(cfg.event_log_size, 8);
	assert_int_equal(cfg.fm_event_log_size, 65535);
	assert_int_equal(cfg.max_extents, 10);
	assert_int_equal(cfg.max_tags, 2);
	assert_int_equal(cfg.backing, FABRIC_BACKING_FILE);
	assert_string_equal(cfg.backing_path, "/dev/dax0.0");
	assert_int_equal(cfg.backing_offset, 2u << 20);
	/* the last host id the 5608h bitmaps have a bit for */
	assert_int_equal(fabric_config_parse("{ \"hosts\": [ { \"id\": 255, \"name\": \"Z\" } ], "
					     REGION " }", &cfg, err, sizeof(err)),
			 0);
	assert_int_equal(cfg.hosts[0].id, 255);
}

/* The connection limits: defaults, values, ranges. */
static void test_connection_limits(void **state)
{
	static const char *const bad[] = {
		"{ " HOSTS ", " REGION ", \"idle_timeout_ms\": 0 }",
		"{ " HOSTS ", " REGION ", \"message_timeout_ms\": 3600001 }",
		"{ " HOSTS ", " REGION ", \"max_connections\": 7 }",
		"{ " HOSTS ", " REGION ", \"max_connections\": \"many\" }",
	};

	(void)state;
	assert_int_equal(fabric_config_parse("{ " HOSTS ", " REGION " }", &cfg, err, sizeof(err)),
			 0);
	assert_int_equal(cfg.idle_timeout_ms, 60000);
	assert_int_equal(cfg.message_timeout_ms, 10000);
	assert_int_equal(cfg.max_connections, 0);
	assert_int_equal(fabric_config_parse("{ " HOSTS ", " REGION ", \"idle_timeout_ms\": 500,"
					     " \"message_timeout_ms\": 250, \"max_connections\": 8 }",
					     &cfg, err, sizeof(err)),
			 0);
	assert_int_equal(cfg.idle_timeout_ms, 500);
	assert_int_equal(cfg.message_timeout_ms, 250);
	assert_int_equal(cfg.max_connections, 8);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (fabric_config_parse(bad[i], &cfg, err, sizeof(err)) != -EINVAL)
			fail_msg("accepted: %s", bad[i]);
}

static void test_load_errors(void **state)
{
	(void)state;
	assert_int_equal(fabric_config_load("/nonexistent/fabric.json", &cfg, err, sizeof(err)),
			 -ENOENT);
	assert_non_null(strstr(err, "/nonexistent/fabric.json: No such file"));
	{
		char path[] = "/tmp/tagdax-cfg.XXXXXX";
		int fd = mkstemp(path);

		assert_true(fd >= 0);
		assert_int_equal(write(fd, "{ \"hosts\": 3 }", 14), 14);
		close(fd);
		assert_int_equal(fabric_config_load(path, &cfg, err, sizeof(err)), -EINVAL);
		/* The file name leads the sentence. */
		assert_int_equal(strncmp(err, path, strlen(path)), 0);
		assert_non_null(strstr(err, "hosts: expected an array"));
		unlink(path);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sample),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_connection_limits),
		cmocka_unit_test(test_load_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
