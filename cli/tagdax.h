/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The tagdax command: shared pieces of its sub-commands. */
#ifndef TAGDAX_CLI_H
#define TAGDAX_CLI_H

#include <json-c/json.h>
#include <stdbool.h>
#include <tagdax/tagdax.h>

/* Exit codes, documented in the README. */
enum {
	EXIT_OK = 0,
	EXIT_NOTFOUND = 1,  /* tag not found, or wait timed out */
	EXIT_USAGE = 2,     /* invalid usage or input */
	EXIT_AMBIGUOUS = 3, /* two different devices carry the tag */
	EXIT_UNCLAIMED = 4, /* the tag is on extents no device claimed */
	EXIT_SYSTEM = 5,    /* a system error */
	EXIT_PENDING = 6,   /* fabric add/share: offered, not yet accepted at the timeout */
	EXIT_ALREADY = 7,   /* nothing to do: it is already so (claimed, attached, stopped) */
};

struct cli {
	struct tagdax_ctx *ctx;
	const char *prog;
	bool json;
	char topic[64]; /* "list", "fabric add": what usage errors point at */
};

/* Parses a tag argument; prints the error and returns false if malformed. */
bool cli_tag(const char *text, struct tagdax_tag *tag);
/* Reports a resolve/wait result and maps it to an exit code. */
/* Warns (stderr) when dev is online as system RAM: tagged capacity is
 * there to be shared, and a host's kernel must not own shared memory. */
void cli_warn_system_ram(struct tagdax_dev *dev);
int cli_resolve_status(struct cli *cli, const struct tagdax_tag *tag, int rc,
		       struct tagdax_dev *dev);
/* Whether the admin table exists but cannot be read (says so on stderr). */
bool cli_table_unreadable(struct cli *cli);
struct json_object *dev_to_json(struct tagdax_dev *dev);
/* -u/--human: dev_to_json() writes sizes as "2.00 MiB" strings. */
void cli_json_set_human(bool on);
void print_json(struct json_object *obj);
/* "sharable,readonly": the device's flags as the table writes them ("" for none). */
const char *cli_flags_text(unsigned int flags);
int usage_error(struct cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Parses a timeout in seconds ("30", "2.5"); -1 for "forever" on "-1". */
bool parse_timeout(const char *text, int *ms);

/* pieces.c: one piece of a device's host memory, bytes [offset, offset+length)
 * of path (the library's string, valid as long as the device). */
struct cli_piece {
	const char *path;
	uint64_t offset;
	uint64_t length;
};
/* The device's segments in order, those that continue one another in the same
 * file merged.  *out is malloc'ed; returns how many, or -ENOMEM. */
int cli_pieces(struct tagdax_dev *dev, struct cli_piece **out);

/* help.c: the help text of every command; a topic is "CMD" or "GROUP SUB".
 * Writes the topic to out; returns its index, or -1 if it has no text. */
int cli_topic(const char *cmd, const char *sub, char *out, size_t len);
const char *cli_help_text(int topic);

int cmd_list(struct cli *cli, int argc, char **argv);
int cmd_resolve(struct cli *cli, int argc, char **argv);
int cmd_wait(struct cli *cli, int argc, char **argv);
int cmd_exec(struct cli *cli, int argc, char **argv);
int cmd_claim(struct cli *cli, int argc, char **argv);
int cmd_udev_id(struct cli *cli, int argc, char **argv);
int cmd_fabric(struct cli *cli, int argc, char **argv);
int cmd_vm(struct cli *cli, int argc, char **argv);
int cmd_cdi(struct cli *cli, int argc, char **argv);

#endif
