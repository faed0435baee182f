// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libtagdax-fm as an outside program sees it: only <tagdax/fm.h> and the
 * library, against a real fabric (started with the tagdax binary named by
 * argv[1] in a fresh directory).  Every public function is driven, every
 * answer checked against what the fabric's configuration says, and a
 * device refusal (positive CCI code) is told apart from a transport error
 * (negative errno).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <tagdax/fm.h>

#include "client-test.h"

#define CHECK_RC(expr, want)                                                   \
	do {                                                                   \
		int rc_ = (expr);                                              \
		if (rc_ != (want)) {                                           \
			fprintf(stderr, "FAIL %s:%d: %s = %d (%s), want %d\n", __FILE__, \
				__LINE__, #expr, rc_,                          \
				rc_ < 0 ? strerror(-rc_) : tagdax_fm_rc_name(rc_), want); \
			fail_out();                                            \
		}                                                              \
	} while (0)

static char dir[] = "/tmp/test-fm.XXXXXX";

/* The host's extents carrying tag, summed; waits (20 s at most) until that
 * is want (the agent accepts and releases on its own time). */
static void wait_held(struct tagdax_fm *fm, uint16_t host, const uint8_t tag[16], uint64_t want)
{
	uint64_t sum = ~0ull;

	for (int i = 0; i < 400 && sum != want; i++) {
		struct tagdax_fm_extent *x;
		uint32_t n;

		if (i)
			usleep(50 * 1000);
		CHECK_RC(tagdax_fm_get_host_extents(fm, host, &x, &n), 0);
		sum = 0;
		for (uint32_t k = 0; k < n; k++)
			if (!memcmp(x[k].tag, tag, 16))
				sum += x[k].length;
		free(x);
	}
	CHECK(sum == want);
}

static const struct tagdax_fm_tag *find_tag(const struct tagdax_fm_tag *t, uint32_t n,
					    const uint8_t tag[16])
{
	for (uint32_t i = 0; i < n; i++)
		if (!memcmp(t[i].tag, tag, 16))
			return &t[i];
	return NULL;
}

static void test_directory(void)
{
	struct tagdax_fabric *fab;
	char err[256];

	CHECK_RC(tagdax_fabric_open("/nonexistent/fabric", &fab, err, sizeof(err)), -ENOENT);
	CHECK(!fab);
	CHECK_RC(tagdax_fabric_open(dir, &fab, err, sizeof(err)), 0);
	CHECK(tagdax_fabric_host_count(fab) == 2);
	CHECK(!strcmp(tagdax_fabric_host_name(fab, 0), "A"));
	CHECK(!strcmp(tagdax_fabric_host_name(fab, 1), "B"));
	CHECK(!tagdax_fabric_host_name(fab, 2));
	CHECK(tagdax_fabric_host_id(fab, 1) == 1);
	CHECK(tagdax_fabric_host_id(fab, 2) == -EINVAL);
	CHECK(tagdax_fabric_host_lookup(fab, "B") == 1);
	CHECK(tagdax_fabric_host_lookup(fab, "nope") == -ENOENT);
	CHECK(!strcmp(tagdax_fabric_host_by_id(fab, 0), "A"));
	CHECK(!tagdax_fabric_host_by_id(fab, 7));
	CHECK(tagdax_fabric_region_count(fab) == 2);
	CHECK(tagdax_fabric_dir(fab)[0] == '/');
	CHECK(tagdax_fabric_fm_alive(fab));
	CHECK(tagdax_fabric_agent_alive(fab, "A") && tagdax_fabric_agent_alive(fab, "B"));
	CHECK(!tagdax_fabric_agent_alive(fab, "nope"));
	tagdax_fabric_close(fab);
}

static void test_info_and_regions(struct tagdax_fm *fm)
{
	struct tagdax_fm_dcd_info info;
	struct tagdax_fm_host_regions r;

	CHECK_RC(tagdax_fm_get_dcd_info(fm, &info), 0);
	CHECK(info.num_hosts == 2 && info.num_regions == 2);
	CHECK(info.add_policies & TAGDAX_FM_ADD_POLICY_FREE);
	CHECK(info.release_policies & TAGDAX_FM_RELEASE_POLICY_TAG_BASED);
	CHECK(info.total_capacity == 2ull << 30);
	CHECK(info.block_size_mask[0] & (1ull << 21)); /* 2M */

	CHECK_RC(tagdax_fm_get_host_dc_region_config(fm, 1, 0, 8, &r), 0);
	CHECK(r.host_id == 1 && r.count == 2 && r.num_available == 2);
	CHECK(r.region[0].base == 0 && r.region[0].length == 1ull << 30);
	CHECK(r.region[1].base == 1ull << 30 && r.region[1].block_size == 2ull << 20);
	CHECK(r.region[0].attr1 & TAGDAX_FM_ATTR1_SHARABLE);
	CHECK(!(r.region[1].attr1 & TAGDAX_FM_ATTR1_SHARABLE));
	CHECK(!r.region[0].sanitize_on_release && r.region[1].sanitize_on_release);
	CHECK(r.has_limits && r.available_extents <= r.total_extents);
	CHECK_RC(tagdax_fm_get_host_dc_region_config(fm, 1, 1, 1, &r), 0);
	CHECK(r.count == 1 && r.region[0].base == 1ull << 30);
	CHECK_RC(tagdax_fm_get_host_dc_region_config(fm, 1, 0, 9, &r), -EINVAL);
	/* a device refusal is a positive code, never an errno */
	CHECK_RC(tagdax_fm_get_host_dc_region_config(fm, 77, 0, 8, &r),
		 TAGDAX_FM_RC_INVALID_INPUT);
	CHECK(!strcmp(tagdax_fm_rc_name(TAGDAX_FM_RC_INVALID_INPUT), "Invalid Input"));
	CHECK(strlen(tagdax_fm_rc_sentence(TAGDAX_FM_RC_RESOURCES_EXHAUSTED)) > 10);
	CHECK(!strcmp(tagdax_fm_opcode_name(TAGDAX_FM_OP_LIST_TAGS), "Dynamic Capacity List Tags"));
	CHECK(!strcmp(tagdax_fm_opcode_name(TAGDAX_FM_OP_GET_EVENT_RECORDS), "Get Event Records"));
	CHECK(!strcmp(tagdax_fm_opcode_name(0x10000), "Unknown Command"));
	CHECK(!strcmp(tagdax_fm_opcode_name(-1), "Unknown Command"));

	/* 5602h: the same settings are accepted on an empty region, a region
	 * that does not exist is refused */
	CHECK_RC(tagdax_fm_set_dc_region_config(fm, 0, 2ull << 20, false), 0);
	CHECK_RC(tagdax_fm_set_dc_region_config(fm, 9, 2ull << 20, false),
		 TAGDAX_FM_RC_INVALID_INPUT);
}

static void test_add_list_release(struct tagdax_fm *fm)
{
	static const uint8_t t1[16] = { 0x11, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };
	struct tagdax_fm_add add = {
		.host = 0, .policy = TAGDAX_FM_ADD_FREE, .region = 1, .length = 4ull << 20,
	};
	struct tagdax_fm_release rel = { .host = 0, .policy = TAGDAX_FM_RELEASE_TAG_BASED };
	struct tagdax_fm_extent one[2];
	struct tagdax_fm_extent_page page;
	struct tagdax_fm_tags_page tp;
	struct tagdax_fm_tag *tags, tagbuf[4];
	const struct tagdax_fm_tag *t;
	struct tagdax_fm_events ev;
	uint16_t handles[64];
	unsigned int nh = 0;
	bool responded = false;
	uint32_t n;

	memcpy(add.tag, t1, 16);
	add.policy = 9;
	CHECK_RC(tagdax_fm_initiate_dc_add(fm, &add), -EINVAL);
	add.policy = TAGDAX_FM_ADD_FREE;
	CHECK_RC(tagdax_fm_initiate_dc_add(fm, &add), 0);
	wait_held(fm, 0, t1, 4ull << 20);

	CHECK_RC(tagdax_fm_get_dc_region_extent_lists(fm, 0, 0, 0, one, &page), 0);
	CHECK(page.returned == 0 && page.total >= 1 && page.host_id == 0);
	CHECK_RC(tagdax_fm_get_dc_region_extent_lists(fm, 0, 0, 1, one, &page), 0);
	CHECK(page.returned == 1 && !memcmp(one[0].tag, t1, 16) && one[0].dpa >= 1ull << 30);

	CHECK_RC(tagdax_fm_list_all_tags(fm, &tags, &n), 0);
	t = find_tag(tags, n, t1);
	CHECK(t && tagdax_fm_bitmap_has(t->ref, 0) && !tagdax_fm_bitmap_has(t->ref, 1));
	CHECK(!tagdax_fm_bitmap_has(t->pending, 0) && !t->fm_ref);
	free(tags);
	CHECK_RC(tagdax_fm_list_tags(fm, 0, 1, NULL, &tp), -EINVAL);
	CHECK_RC(tagdax_fm_get_dc_region_extent_lists(fm, 0, 0, 1, NULL, &page), -EINVAL);
	CHECK_RC(tagdax_fm_list_tags(fm, 0, 0, tagbuf, &tp), 0);
	CHECK(tp.returned == 0 && tp.total == n);
	CHECK_RC(tagdax_fm_list_tags(fm, 0, 4, tagbuf, &tp), 0);
	CHECK(tp.returned == n && tp.ref_valid && tp.pending_valid);

	/* the FM's event log tells of the host's answer; clearing it by
	 * handle leaves the log without those records */
	CHECK_RC(tagdax_fm_get_event_records(fm, TAGDAX_FM_LOG_DC, &ev), 0);
	for (unsigned int i = 0; i < ev.count && nh < 64; i++) {
		responded |= ev.ev[i].type == TAGDAX_FM_EVENT_ADD_RESPONSE &&
			     ev.ev[i].host_id == 0 && !memcmp(ev.ev[i].extent.tag, t1, 16);
		handles[nh++] = ev.ev[i].handle;
	}
	tagdax_fm_events_free(&ev);
	CHECK(responded);
	CHECK_RC(tagdax_fm_clear_event_records(fm, TAGDAX_FM_LOG_DC, handles, nh), 0);
	CHECK_RC(tagdax_fm_get_event_records(fm, TAGDAX_FM_LOG_DC, &ev), 0);
	for (unsigned int i = 0; i < ev.count; i++)
		for (unsigned int k = 0; k < nh; k++)
			CHECK(ev.ev[i].handle != handles[k]);
	tagdax_fm_events_free(&ev);
	/* Clear All only recovers from an overflow; there was none */
	CHECK(tagdax_fm_clear_all_event_records(fm, TAGDAX_FM_LOG_DC) ==
	      TAGDAX_FM_RC_INVALID_INPUT);
	CHECK_RC(tagdax_fm_get_event_records(fm, 9, &ev), -EINVAL);

	memcpy(rel.tag, t1, 16);
	rel.length = 4ull << 20;
	CHECK_RC(tagdax_fm_initiate_dc_release(fm, &rel), 0);
	wait_held(fm, 0, t1, 0);
	/* nothing left to release: refused by the device */
	CHECK(tagdax_fm_initiate_dc_release(fm, &rel) > 0);
}

/* 5606h/5607h: the FM's reference keeps sharable capacity no host holds. */
static void test_references(struct tagdax_fm *fm)
{
	static const uint8_t t2[16] = { 0x22, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };
	static const uint8_t unknown[16] = { 0x33, 1 };
	struct tagdax_fm_add add = {
		.host = 1, .policy = TAGDAX_FM_ADD_FREE, .region = 0, .length = 2ull << 20,
	};
	struct tagdax_fm_release rel = {
		.host = 1, .policy = TAGDAX_FM_RELEASE_TAG_BASED, .length = 2ull << 20,
	};
	struct tagdax_fm_tag *tags;
	const struct tagdax_fm_tag *t;
	uint32_t n;

	memcpy(add.tag, t2, 16);
	memcpy(rel.tag, t2, 16);
	CHECK_RC(tagdax_fm_initiate_dc_add(fm, &add), 0);
	wait_held(fm, 1, t2, 2ull << 20);
	CHECK_RC(tagdax_fm_add_reference(fm, unknown), TAGDAX_FM_RC_INVALID_INPUT);
	CHECK_RC(tagdax_fm_add_reference(fm, t2), 0);
	CHECK_RC(tagdax_fm_add_reference(fm, t2), 0); /* repeated: still Success */
	CHECK_RC(tagdax_fm_list_all_tags(fm, &tags, &n), 0);
	t = find_tag(tags, n, t2);
	CHECK(t && t->fm_ref && tagdax_fm_bitmap_has(t->ref, 1));
	free(tags);

	CHECK_RC(tagdax_fm_initiate_dc_release(fm, &rel), 0);
	wait_held(fm, 1, t2, 0);
	/* no host holds it, the FM's reference keeps it */
	CHECK_RC(tagdax_fm_list_all_tags(fm, &tags, &n), 0);
	t = find_tag(tags, n, t2);
	CHECK(t && t->fm_ref && !tagdax_fm_bitmap_has(t->ref, 1));
	free(tags);
	/* ... so it can be shared again */
	add.policy = TAGDAX_FM_ADD_ENABLE_SHARED;
	add.length = 0;
	add.host = 0;
	CHECK_RC(tagdax_fm_initiate_dc_add(fm, &add), 0);
	wait_held(fm, 0, t2, 2ull << 20);
	rel.host = 0;
	CHECK_RC(tagdax_fm_initiate_dc_release(fm, &rel), 0);
	wait_held(fm, 0, t2, 0);

	CHECK_RC(tagdax_fm_remove_reference(fm, t2), 0);
	CHECK_RC(tagdax_fm_list_all_tags(fm, &tags, &n), 0);
	CHECK(!find_tag(tags, n, t2));
	free(tags);
	CHECK_RC(tagdax_fm_remove_reference(fm, t2), TAGDAX_FM_RC_INVALID_INPUT);
}

/* A socket that accepts and never answers: the handle's timeout ends the
 * call with -ETIMEDOUT, a transport error, and the handle stays usable. */
static void test_timeout(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct tagdax_fm *fm;
	struct tagdax_fm_dcd_info info;
	int srv = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/mute.sock", dir);
	CHECK(srv >= 0 && bind(srv, (struct sockaddr *)&sa, sizeof(sa)) == 0 && listen(srv, 4) == 0);
	CHECK_RC(tagdax_fm_open_socket(sa.sun_path, &fm), 0);
	CHECK(tagdax_fm_get_timeout(fm) == TAGDAX_FM_DEFAULT_TIMEOUT_MS);
	CHECK_RC(tagdax_fm_set_timeout(fm, -2), -EINVAL);
	CHECK_RC(tagdax_fm_set_timeout(fm, 200), 0);
	CHECK(tagdax_fm_get_timeout(fm) == 200);
	CHECK_RC(tagdax_fm_get_dcd_info(fm, &info), -ETIMEDOUT);
	tagdax_fm_close(fm);
	close(srv);
	unlink(sa.sun_path);
	CHECK_RC(tagdax_fm_open_socket(sa.sun_path, &fm), -ENOENT);
	CHECK(!fm);
}

/* Misuse is an error, never a crash: a NULL handle or result pointer gives
 * -EINVAL (false / 0 / NULL from the getters), and a bad argument is
 * refused before anything is sent, so the connection stays usable. */
static void test_misuse(struct tagdax_fm *fm)
{
	struct tagdax_fm_add add = { .policy = TAGDAX_FM_ADD_FREE };
	struct tagdax_fm_release rel = { .policy = TAGDAX_FM_RELEASE_TAG_BASED };
	struct tagdax_fm_dcd_info info;
	struct tagdax_fm_host_regions hr;
	struct tagdax_fm_extent_page ep;
	struct tagdax_fm_tags_page tp;
	struct tagdax_fm_extent *x;
	struct tagdax_fm_tag *tags;
	struct tagdax_fm_events ev;
	struct tagdax_fabric *fab;
	static const uint8_t tag[16] = { 0x55 };
	uint16_t h = 0;
	uint32_t n;

	CHECK_RC(tagdax_fm_open(dir, NULL), -EINVAL);
	CHECK_RC(tagdax_fm_open_socket("/nonexistent", NULL), -EINVAL);
	CHECK_RC(tagdax_fm_set_timeout(NULL, 10), -EINVAL);
	CHECK_RC(tagdax_fm_get_timeout(NULL), -EINVAL);

	CHECK_RC(tagdax_fm_get_dcd_info(NULL, &info), -EINVAL);
	CHECK_RC(tagdax_fm_get_dcd_info(fm, NULL), -EINVAL);
	CHECK_RC(tagdax_fm_get_host_dc_region_config(NULL, 0, 0, 8, &hr), -EINVAL);
	CHECK_RC(tagdax_fm_get_host_dc_region_config(fm, 0, 0, 8, NULL), -EINVAL);
	CHECK_RC(tagdax_fm_set_dc_region_config(NULL, 0, 2ull << 20, false), -EINVAL);
	CHECK_RC(tagdax_fm_get_dc_region_extent_lists(NULL, 0, 0, 0, NULL, &ep), -EINVAL);
	CHECK_RC(tagdax_fm_get_dc_region_extent_lists(fm, 0, 0, 0, NULL, NULL), -EINVAL);
	CHECK_RC(tagdax_fm_get_host_extents(NULL, 0, &x, &n), -EINVAL);
	CHECK_RC(tagdax_fm_get_host_extents(fm, 0, NULL, &n), -EINVAL);
	CHECK_RC(tagdax_fm_get_host_extents(fm, 0, &x, NULL), -EINVAL);
	CHECK_RC(tagdax_fm_initiate_dc_add(NULL, &add), -EINVAL);
	CHECK_RC(tagdax_fm_initiate_dc_add(fm, NULL), -EINVAL);
	CHECK_RC(tagdax_fm_initiate_dc_release(NULL, &rel), -EINVAL);
	CHECK_RC(tagdax_fm_initiate_dc_release(fm, NULL), -EINVAL);
	CHECK_RC(tagdax_fm_add_reference(NULL, tag), -EINVAL);
	CHECK_RC(tagdax_fm_add_reference(fm, NULL), -EINVAL);
	CHECK_RC(tagdax_fm_remove_reference(NULL, tag), -EINVAL);
	CHECK_RC(tagdax_fm_remove_reference(fm, NULL), -EINVAL);
	CHECK_RC(tagdax_fm_list_tags(NULL, 0, 0, NULL, &tp), -EINVAL);
	CHECK_RC(tagdax_fm_list_tags(fm, 0, 0, NULL, NULL), -EINVAL);
	CHECK_RC(tagdax_fm_list_all_tags(NULL, &tags, &n), -EINVAL);
	CHECK_RC(tagdax_fm_list_all_tags(fm, NULL, &n), -EINVAL);
	CHECK_RC(tagdax_fm_list_all_tags(fm, &tags, NULL), -EINVAL);
	CHECK_RC(tagdax_fm_get_event_records(NULL, TAGDAX_FM_LOG_DC, &ev), -EINVAL);
	CHECK_RC(tagdax_fm_get_event_records(fm, TAGDAX_FM_LOG_DC, NULL), -EINVAL);
	CHECK_RC(tagdax_fm_clear_event_records(NULL, TAGDAX_FM_LOG_DC, &h, 1), -EINVAL);
	CHECK_RC(tagdax_fm_clear_all_event_records(NULL, TAGDAX_FM_LOG_DC), -EINVAL);
	tagdax_fm_events_free(NULL);
	CHECK(!tagdax_fm_bitmap_has(NULL, 0));

	CHECK_RC(tagdax_fabric_open(dir, NULL, NULL, 0), -EINVAL);
	CHECK_RC(tagdax_fabric_open_config(dir, NULL, NULL, NULL, 0), -EINVAL);
	CHECK(!tagdax_fabric_dir(NULL));
	CHECK(tagdax_fabric_host_count(NULL) == 0);
	CHECK(tagdax_fabric_region_count(NULL) == 0);
	CHECK(!tagdax_fabric_host_name(NULL, 0));
	CHECK_RC(tagdax_fabric_host_id(NULL, 0), -EINVAL);
	CHECK_RC(tagdax_fabric_host_lookup(NULL, "A"), -EINVAL);
	CHECK(!tagdax_fabric_host_by_id(NULL, 0));
	CHECK(!tagdax_fabric_fm_alive(NULL));
	CHECK(!tagdax_fabric_agent_alive(NULL, "A"));
	CHECK_RC(tagdax_fabric_open(dir, &fab, NULL, 0), 0);
	CHECK_RC(tagdax_fabric_host_lookup(fab, NULL), -EINVAL);
	tagdax_fabric_close(fab);

	/* the handle still works after all that */
	CHECK_RC(tagdax_fm_get_dcd_info(fm, &info), 0);
	CHECK(info.num_hosts == 2);
}

/* A negative errno gets its meaning, not "a code this client does not
 * know"; a positive code its CCI sentence. */
static void test_sentences(void)
{
	CHECK(!strcmp(tagdax_fm_rc_sentence(-ETIMEDOUT), strerror(ETIMEDOUT)));
	CHECK(!strcmp(tagdax_fm_rc_sentence(-ECONNRESET), strerror(ECONNRESET)));
	CHECK(!strstr(tagdax_fm_rc_sentence(-EPROTO), "does not know"));
	CHECK(strstr(tagdax_fm_rc_sentence(0x7777), "does not know"));
	CHECK(!strcmp(tagdax_fm_rc_sentence(0), "The command completed."));
}

/* A relative DIR is made absolute, whether it exists or not yet. */
static void test_relative_dir(void)
{
	struct tagdax_fabric *fab;
	char cwd[4096], want[4096 + 64];

	CHECK(getcwd(cwd, sizeof(cwd)));
	CHECK(chdir(dir) == 0);
	CHECK_RC(tagdax_fabric_open_config("not/yet", NULL, &fab, NULL, 0), 0);
	snprintf(want, sizeof(want), "%s/not/yet", dir);
	CHECK(!strcmp(tagdax_fabric_dir(fab), want));
	tagdax_fabric_close(fab);
	CHECK_RC(tagdax_fabric_open_config(".", NULL, &fab, NULL, 0), 0);
	CHECK(!strcmp(tagdax_fabric_dir(fab), dir));
	tagdax_fabric_close(fab);
	CHECK(chdir(cwd) == 0);
}

/* A daemon that accepts and closes at once: a transport error from the
 * documented list (-ECONNRESET), not -EPIPE. */
static void test_closed_on_accept(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct tagdax_fm *fm;
	struct tagdax_fm_dcd_info info;
	int srv = socket(AF_UNIX, SOCK_STREAM, 0), c;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/rude.sock", dir);
	CHECK(srv >= 0 && bind(srv, (struct sockaddr *)&sa, sizeof(sa)) == 0 && listen(srv, 4) == 0);
	CHECK_RC(tagdax_fm_open_socket(sa.sun_path, &fm), 0);
	CHECK((c = accept(srv, NULL, NULL)) >= 0);
	close(c);
	CHECK_RC(tagdax_fm_get_dcd_info(fm, &info), -ECONNRESET);
	tagdax_fm_close(fm);
	close(srv);
	unlink(sa.sun_path);
}

int main(int argc, char **argv)
{
	struct tagdax_fm *fm;

	if (argc != 2) {
		fprintf(stderr, "usage: test-fm TAGDAX-BINARY\n");
		return 2;
	}
	tagdax_bin = argv[1];
	fabric_dir = dir;
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	CHECK_RC(tagdax_fm_open(dir, &fm), -ENOENT); /* nothing runs there yet */
	CHECK(run("up", NULL) == 0);
	test_directory();
	CHECK_RC(tagdax_fm_open(dir, &fm), 0);
	CHECK_RC(tagdax_fm_set_timeout(fm, -1), 0);
	CHECK_RC(tagdax_fm_set_timeout(fm, 30000), 0);
	test_info_and_regions(fm);
	test_add_list_release(fm);
	test_timeout();
	test_misuse(fm);
	test_sentences();
	test_relative_dir();
	test_closed_on_accept();
	test_references(fm); /* 5606h/5607h: the last, the newest commands */
	tagdax_fm_close(fm);
	tagdax_fm_close(NULL);
	CHECK(run("down", "--purge") == 0);
	rmdir(dir);
	printf("ok\n");
	return 0;
}
