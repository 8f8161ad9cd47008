/*
 * Sluice — the one error-detail type every layer reports problems with.
 * SPDX-License-Identifier: MIT OR Apache-2.0
 *
 * A fallible function returns an SL_E* code (sluice/common.h): that code
 * says *what kind* of failure it was. When a user will read the failure, the
 * function also fills an sl_error_t: *why* (a one-line message) and *where*
 * (a file or configuration path, with a line and column when the problem has
 * one). A function that can find several problems in one run (a zone file, a
 * zone's semantic checks, a configuration) hands each one to an sl_error_f
 * as it finds it, so the caller decides whether to log, collect or count
 * them; it also keeps the first one in its sl_error_t out-parameter.
 *
 * Every layer uses this type: the zone-file scanner (sl_zscan_error_t is the
 * same type), the zone store's semantic checks (sl_zone_txn_commit_report()),
 * the configuration and plugin loader (each problem `sluiced --check`
 * prints), the listening sockets. sl_error_format() writes one problem as the
 * line users see: "file:line:column: message", the parts that are not set
 * left out.
 *
 * The layout is that of sl_zscan_error_t in plugin ABI 2.0 and 2.1, so code
 * built against those headers keeps working.
 */
#ifndef SLUICE_ERROR_H
#define SLUICE_ERROR_H

#include <sluice/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Size of sl_error_t.file (longer names keep their tail). */
#define SL_ERROR_FILE_MAX 256
/** Size of sl_error_t.msg (longer messages are cut). */
#define SL_ERROR_MSG_MAX 256

/** One problem: where and why. Strings are always NUL-terminated. */
typedef struct sl_error_detail {
	char file[SL_ERROR_FILE_MAX]; /**< file name or configuration path ("zones[0].plugins[1]"), "" when none */
	unsigned line;		      /**< 1-based line; 0 when the problem has none */
	unsigned column;	      /**< 1-based column; 0 when none */
	char msg[SL_ERROR_MSG_MAX];   /**< one-line message, "" when no problem was recorded */
	unsigned count;		      /**< problems found so far, this one included (saturating);
					   for the one a function returns, all it found */
} sl_error_t;

/** Receives problems one at a time, in the order they are found. @p err is valid only for the call. */
typedef void (*sl_error_f)(void *arg, const sl_error_t *err);

/** Empties @p err (no place, no message, count 0). NULL is ignored. */
SL_API void sl_error_clear(sl_error_t *err);

/**
 * Sets the message of @p err (its place is kept) and returns @p code, so that
 * `return sl_error_set(err, SL_EIO, "cannot open %s", path);` reads well.
 * @p err may be NULL (only the code is returned).
 */
SL_API int sl_error_set(sl_error_t *err, int code, const char *fmt, ...) SL_PRINTF(3, 4);

/**
 * Sets place and message of @p err and returns @p code. @p file may be NULL
 * (no place); a name longer than the buffer keeps its tail. @p err may be NULL.
 */
SL_API int sl_error_at(sl_error_t *err, int code, const char *file, unsigned line, unsigned column,
		       const char *fmt, ...) SL_PRINTF(6, 7);

/**
 * Writes @p err as one line: "file:line:column: msg", "file:line: msg",
 * "file: msg" or "msg", depending on what is set. Returns the length the
 * full line has (as snprintf does); @p buf is always NUL-terminated when
 * @p len > 0.
 */
SL_API size_t sl_error_format(const sl_error_t *err, char *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif /* SLUICE_ERROR_H */
