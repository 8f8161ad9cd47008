/*
 * Sluice core — logging control (daemon side only).
 * SPDX-License-Identifier: MIT OR Apache-2.0
 */
#ifndef SL_CORE_LOGCTL_H
#define SL_CORE_LOGCTL_H

#include <stdbool.h>

/** Sets the most verbose level emitted (SL_LOG_*). */
void sl_log_set_level(int level);
/** Switches output from stderr to syslog (daemon mode) or back. */
void sl_log_use_syslog(bool on);
/**
 * Writes stderr lines as "level: message", without the time stamp: for
 * `sluiced --check`, whose output is a report rather than a log.
 */
void sl_log_set_plain(bool on);

#endif
