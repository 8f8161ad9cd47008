/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * libFuzzer target for key-file parsing (plugins/dnssec-signer): BIND's
 * K*.private (bk_private_parse) and K*.key (bk_key_parse) files and K-file
 * names as sluice-keys reads them, and the signer's own files: its state
 * file (dk_state_parse) and its PEM keys (dk_read_key, then the DNSKEY of
 * each algorithm, as the loader does).
 *
 * Every parser sees the whole input. Nothing may crash or leak; a private
 * key that parses must survive bk_private_format() and parse back to the
 * same key; a public key record that parses must fit its buffer and hold a
 * key; a state that parses holds one or two keys.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>

#include "keystore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
	if (!ok)
		abort();
}

static void private_key(const char *text, size_t size)
{
	uint8_t alg, alg2;
	EVP_PKEY *pk, *again;
	int64_t created, created2;
	sl_error_t err;
	static char out[16384];

	if (bk_private_parse(text, size, &alg, &pk, &created, &err) != SL_OK) {
		check(pk == NULL && err.msg[0]);
		return;
	}
	check(pk != NULL);
	int n = bk_private_format(pk, alg, created, out, sizeof(out));

	check(n > 0);
	check(bk_private_parse(out, (size_t)n, &alg2, &again, &created2, &err) == SL_OK);
	check(alg2 == alg && EVP_PKEY_eq(pk, again) == 1);
	EVP_PKEY_free(again);
	EVP_PKEY_free(pk);
}

static void public_key(const char *text, size_t size)
{
	uint8_t owner[SL_NAME_MAXLEN], rdata[SK_DNSKEY_MAX];
	uint16_t type;
	size_t rdlen;
	sl_error_t err;

	if (bk_key_parse(text, size, owner, &type, rdata, sizeof(rdata), &rdlen, &err) == SL_OK)
		check((type == 25 || type == 48) && rdlen >= 5 && rdlen <= sizeof(rdata));
}

static void state_and_pem(const uint8_t *data, size_t size)
{
	keyset_t ks;
	sl_error_t err;
	char path[] = "/tmp/fuzz_keyfile.XXXXXX";
	int fd;

	if (dk_state_parse((const char *)data, size, "state", &ks, &err) == SL_OK)
		check(ks.n >= 1 && ks.n <= 2);
	/* The PEM loader reads a file (and checks its mode): give it one. */
	if ((fd = mkstemp(path)) < 0)
		return;
	if (write(fd, data, size) == (ssize_t)size) {
		skey_t k;

		memset(&k, 0, sizeof(k));
		if (dk_read_key(path, &k.pkey, &err) == SL_OK) {
			static const uint8_t algs[] = { 8, 13, 14, 15, 16 };

			for (size_t i = 0; i < sizeof(algs); i++) {
				k.alg = algs[i];
				k.role = SK_KSK;
				if (dk_key_init(&k, &err) == SL_OK)
					check(k.dnskey_len > 4 && k.dnskey[3] == k.alg);
			}
			EVP_PKEY_free(k.pkey);
		}
	}
	close(fd);
	unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	uint8_t owner[SL_NAME_MAXLEN], alg;
	uint16_t tag;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	private_key(text, size);
	public_key(text, size);
	if (size < 4096)
		(void)bk_name_parse(text, owner, &alg, &tag);
	state_and_pem(data, size);
	free(text);
	ERR_clear_error();
	return 0;
}
