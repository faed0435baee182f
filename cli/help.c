// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The help of every command and sub-command, in one table: the dispatcher
 * answers "tagdax CMD [SUB] --help", "-h" and "tagdax help CMD [SUB]" from it
 * before any command parses its options, so no command can mistake --help for
 * a bad option.  The man pages (docs/man/) say the same at length.
 */
#include <stdio.h>
#include <string.h>

#include "tagdax.h"

#define ROOTS "Root options (--sysfs-root, --dev-root, --config, --run-dir, -v) as for 'tagdax --help'.\n"

static const struct {
	const char *topic;
	const char *text;
} topics[] = {
	{ "list", "usage: tagdax list [--json] [-u|--human] [-n|--no-headings] [TAG]\n"
		  "\n"
		  "List every tagged device this host can see (only TAG's, if given), with a\n"
		  "header line: tag, provider, path, size, flags.  A tag on extents no device\n"
		  "has claimed yet shows '(unclaimed)' as its path.\n"
		  "\n"
		  "  -j, --json     one JSON object per device (fields: tagdax(1))\n"
		  "  -u, --human    sizes as 2.00 MiB instead of bytes (with --json: strings)\n"
		  "  -n, --no-headings  no header line\n"
		  ROOTS "See tagdax-list(1).\n" },
	{ "resolve", "usage: tagdax resolve [--json] [-u|--human] TAG\n"
		     "\n"
		     "Print the path of the device that carries TAG (exit 1: none, 3: two\n"
		     "devices carry it, 4: it is on unclaimed extents).\n"
		     "\n"
		     "  -j, --json     the whole device as a JSON object\n"
		     "  -u, --human    sizes in JSON as strings like \"2.00 MiB\"\n"
		     ROOTS "See tagdax-list(1).\n" },
	{ "wait", "usage: tagdax wait [--json] [-u|--human] [--timeout SECONDS] TAG\n"
		  "\n"
		  "Block until TAG can be resolved, then print its path as resolve does.\n"
		  "\n"
		  "  --timeout S    give up after S seconds (exit 1); -1 or absent: never\n"
		  "  -j, --json     the device as a JSON object\n"
		  "  -u, --human    sizes in JSON as strings like \"2.00 MiB\"\n"
		  ROOTS "See tagdax-list(1).\n" },
	{ "claim", "usage: tagdax claim TAG\n"
		   "\n"
		   "Make a dax device of the unclaimed CXL extents that carry TAG (the kernel\n"
		   "DCD ABI: the tag is written to the region's seed device).  Exit 7 if a\n"
		   "device already carries TAG (nothing to do).\n"
		   ROOTS "See tagdax-list(1).\n" },
	{ "exec", "usage: tagdax exec --tag TAG [--timeout S] -- PROGRAM [ARGS]\n"
		  "\n"
		  "Resolve TAG (waiting up to S seconds; -1: forever) and run PROGRAM with\n"
		  "TAGDAX_TAG, TAGDAX_PATH, TAGDAX_OFFSET, TAGDAX_SIZE, TAGDAX_PROVIDER and\n"
		  "TAGDAX_FLAGS set.  Where the device has an in-use lock, PROGRAM inherits a\n"
		  "descriptor holding it (number 100 or above, in TAGDAX_LOCK_FD; unset\n"
		  "elsewhere): the device's owner cannot release it until PROGRAM and its\n"
		  "children exit or close it.  Exit: PROGRAM's own once it runs, 126/127 if\n"
		  "it cannot, 1 for a device being released, 5 for a device made of pieces\n"
		  "apart (only tagdax_map() lays those out).\n"
		  ROOTS "See tagdax-exec(1).\n" },
	{ "udev-id", "usage: tagdax udev-id DEVPATH\n"
		     "\n"
		     "The udev helper behind 80-tagdax.rules (IMPORT{program}): print TAGDAX_TAG,\n"
		     "TAGDAX_TAGS, TAGDAX_LINKS and TAGDAX_PROVIDER for the device at DEVPATH\n"
		     "($devpath, e.g. /devices/.../dax0.0) and record it in the by-tag index.\n"
		     "A device without a tag prints nothing.  See tagdax-udev-id(8).\n" },
	{ "cdi", "usage: tagdax cdi [--output FILE|-]\n"
		 "\n"
		 "Write a Container Device Interface spec naming every tagged device by its\n"
		 "tag, so that 'podman run --device tagdax.dev/tag=TAG' hands the device to a\n"
		 "container.  Default output: /run/cdi/tagdax.json (written atomically).\n"
		 "\n"
		 "  -o, --output FILE   where to write the spec ('-': standard output)\n"
		 ROOTS "See tagdax-cdi(1).\n" },
	{ "help", "usage: tagdax help [COMMAND [SUBCOMMAND]]\n"
		  "\n"
		  "Show the help of a command; the same as 'tagdax COMMAND --help'.\n" },
	{ "fabric up", "usage: tagdax fabric up --dir DIR [--config FILE] [--timeout S]\n"
		       "\n"
		       "Start the emulated DCD + fabric manager and one agent per host in DIR\n"
		       "(created if missing).  FILE: the JSON configuration (tagdax-fabric.json(5));\n"
		       "default: DIR/config.json on a restart, else the embedded sample.\n"
		       "Refuses (exit 2) a DIR others can write to or with symbolic links in it.\n"
		       "--timeout: how long to wait for the processes to come up (default 30).\n"
		       "See tagdax-fabric(1).\n" },
	{ "fabric down", "usage: tagdax fabric down --dir DIR [--purge] [--timeout S]\n"
			 "\n"
			 "Stop the fabric in DIR; --purge also deletes its state and memory.\n"
			 "Exit 7 when no fabric was running there (and no --purge).\n"
			 "See tagdax-fabric(1).\n" },
	{ "fabric add", "usage: tagdax fabric add --dir DIR --host NAME --size SIZE [--tag UUID]\n"
			"           [--region N] [--policy free|contiguous|prescriptive]\n"
			"           [--extent DPA:LEN ...] [--timeout S]\n"
			"\n"
			"Give host NAME SIZE bytes (2M, 2MiB, 1G...) of dynamic capacity; print the\n"
			"tag (made up unless --tag is given); return once NAME can resolve it.\n"
			"Exit 6: NAME had not answered the offer at --timeout (default 30); the\n"
			"offer still stands ('release --forced' withdraws it).\n"
			"See tagdax-fabric(1).\n" },
	{ "fabric share", "usage: tagdax fabric share --dir DIR --tag UUID --host NAME [--region N]\n"
			  "           [--timeout S]\n"
			  "\n"
			  "Give host NAME access to the tag's sharable capacity.  Exit 6: NAME had\n"
			  "not answered the offer at --timeout (default 30); the offer still stands.\n"
			  "See tagdax-fabric(1).\n" },
	{ "fabric release", "usage: tagdax fabric release --dir DIR --tag UUID --host NAME [--forced]\n"
			    "           [--sanitize] [--extent DPA:LEN ...] [--timeout S]\n"
			    "\n"
			    "Take the tag's capacity back from NAME; waits while a holder on the host\n"
			    "maps or holds it.  --forced: at once, revoking every holder (processes:\n"
			    "SIGBUS, then SIGKILL; VMs: unplugged through QMP, killed as the last\n"
			    "resort); on an offer not yet accepted, withdraws it.\n"
			    "See tagdax-fabric(1).\n" },
	{ "fabric ref", "usage: tagdax fabric ref TAG --dir DIR [--timeout S]\n"
			"\n"
			"The fabric manager takes its own reference on the tag's sharable capacity\n"
			"(Dynamic Capacity Add Reference, 5606h): it stays, not freed and not\n"
			"zeroed, while no host holds it, and can be shared again.\n"
			"See tagdax-fabric(1).\n" },
	{ "fabric unref", "usage: tagdax fabric unref TAG --dir DIR [--timeout S]\n"
			  "\n"
			  "The fabric manager drops its reference (Remove Reference, 5607h): the\n"
			  "capacity is freed once no host holds it.  See tagdax-fabric(1).\n" },
	{ "fabric list", "usage: tagdax fabric list --dir DIR [--json]\n"
			 "\n"
			 "Regions, allocations, which hosts hold them and which have them offered\n"
			 "(HOST(pending)), [fm] when the fabric manager references the tag, and\n"
			 "released capacity quarantined until it is zeroed.\n"
			 "See tagdax-fabric(1).\n" },
	{ "fabric region", "usage: tagdax fabric region --dir DIR --region N [--block-size SIZE]\n"
			   "           [--sanitize-on-release on|off]\n"
			   "\n"
			   "Reconfigure a region that holds no capacity (Set DC Region Configuration).\n"
			   "See tagdax-fabric(1).\n" },
	{ "fabric read", "usage: tagdax fabric read --dir DIR --host NAME --tag UUID [--offset N]\n"
			 "           [--length N] [--hold S]\n"
			 "\n"
			 "Print the text at OFFSET of the tag's memory as host NAME sees it\n"
			 "(through tagdax_map); with --length, exactly N raw bytes.  Exit 2, nothing\n"
			 "read, when they run past the end.  See tagdax-fabric(1).\n" },
	{ "fabric write", "usage: tagdax fabric write --dir DIR --host NAME --tag UUID [--offset N]\n"
			  "           [--hold S] TEXT|-\n"
			  "\n"
			  "Write TEXT and its NUL (or, for -, every byte of standard input) at\n"
			  "OFFSET of the tag's memory as host NAME sees it.  Exit 2, nothing\n"
			  "written, when it does not fit.  See tagdax-fabric(1).\n" },
	{ "vm args", "usage: tagdax vm args [--libvirt] [--hotplug-ports N [--port-size SIZE]] [TAG...]\n"
		     "\n"
		     "Print the QEMU options (one per line; --libvirt: libvirt <qemu:commandline>\n"
		     "XML) that give a guest these tagged devices, plus N spare pcie-root-ports\n"
		     "for later hot plug.  Needs q35 (each window has a pcie-root-port of its\n"
		     "own).  A VM given fabric capacity is recorded as its holder.\n"
		     "See tagdax-vm(1).\n" },
	{ "vm attach", "usage: tagdax vm attach --qmp SOCKET [--timeout S] TAG [TAG...]\n"
		       "\n"
		       "Hot-plug the tagged devices into a running QEMU through its QMP socket.\n"
		       "A VM given fabric capacity is recorded as its holder.  Exit 7 if the VM\n"
		       "already has TAG.  See tagdax-vm(1).\n" },
	{ "vm detach", "usage: tagdax vm detach --qmp SOCKET [--timeout S] TAG [TAG...]\n"
		       "\n"
		       "Unplug the tagged devices (hot- or cold-plugged); waits for the guest to\n"
		       "let go.  The VM then no longer holds the capacity.  See tagdax-vm(1).\n" },
};

/* The groups print their own overview (cmd-fabric.c, cmd-vm.c). */
static bool is_group(const char *cmd)
{
	return !strcmp(cmd, "fabric") || !strcmp(cmd, "vm");
}

int cli_topic(const char *cmd, const char *sub, char *out, size_t len)
{
	if (sub && is_group(cmd))
		snprintf(out, len, "%s %s", cmd, sub);
	else
		snprintf(out, len, "%s", cmd);
	for (size_t i = 0; i < sizeof(topics) / sizeof(topics[0]); i++)
		if (!strcmp(topics[i].topic, out))
			return (int)i;
	snprintf(out, len, "%s", cmd); /* an unknown sub-command: the group's help */
	for (size_t i = 0; i < sizeof(topics) / sizeof(topics[0]); i++)
		if (!strcmp(topics[i].topic, out))
			return (int)i;
	return -1;
}

const char *cli_help_text(int topic)
{
	return topic >= 0 ? topics[topic].text : NULL;
}
