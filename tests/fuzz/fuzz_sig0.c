/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * libFuzzer target for SIG(0) (plugins/sig0-auth/sig0_wire.c, sig0_crypto.c,
 * sig0_guard.c): parses arbitrary bytes as a message, looks for its SIG(0),
 * checks the time window, then verifies it against the two test keys of the
 * seed corpus (tests/data/sig0: P-256 host1.example.com., Ed25519
 * host2.example.com.) and records it in a small replay cache. Nothing may
 * crash or leak; a SIG(0) that sig0_find() accepts must lie inside the
 * message with its signature at the end, and a signature that verifies
 * must be refused as a replay the second time.
 */
#include <stdlib.h>
#include <string.h>
#include "sig0.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const KEYS[2] = {
	"5Q70hwZtpBk57c60PuA6/LmdaI0EUHtOPtkqEOBXphOMl2o5+zuYzpENaTxiZjVmsomlJtREqzCS/DFekjXGsw==",
	"PGgpjL80TTgOnXhm1ToLujeKVBNoFKWKFCoCRA7CWV4=",
};
static const uint8_t ALGS[2] = { 13, 15 };
static uint8_t key_rdata[2][4 + 64];
static size_t key_len[2];
static sig0_replay_t replay;
static bool ready;
static uint8_t block[SL_MSG_MAXLEN + 4096];

static void check(bool ok)
{
	if (!ok)
		abort();
}

static void setup(void)
{
	for (int i = 0; i < 2; i++) {
		size_t n;
		key_rdata[i][0] = 0x02; /* flags 512: host key */
		key_rdata[i][1] = 0x00;
		key_rdata[i][2] = 3;
		key_rdata[i][3] = ALGS[i];
		check(sl_base64_decode(KEYS[i], strlen(KEYS[i]), key_rdata[i] + 4, 64, &n) ==
		      SL_OK);
		key_len[i] = 4 + n;
	}
	check(sig0_replay_init(&replay, 64) == SL_OK);
	ready = true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sl_msg_t msg;
	sig0_sig_t sig;
	sl_arena_t arena;

	if (!ready)
		setup();
	if (sl_msg_parse(data, size, &msg) != SL_OK)
		return 0;
	if (sig0_find(&msg, &sig) != SIG0_OK)
		return 0;
	check(sig.rr_pos >= SL_HEADER_LEN && sig.rr_pos < size);
	check(sig.rdata + sig.rdlen == data + size);
	check(sig.sig + sig.sig_len == data + size && sig.sigdata_len + sig.sig_len == sig.rdlen);
	(void)sig0_time_ok(&sig, sig.inception, 300);
	for (int i = 0; i < 2; i++) {
		if (!sig0_key_matches(key_rdata[i], key_len[i], false, sig.alg, sig.key_tag))
			continue;
		sl_arena_init(&arena, block, sizeof(block));
		if (sig0_verify(&msg, &sig, key_rdata[i], key_len[i], &arena, NULL) == SIG0_OK) {
			sig0_status_t first = sig0_replay_check(&replay, &sig, sig.inception,
								sig.expiration);
			if (first == SIG0_OK)
				check(sig0_replay_check(&replay, &sig, sig.inception,
							sig.expiration) == SIG0_E_REPLAY);
		}
	}
	return 0;
}
