/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * libFuzzer target for TSIG (core/query/tsig.c): parses arbitrary bytes as
 * a message, verifies its TSIG against two configured keys (one of them
 * the key of the seed corpus, test-key. hmac-sha256, and one with a
 * truncation minimum), then signs an answer the way sl_process() does —
 * header and question, room reserved with sl_tsig_size() — and a second,
 * chained message as a stream would. The verdict must be one of the RFC's
 * outcomes, the signed answer exactly the announced size, and it must
 * parse again with its TSIG last. Any disagreement aborts.
 */
#include <stdlib.h>
#include <string.h>

#include <sluice/msg.h>
#include "tsig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW 1700000000u

static sl_tsig_key_t keys[2];
static bool keys_ready;
static sl_msg_t msg, again;
static uint8_t out[SL_MSG_MAXLEN];

static void check(bool ok)
{
	if (!ok)
		abort();
}

static void setup(void)
{
	check(sl_tsig_key_init(&keys[0], "test-key.", "hmac-sha256",
			       "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", NULL) == SL_OK);
	check(sl_tsig_key_init(&keys[1], "trunc-key.", "hmac-sha512-256",
			       "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", NULL) == SL_OK);
	keys_ready = true;
}

/* Signs header + question of the message into out and checks the result. */
static void sign_answer(sl_tsig_ctx_t *ctx, uint64_t now)
{
	size_t qend = msg.section_pos[SL_SECTION_ANSWER];
	size_t room = sl_tsig_size(ctx);

	if (qend + room > SL_MSG_MAXLEN)
		return;
	memcpy(out, msg.wire, qend);
	out[2] |= 0x80;
	memset(out + 6, 0, 6); /* no answer, authority or additional records yet */
	int len = sl_tsig_sign(ctx, out, qend, sizeof(out), now);
	check(len == (int)(qend + room));
	check(sl_msg_parse(out, (size_t)len, &again) == SL_OK);
	check(again.tsig_pos == qend);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sl_tsig_ctx_t ctx;

	if (!keys_ready)
		setup();
	if (sl_msg_parse(data, size, &msg) != SL_OK || !msg.tsig_pos)
		return 0;
	uint16_t rcode = sl_tsig_verify(keys, 2, &msg, NOW, &ctx);
	check(ctx.present);
	switch (rcode) {
	case SL_RCODE_NOERROR:
		check(ctx.key && ctx.error == 0);
		break;
	case SL_RCODE_FORMERR:
		return 0; /* answered without TSIG */
	case SL_RCODE_NOTAUTH:
		check(ctx.error == SL_TSIG_BADKEY || ctx.error == SL_TSIG_BADSIG ||
		      ctx.error == SL_TSIG_BADTIME || ctx.error == SL_TSIG_BADTRUNC);
		/* Only BADTIME and BADTRUNC come from a verified MAC. */
		check(!ctx.key == (ctx.error == SL_TSIG_BADKEY || ctx.error == SL_TSIG_BADSIG));
		break;
	default:
		check(false);
	}
	sign_answer(&ctx, NOW);
	if (rcode == SL_RCODE_NOERROR)
		sign_answer(&ctx, NOW + 1); /* a later message of a stream */
	return 0;
}
