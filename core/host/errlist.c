/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/* The configuration problem list (errlist.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sluice/log.h>
#include "errlist.h"

void sl_errlist_add(sl_errlist_t *el, const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL;

	if (el->count >= SL_CONFIG_MAX_ERRORS) {
		el->dropped++;
		return;
	}
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (msg)
		el->msg[el->count++] = msg;
	else
		el->dropped++;
}

void sl_errlist_free(sl_errlist_t *el)
{
	for (unsigned i = 0; i < el->count; i++)
		free(el->msg[i]);
	el->count = 0;
	el->dropped = 0;
}

void sl_errlist_log(const sl_errlist_t *el)
{
	for (unsigned i = 0; i < el->count; i++)
		sl_log(SL_LOG_ERROR, "%s", el->msg[i]);
	if (el->dropped)
		sl_log(SL_LOG_ERROR, "... and %u more problems", el->dropped);
}
