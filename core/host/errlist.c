/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/* The configuration problem list (errlist.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sluice/log.h>
#include "errlist.h"

/* The next free slot, or NULL (counted as dropped). */
static sl_error_t *next_slot(sl_errlist_t *el)
{
	if (el->count >= SL_CONFIG_MAX_ERRORS) {
		el->dropped++;
		return NULL;
	}
	if (!el->item && !(el->item = calloc(SL_CONFIG_MAX_ERRORS, sizeof(*el->item)))) {
		el->dropped++;
		return NULL;
	}
	sl_error_t *e = &el->item[el->count++];
	sl_error_clear(e);
	e->count = el->count + el->dropped;
	return e;
}

void sl_errlist_add(sl_errlist_t *el, const char *where, const char *fmt, ...)
{
	sl_error_t *e = next_slot(el);
	if (!e)
		return;
	sl_error_at(e, SL_ECONFIG, where, 0, 0, "%s", "");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
}

void sl_errlist_report(void *arg, const sl_error_t *err)
{
	sl_errlist_t *el = arg;
	sl_error_t *e = next_slot(el);
	if (e) {
		unsigned count = e->count;
		*e = *err;
		e->count = count;
	}
}

const char *sl_errlist_line(const sl_errlist_t *el, unsigned i, char *buf, size_t len)
{
	if (len)
		buf[0] = '\0';
	if (i < el->count)
		sl_error_format(&el->item[i], buf, len);
	return buf;
}

void sl_errlist_free(sl_errlist_t *el)
{
	free(el->item);
	el->item = NULL;
	el->count = 0;
	el->dropped = 0;
}

void sl_errlist_log(const sl_errlist_t *el)
{
	char line[SL_ERROR_FILE_MAX + SL_ERROR_MSG_MAX + 32];
	for (unsigned i = 0; i < el->count; i++)
		sl_log(SL_LOG_ERROR, "%s", sl_errlist_line(el, i, line, sizeof(line)));
	if (el->dropped)
		sl_log(SL_LOG_ERROR, "... and %u more problems", el->dropped);
}
