/* SPDX-License-Identifier: MIT OR Apache-2.0 */
#include "buildconf.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sluice/error.h>

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

void sl_error_clear(sl_error_t *err)
{
	if (err)
		memset(err, 0, sizeof(*err));
}

int sl_error_set(sl_error_t *err, int code, const char *fmt, ...)
{
	if (!err)
		return code;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

int sl_error_at(sl_error_t *err, int code, const char *file, unsigned line, unsigned column,
		const char *fmt, ...)
{
	if (!err)
		return code;
	err->file[0] = '\0';
	if (file) {
		size_t n = strlen(file);
		if (n >= sizeof(err->file))
			file += n - (sizeof(err->file) - 1); /* keep the tail */
		snprintf(err->file, sizeof(err->file), "%s", file);
	}
	err->line = file ? line : 0;
	err->column = file && line ? column : 0;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

size_t sl_error_format(const sl_error_t *err, char *buf, size_t len)
{
	int n;
	if (!err->file[0])
		n = snprintf(buf, len, "%s", err->msg);
	else if (!err->line)
		n = snprintf(buf, len, "%s: %s", err->file, err->msg);
	else if (!err->column)
		n = snprintf(buf, len, "%s:%u: %s", err->file, err->line, err->msg);
	else
		n = snprintf(buf, len, "%s:%u:%u: %s", err->file, err->line, err->column, err->msg);
	return n < 0 ? 0 : (size_t)n;
}
