/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Cost and replay guards: a bounded replay cache of verified signatures and
 * a per-worker budget of verifications per second (the CVE-2024-1975
 * lesson: SIG(0) verification must never be unbounded work).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "sig0.h"

#define WAYS 4

int sig0_replay_init(sig0_replay_t *rc, uint32_t entries)
{
	uint32_t sets = 1;

	while (sets * WAYS < entries && sets < (1u << 24))
		sets <<= 1;
	rc->slots = calloc((size_t)sets * WAYS, sizeof(*rc->slots));
	if (!rc->slots)
		return SL_ENOMEM;
	rc->nsets = sets;
	if (pthread_mutex_init(&rc->lock, NULL) != 0) {
		free(rc->slots);
		rc->slots = NULL;
		return SL_ENOMEM;
	}
	return SL_OK;
}

void sig0_replay_free(sig0_replay_t *rc)
{
	if (!rc->slots)
		return;
	pthread_mutex_destroy(&rc->lock);
	free(rc->slots);
	rc->slots = NULL;
}

/* The identity of a signature: its first bytes, with the tag and algorithm mixed in. */
static void replay_id(const sig0_sig_t *sig, uint8_t id[SIG0_REPLAY_ID])
{
	memset(id, 0, SIG0_REPLAY_ID);
	memcpy(id, sig->sig, sig->sig_len < SIG0_REPLAY_ID ? sig->sig_len : SIG0_REPLAY_ID);
	id[0] ^= (uint8_t)(sig->key_tag >> 8);
	id[1] ^= (uint8_t)sig->key_tag;
	id[2] ^= sig->alg;
}

/* Whether a slot is still live at @p now (serial arithmetic). */
static bool live(const sig0_seen_t *s, uint32_t now)
{
	return s->until && (int32_t)(s->until - now) >= 0;
}

sig0_status_t sig0_replay_check(sig0_replay_t *rc, const sig0_sig_t *sig, uint32_t now,
				uint32_t until)
{
	uint8_t id[SIG0_REPLAY_ID];
	uint32_t h = 2166136261u;
	sig0_status_t st = SIG0_E_RESOURCE;

	replay_id(sig, id);
	for (size_t i = 0; i < sizeof(id); i++)
		h = (h ^ id[i]) * 16777619u;
	if (!until)
		until = 1; /* 0 marks a free slot */
	pthread_mutex_lock(&rc->lock);
	sig0_seen_t *set = rc->slots + (size_t)(h & (rc->nsets - 1)) * WAYS, *free_slot = NULL;
	for (unsigned w = 0; w < WAYS; w++) {
		if (!live(&set[w], now)) {
			if (!free_slot)
				free_slot = &set[w];
			continue;
		}
		if (memcmp(set[w].id, id, sizeof(id)) == 0) {
			st = SIG0_E_REPLAY;
			goto out;
		}
	}
	if (free_slot) {
		memcpy(free_slot->id, id, sizeof(id));
		free_slot->until = until;
		st = SIG0_OK;
	}
out:
	pthread_mutex_unlock(&rc->lock);
	return st;
}

bool sig0_budget_take(sig0_budget_t *b, uint64_t now_us, uint32_t per_second, uint32_t burst)
{
	const uint64_t unit = 1000000; /* tokens per take */
	uint64_t cap = (uint64_t)burst * unit;
	uint64_t elapsed = now_us > b->last ? now_us - b->last : 0;

	if (elapsed > unit)
		elapsed = unit; /* a second refills any burst up to per_second; no overflow */
	b->last = now_us;
	/* per_second tokens per take refill per second = per_second per microsecond. */
	b->tokens += elapsed * per_second;
	if (b->tokens > cap)
		b->tokens = cap;
	if (b->tokens < unit)
		return false;
	b->tokens -= unit;
	return true;
}

uint64_t sig0_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}
