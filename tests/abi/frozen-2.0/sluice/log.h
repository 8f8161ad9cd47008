/*
 * Sluice — logging.
 * SPDX-License-Identifier: MIT OR Apache-2.0
 *
 * One line per event, to stderr (foreground) or syslog. Never log per query
 * at the default level: operators run this on the open internet.
 */
#ifndef SLUICE_LOG_H
#define SLUICE_LOG_H

#include <stdarg.h>
#include <sluice/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Log levels; the numbers match syslog priorities. */
enum sl_log_level {
	SL_LOG_ERROR = 3,   /**< something failed and was not done */
	SL_LOG_WARNING = 4, /**< something is wrong but work goes on */
	SL_LOG_NOTICE = 5,  /**< significant normal event (start, reload) */
	SL_LOG_INFO = 6,    /**< routine event */
	SL_LOG_DEBUG = 7,   /**< detail for developers, may be per query */
};

/** Logs one line at @p level (thread-safe; a trailing newline is added). */
SL_API void sl_log(int level, const char *fmt, ...) SL_PRINTF(2, 3);

/** va_list form of sl_log(). */
SL_API void sl_vlog(int level, const char *fmt, va_list ap) SL_PRINTF(2, 0);

/** True when a message at @p level would be emitted; use to skip costly formatting. */
SL_API bool sl_log_enabled(int level);

/** Parses "error", "warning", "notice", "info" or "debug". @return level or SL_EINVAL */
SL_API int sl_log_level_from_text(const char *text);

/*
 * Output control, for the program that owns the process (sluiced, a tool
 * built on libsluice-wire). Plugins must not call these: the operator's
 * "log_level" and sluiced's --foreground decide.
 */

/** Sets the most verbose level emitted (SL_LOG_*); the default is SL_LOG_NOTICE. */
SL_API void sl_log_set_level(int level);

/** Sends output to syslog (true, daemon mode) or to stderr (false, the default). */
SL_API void sl_log_use_syslog(bool on);

/**
 * Writes stderr lines as "level: message", without the time stamp (false:
 * the default, time-stamped lines): for reports such as `sluiced --check`.
 */
SL_API void sl_log_set_plain(bool on);

#ifdef __cplusplus
}
#endif
#endif /* SLUICE_LOG_H */
