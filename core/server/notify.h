/*
 * Sluice core — NOTIFY out (RFC 1996): tells each zone's secondaries (the
 * zone's "notify" list) about every new version, on the control loop.
 * SPDX-License-Identifier: MIT OR Apache-2.0
 */
#ifndef SL_CORE_NOTIFY_H
#define SL_CORE_NOTIFY_H

#include <ev.h>
#include "runtime.h"

/** Seconds between looks at the zones for new versions. */
#define SL_NOTIFY_POLL 0.25
/** Seconds before the first retry; each retry doubles it. */
#define SL_NOTIFY_RETRY 1.0
/** Sends per version and secondary before giving up (1 + 4 retries: ~15 s). */
#define SL_NOTIFY_ATTEMPTS 5

/** The NOTIFY sender of a server. */
typedef struct sl_notifier sl_notifier_t;

/**
 * Creates the sender on @p loop (the control loop) for @p rt's zones. A
 * zone's first version after start-up is announced too.
 * @return the sender, or NULL (ENOMEM, or no UDP socket: logged)
 */
sl_notifier_t *sl_notifier_new(struct ev_loop *loop, const sl_runtime_t *rt);

/**
 * Switches to a reloaded configuration. Secondaries that stay keep what
 * they were told (no NOTIFY for a reload that changed no zone); new ones
 * hear of the next version. Call before the old runtime is freed.
 * @return SL_OK or SL_ENOMEM (then the old list stays)
 */
int sl_notifier_set_runtime(sl_notifier_t *n, const sl_runtime_t *rt);

/** Stops and frees the sender. NULL is ignored. */
void sl_notifier_free(sl_notifier_t *n);

/**
 * Writes a NOTIFY for @p apex (SOA question, AA) with @p id into @p buf.
 * @return its length, or 0 when @p cap is too small
 */
size_t sl_notify_message(uint8_t *buf, size_t cap, const uint8_t *apex, uint16_t id);

/**
 * True when @p msg (@p len octets) answers the NOTIFY @p id for @p apex:
 * QR set, opcode NOTIFY, same ID and question. *@p rcode gets its rcode.
 */
bool sl_notify_is_answer(const uint8_t *msg, size_t len, uint16_t id, const uint8_t *apex,
			 uint16_t *rcode);

#endif /* SL_CORE_NOTIFY_H */
