// SPDX-License-Identifier: GPL-2.0-or-later
/* PLACEHOLDER: fabric commands arrive with the emulated fabric. */
#include <stdio.h>

#include "tagdax.h"

int cmd_fabric(struct cli *cli, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return usage_error(cli, "the fabric commands are not built yet");
}
