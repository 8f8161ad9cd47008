/*
 * Sluice host — the list of problems a configuration load collects, each
 * an sl_error_t with its place (a configuration path, or a file:line:column),
 * so that `sluiced --check` reports them all in one run.
 * SPDX-License-Identifier: MIT OR Apache-2.0
 */
#ifndef SL_CORE_ERRLIST_H
#define SL_CORE_ERRLIST_H

#include <sluice/common.h>
#include <sluice/error.h>

/** Maximum problems collected by one load (further ones are counted). */
#define SL_CONFIG_MAX_ERRORS 64

/** Problems found while loading a configuration. A zeroed list is empty. */
typedef struct sl_errlist {
	sl_error_t *item;  /**< SL_CONFIG_MAX_ERRORS slots, allocated with the first problem */
	unsigned count;    /**< stored problems */
	unsigned dropped;  /**< problems beyond the cap (or without memory to keep them) */
} sl_errlist_t;

/** Appends a problem at @p where (a configuration path or a file; NULL: none). */
void sl_errlist_add(sl_errlist_t *el, const char *where, const char *fmt, ...) SL_PRINTF(3, 4);
/** Appends a copy of @p err; an sl_error_f, so any layer can report into the list. */
void sl_errlist_report(void *el, const sl_error_t *err);
/** Writes problem @p i as its line (sl_error_format()); returns @p buf. */
const char *sl_errlist_line(const sl_errlist_t *el, unsigned i, char *buf, size_t len);
/** Frees the problems; the list is empty again. */
void sl_errlist_free(sl_errlist_t *el);
/** Logs each problem at error level. */
void sl_errlist_log(const sl_errlist_t *el);

#endif /* SL_CORE_ERRLIST_H */
