/*
 * Sluice host — the list of problems a configuration load collects, each
 * with its place, so that `sluiced --check` reports them all in one run.
 * SPDX-License-Identifier: MIT OR Apache-2.0
 */
#ifndef SL_CORE_ERRLIST_H
#define SL_CORE_ERRLIST_H

#include <sluice/common.h>

/** Maximum problems collected by one load (further ones are counted). */
#define SL_CONFIG_MAX_ERRORS 64

/** Problems found while loading a configuration, each with its place. */
typedef struct sl_errlist {
	char *msg[SL_CONFIG_MAX_ERRORS]; /**< "path: message" lines (malloc'd) */
	unsigned count;                  /**< stored messages */
	unsigned dropped;                /**< messages beyond the cap */
} sl_errlist_t;

/** Appends a formatted problem. */
void sl_errlist_add(sl_errlist_t *el, const char *fmt, ...) SL_PRINTF(2, 3);
/** Frees the messages. */
void sl_errlist_free(sl_errlist_t *el);
/** Logs each problem at error level. */
void sl_errlist_log(const sl_errlist_t *el);

#endif /* SL_CORE_ERRLIST_H */
