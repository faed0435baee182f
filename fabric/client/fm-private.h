/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libtagdax-fm's handle, for its own files and the fuzz harness (which
 * wraps a socket pair in one); users see only the opaque type. */
#ifndef TAGDAX_FABRIC_FM_PRIVATE_H
#define TAGDAX_FABRIC_FM_PRIVATE_H

#include <tagdax/fm.h>

#include "fmclient.h"

struct tagdax_fm {
	struct fmc c;
};

#endif
