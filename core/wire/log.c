/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Logging to stderr (foreground) or syslog. Each line is formatted into a
 * local buffer and written with one write() so lines from different threads
 * never interleave.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <stdatomic.h>
#include <sluice/log.h>

static atomic_int log_level = SL_LOG_NOTICE;
static atomic_bool log_syslog = false;
static atomic_bool log_plain = false;

static const char *const level_names[] = {
	[SL_LOG_ERROR] = "error", [SL_LOG_WARNING] = "warning", [SL_LOG_NOTICE] = "notice",
	[SL_LOG_INFO] = "info", [SL_LOG_DEBUG] = "debug",
};

void sl_log_set_level(int level)
{
	atomic_store(&log_level, level);
}

void sl_log_set_plain(bool on)
{
	atomic_store(&log_plain, on);
}

void sl_log_use_syslog(bool on)
{
	if (on)
		openlog("sluiced", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	atomic_store(&log_syslog, on);
}

bool sl_log_enabled(int level)
{
	return level <= atomic_load_explicit(&log_level, memory_order_relaxed);
}

int sl_log_level_from_text(const char *text)
{
	for (int i = SL_LOG_ERROR; i <= SL_LOG_DEBUG; i++)
		if (strcasecmp(text, level_names[i]) == 0)
			return i;
	return SL_EINVAL;
}

void sl_vlog(int level, const char *fmt, va_list ap)
{
	char line[1024];
	int n = 0;

	if (!sl_log_enabled(level))
		return;
	if (level < SL_LOG_ERROR)
		level = SL_LOG_ERROR;
	if (level > SL_LOG_DEBUG)
		level = SL_LOG_DEBUG;
	if (atomic_load(&log_syslog)) {
		vsyslog(level, fmt, ap);
		return;
	}
	if (atomic_load(&log_plain)) {
		n = snprintf(line, sizeof(line), "%s: ", level_names[level]);
	} else {
		struct timespec ts;
		struct tm tm;
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		n = snprintf(line, sizeof(line), "%04d-%02d-%02dT%02d:%02d:%02dZ [%s] ",
			     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			     tm.tm_sec, level_names[level]);
	}
	if (n < 0)
		return;
	int m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	if (m < 0)
		return;
	size_t len = (size_t)n + (size_t)m;
	if (len > sizeof(line) - 2)
		len = sizeof(line) - 2;
	line[len++] = '\n';
	ssize_t w = write(STDERR_FILENO, line, len);
	(void)w;
}

void sl_log(int level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sl_vlog(level, fmt, ap);
	va_end(ap);
}
