/* SPDX-License-Identifier: MIT OR Apache-2.0 */
#include "buildconf.h"
#include <sluice/common.h>

const char *sl_strerror(int err)
{
	switch (err) {
	case SL_OK: return "success";
	case SL_EINVAL: return "invalid argument";
	case SL_ENOMEM: return "out of memory";
	case SL_ESPACE: return "no space left in buffer";
	case SL_EMALFORMED: return "malformed data";
	case SL_ESYNTAX: return "syntax error";
	case SL_ENOTFOUND: return "not found";
	case SL_EEXIST: return "already exists";
	case SL_ELIMIT: return "limit exceeded";
	case SL_ENOTSUP: return "not supported";
	case SL_EIO: return "I/O error";
	case SL_ECONFIG: return "configuration error";
	case SL_EABI: return "plugin ABI mismatch";
	case SL_ELOOP: return "compression loop or chain too long";
	default: return "unknown error";
	}
}

const char *sl_version(void)
{
	return PACKAGE_VERSION;
}
