/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * The sig0-auth plugin. Fixtures are real: UPDATE messages BIND's nsupdate -k
 * signed with keys dnssec-keygen -T KEY made (ECDSA P-256 for
 * host1.example.com., Ed25519 for host2.example.com.), captured by
 * tests/data/sig0/make-fixtures.py. First the parts (plugins/sig0-auth/
 * sig0_*.c compiled in): finding the SIG(0), the time window, key tags,
 * verification, damaged messages, the replay cache and the budget; then the
 * real sig0-auth.so in the query pipeline (sl_process(), no sockets) in
 * front of authprobe (a test plugin answering UPDATE with req->auth and
 * req->auth_name) and zonefile: what is verified, what is refused, the
 * counters.
 */
#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "config.h"
#include "cookie.h"
#include "loader.h"
#include "process.h"
#include "sig0.h"
#include "testutil.h"
#include <sluice/zone.h>

#define HOST1_TAG 44579
#define HOST2_TAG 63283
#define BIG_FUDGE "1073741823"

typedef struct fixture {
	uint8_t wire[4096];
	size_t len;
} fixture_t;

static void load(const char *name, fixture_t *f)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", SIG0_DATA_DIR, name);
	FILE *fp = fopen(path, "rb");
	ck_assert_msg(fp != NULL, "cannot open %s", path);
	f->len = fread(f->wire, 1, sizeof(f->wire), fp);
	fclose(fp);
	ck_assert_uint_gt(f->len, SL_HEADER_LEN);
}

/* The KEY records of keys.zone: host1 (P-256) then host2 (Ed25519). */
typedef struct keyrec {
	uint8_t rdata[512];
	uint16_t rdlen;
	uint8_t alg;
} keyrec_t;

static keyrec_t keys[2];
static unsigned nkeys;

static int take_key(void *arg, const sl_zscan_record_t *rr)
{
	(void)arg;
	ck_assert_uint_eq(rr->type, SL_TYPE_KEY);
	ck_assert_uint_lt(nkeys, 2);
	memcpy(keys[nkeys].rdata, rr->rdata, rr->rdlen);
	keys[nkeys].rdlen = rr->rdlen;
	keys[nkeys].alg = rr->rdata[3];
	nkeys++;
	return 0;
}

static void load_keys(void)
{
	static const uint8_t root[1] = { 0 };
	sl_zscan_options_t opt;
	sl_error_t err;

	nkeys = 0;
	sl_zscan_options_init(&opt);
	opt.origin = root;
	ck_assert_int_eq(sl_zscan_parse_file(SIG0_DATA_DIR "/keys.zone", &opt, take_key, NULL,
					     &err), SL_OK);
	ck_assert_uint_eq(nkeys, 2);
}

static void parse_msg(const fixture_t *f, sl_msg_t *m)
{
	ck_assert_int_eq(sl_msg_parse(f->wire, f->len, m), SL_OK);
}

/* ---- the parts ------------------------------------------------------------------- */

START_TEST(test_key_tags)
{
	load_keys();
	/* The tags BIND put in the file names (RFC 4034 Appendix B). */
	ck_assert_uint_eq(sig0_key_tag(keys[0].rdata, keys[0].rdlen), HOST1_TAG);
	ck_assert_uint_eq(sig0_key_tag(keys[1].rdata, keys[1].rdlen), HOST2_TAG);
	ck_assert(sig0_key_matches(keys[0].rdata, keys[0].rdlen, false, 13, HOST1_TAG));
	ck_assert(!sig0_key_matches(keys[0].rdata, keys[0].rdlen, false, 15, HOST1_TAG));
	ck_assert(!sig0_key_matches(keys[0].rdata, keys[0].rdlen, false, 13, HOST1_TAG + 1));
	/* As a DNSKEY it lacks the ZONE flag. */
	ck_assert(!sig0_key_matches(keys[0].rdata, keys[0].rdlen, true, 13, HOST1_TAG));
	/* A KEY whose flags say "no authentication" may not sign. */
	uint8_t k[512];
	memcpy(k, keys[0].rdata, keys[0].rdlen);
	k[0] |= 0x80;
	ck_assert(!sig0_key_matches(k, keys[0].rdlen, false, 13, sig0_key_tag(k, keys[0].rdlen)));
}
END_TEST

START_TEST(test_find_fields)
{
	fixture_t f;
	sl_msg_t m;
	sig0_sig_t sig;
	uint8_t host1[SL_NAME_MAXLEN];
	size_t len;

	load("p256.bin", &f);
	parse_msg(&f, &m);
	ck_assert_uint_eq(SL_FLAGS_OPCODE(m.hdr.flags), SL_OPCODE_UPDATE);
	ck_assert_int_eq(sig0_find(&m, &sig), SIG0_OK);
	ck_assert_uint_eq(sig.alg, 13);
	ck_assert_uint_eq(sig.key_tag, HOST1_TAG);
	ck_assert_uint_eq(sig.sig_len, 64);
	ck_assert_uint_eq(sig.expiration - sig.inception, 600); /* BIND: now -+ 300 */
	ck_assert_int_eq(sl_name_from_text("host1.example.com.", 18, NULL, host1, &len), SL_OK);
	ck_assert(sl_name_equal(sig.signer, host1));
	ck_assert_uint_eq(sig.rr_pos + 11 + sig.rdlen, f.len);

	load("ed25519.bin", &f);
	parse_msg(&f, &m);
	ck_assert_int_eq(sig0_find(&m, &sig), SIG0_OK);
	ck_assert_uint_eq(sig.alg, 15);
	ck_assert_uint_eq(sig.key_tag, HOST2_TAG);
	ck_assert_uint_eq(sig.sig_len, 64);

	/* An unsigned query has none. */
	uint8_t q[512];
	size_t qlen = tu_query(q, sizeof(q), "host1.example.com.", SL_TYPE_A, NULL);
	ck_assert_int_eq(sl_msg_parse(q, qlen, &m), SL_OK);
	ck_assert_int_eq(sig0_find(&m, &sig), SIG0_NONE);
}
END_TEST

START_TEST(test_time_window)
{
	fixture_t f;
	sl_msg_t m;
	sig0_sig_t sig;

	load("p256.bin", &f);
	parse_msg(&f, &m);
	ck_assert_int_eq(sig0_find(&m, &sig), SIG0_OK);
	ck_assert(sig0_time_ok(&sig, sig.inception, 0));
	ck_assert(sig0_time_ok(&sig, sig.expiration, 0));
	ck_assert(!sig0_time_ok(&sig, sig.inception - 1, 0));
	ck_assert(!sig0_time_ok(&sig, sig.expiration + 1, 0));
	ck_assert(sig0_time_ok(&sig, sig.inception - 300, 300));
	ck_assert(!sig0_time_ok(&sig, sig.inception - 301, 300));
	ck_assert(sig0_time_ok(&sig, sig.expiration + 300, 300));
	ck_assert(!sig0_time_ok(&sig, sig.expiration + 301, 300));
	/* A day later, a year earlier: refused; serial arithmetic across 2^32 works. */
	ck_assert(!sig0_time_ok(&sig, sig.expiration + 86400, 300));
	ck_assert(!sig0_time_ok(&sig, sig.inception - 365 * 86400u, 300));
	sig0_sig_t wrap = sig;
	wrap.inception = 0xFFFFFF00u;
	wrap.expiration = 0x100u;
	ck_assert(sig0_time_ok(&wrap, 0, 0));
	ck_assert(sig0_time_ok(&wrap, 0xFFFFFFF0u, 0));
	ck_assert(!sig0_time_ok(&wrap, 0x200u, 0));
	/* Expiration before inception never passes. */
	wrap.inception = 1000;
	wrap.expiration = 900;
	ck_assert(!sig0_time_ok(&wrap, 950, 300));
}
END_TEST

static sig0_keycache_t *cache; /* NULL, or the cache test_verify_cached uses */

static sig0_status_t verify_fixture(const fixture_t *f, const keyrec_t *k)
{
	static uint8_t block[65536 + 1024];
	sl_arena_t arena;
	sl_msg_t m;
	sig0_sig_t sig;

	sl_arena_init(&arena, block, sizeof(block));
	if (sl_msg_parse(f->wire, f->len, &m) != SL_OK)
		return SIG0_E_FORMAT;
	sig0_status_t st = sig0_find(&m, &sig);
	if (st != SIG0_OK)
		return st;
	return sig0_verify(&m, &sig, k->rdata, k->rdlen, &arena, cache);
}

START_TEST(test_verify_real)
{
	fixture_t f;

	load_keys();
	load("p256.bin", &f);
	ck_assert_int_eq(verify_fixture(&f, &keys[0]), SIG0_OK);
	load("p256-2.bin", &f);
	ck_assert_int_eq(verify_fixture(&f, &keys[0]), SIG0_OK);
	load("ed25519.bin", &f);
	ck_assert_int_eq(verify_fixture(&f, &keys[1]), SIG0_OK);
	/* The other key does not verify (and an Ed25519 key is no P-256 key). */
	load("p256.bin", &f);
	ck_assert_int_eq(verify_fixture(&f, &keys[1]), SIG0_E_BADSIG);
}
END_TEST

/* Reads the KEY record of a BIND K*.key file of tests/data/sig0. */
static void load_key_file(const char *file, keyrec_t *k)
{
	static const uint8_t root[1] = { 0 };
	sl_zscan_options_t opt;
	sl_error_t err;
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", SIG0_DATA_DIR, file);
	nkeys = 0;
	sl_zscan_options_init(&opt);
	opt.origin = root;
	ck_assert_int_eq(sl_zscan_parse_file(path, &opt, take_key, NULL, &err), SL_OK);
	ck_assert_uint_eq(nkeys, 1);
	*k = keys[0];
}

/* RSASHA256, ECDSAP384SHA384 and ED448 messages from nsupdate; RSA below 2048 bits refused. */
START_TEST(test_verify_other_algorithms)
{
	static const struct {
		const char *msg, *key;
		uint8_t alg;
		sig0_status_t want;
	} cases[] = {
		{ "rsa2048.bin", "Krsa2048.example.com.+008+55571.key", 8, SIG0_OK },
		{ "p384.bin", "Kp384.example.com.+014+65386.key", 14, SIG0_OK },
		{ "ed448.bin", "Ked448.example.com.+016+20999.key", 16, SIG0_OK },
		{ "rsa1024.bin", "Krsa1024.example.com.+008+61724.key", 8, SIG0_E_BADSIG },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fixture_t f;
		keyrec_t k;
		sl_msg_t m;
		sig0_sig_t sig;
		load(cases[i].msg, &f);
		load_key_file(cases[i].key, &k);
		parse_msg(&f, &m);
		ck_assert_int_eq(sig0_find(&m, &sig), SIG0_OK);
		ck_assert_uint_eq(sig.alg, cases[i].alg);
		ck_assert_uint_eq(sig.key_tag, sig0_key_tag(k.rdata, k.rdlen));
		ck_assert(sig0_alg_supported(sig.alg));
		ck_assert_msg(verify_fixture(&f, &k) == cases[i].want, "%s", cases[i].msg);
		if (cases[i].want == SIG0_OK) {
			f.wire[f.len - 1] ^= 1;
			ck_assert_int_eq(verify_fixture(&f, &k), SIG0_E_BADSIG);
		}
	}
}
END_TEST

/* With the key cache: the same outcomes, the second time from the cache. */
START_TEST(test_verify_cached)
{
	static sig0_keycache_t kc;
	fixture_t f;

	load_keys();
	cache = &kc;
	for (int round = 0; round < 3; round++) {
		load("p256.bin", &f);
		ck_assert_int_eq(verify_fixture(&f, &keys[0]), SIG0_OK);
		ck_assert_int_eq(verify_fixture(&f, &keys[1]), SIG0_E_BADSIG);
		load("ed25519.bin", &f);
		ck_assert_int_eq(verify_fixture(&f, &keys[1]), SIG0_OK);
		f.wire[f.len - 1] ^= 1;
		ck_assert_int_eq(verify_fixture(&f, &keys[1]), SIG0_E_BADSIG);
	}
	ck_assert_uint_eq(kc.slot[0].len, keys[0].rdlen);
	ck_assert_uint_eq(kc.slot[1].len, keys[1].rdlen);
	ck_assert_uint_eq(kc.slot[2].len, 0); /* the P-256 key as Ed25519 does not import */
	/* More keys than slots: the oldest are replaced, nothing leaks. */
	uint8_t fake[68];
	memcpy(fake, keys[1].rdata, keys[1].rdlen);
	for (int i = 0; i < 2 * SIG0_KEYCACHE_SIZE; i++) {
		fake[10] = (uint8_t)i;
		load("ed25519.bin", &f);
		keyrec_t k = keys[1];
		memcpy(k.rdata, fake, keys[1].rdlen);
		(void)verify_fixture(&f, &k);
	}
	load("ed25519.bin", &f);
	ck_assert_int_eq(verify_fixture(&f, &keys[1]), SIG0_OK);
	sig0_keycache_clear(&kc);
	cache = NULL;
}
END_TEST

/* Every byte of the signed part and of the signature matters. */
START_TEST(test_verify_every_byte)
{
	fixture_t f, g;
	sl_msg_t m;
	sig0_sig_t sig;
	const char *names[2] = { "p256.bin", "ed25519.bin" };

	load_keys();
	for (int n = 0; n < 2; n++) {
		load(names[n], &f);
		parse_msg(&f, &m);
		ck_assert_int_eq(sig0_find(&m, &sig), SIG0_OK);
		size_t sigrr_rdata = sig.rr_pos + 11;
		for (size_t i = 0; i < f.len; i++) {
			/* The SIG RR's own header is not signed: skip it. */
			if (i >= sig.rr_pos && i < sigrr_rdata)
				continue;
			g = f;
			g.wire[i] ^= 0x01;
			sig0_status_t st = verify_fixture(&g, &keys[n]);
			ck_assert_msg(st != SIG0_OK, "%s: flipping byte %zu still verifies",
				      names[n], i);
		}
	}
}
END_TEST

/* Hostile variants: misplaced, doubled, truncated, compressed signer; never a crash. */
START_TEST(test_malformed)
{
	fixture_t f, g;
	sl_msg_t m;
	sig0_sig_t sig;

	load("p256.bin", &f);
	parse_msg(&f, &m);
	ck_assert_int_eq(sig0_find(&m, &sig), SIG0_OK);

	/* An OPT after the SIG: SIG(0) no longer last. */
	static const uint8_t opt[11] = { 0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0 };
	g = f;
	memcpy(g.wire + g.len, opt, sizeof(opt));
	g.len += sizeof(opt);
	g.wire[11]++;
	parse_msg(&g, &m);
	ck_assert_int_eq(sig0_find(&m, &sig), SIG0_E_FORMAT);

	/* Two SIG(0)s. */
	g = f;
	parse_msg(&f, &m);
	ck_assert_int_eq(sig0_find(&m, &sig), SIG0_OK);
	size_t rrlen = f.len - sig.rr_pos;
	memcpy(g.wire + g.len, f.wire + sig.rr_pos, rrlen);
	g.len += rrlen;
	g.wire[11]++;
	parse_msg(&g, &m);
	ck_assert_int_eq(sig0_find(&m, &sig), SIG0_E_FORMAT);

	/* Type covered not 0, class not ANY, TTL not 0. */
	parse_msg(&f, &m);
	ck_assert_int_eq(sig0_find(&m, &sig), SIG0_OK);
	size_t rd = sig.rr_pos + 11, hdr = sig.rr_pos;
	g = f;
	g.wire[rd + 1] = 1;
	parse_msg(&g, &m);
	ck_assert_int_eq(sig0_find(&m, &sig), SIG0_E_FORMAT);
	g = f;
	g.wire[hdr + 4] = 1; /* class IN */
	parse_msg(&g, &m);
	ck_assert_int_eq(sig0_find(&m, &sig), SIG0_E_FORMAT);
	g = f;
	g.wire[hdr + 8] = 1; /* TTL */
	parse_msg(&g, &m);
	ck_assert_int_eq(sig0_find(&m, &sig), SIG0_E_FORMAT);

	/* A signer name with a compression pointer. */
	g = f;
	g.wire[rd + 18] = 0xC0;
	if (sl_msg_parse(g.wire, g.len, &m) == SL_OK)
		ck_assert_int_eq(sig0_find(&m, &sig), SIG0_E_FORMAT);

	/* Every truncation of the SIG RDATA (RDLENGTH adjusted): an error or a failed check. */
	load_keys();
	for (uint16_t cut = 0; cut < rrlen - 11; cut++) {
		g = f;
		uint16_t rdlen = (uint16_t)(rrlen - 11 - cut - 1);
		g.wire[hdr + 9] = (uint8_t)(rdlen >> 8);
		g.wire[hdr + 10] = (uint8_t)rdlen;
		g.len = rd + rdlen;
		ck_assert_int_ne(verify_fixture(&g, &keys[0]), SIG0_OK);
	}

	/* Random damage anywhere: parse, find, verify must never crash. */
	srand(2931);
	for (int i = 0; i < 20000; i++) {
		g = f;
		for (int k = 1 + rand() % 4; k > 0; k--)
			g.wire[(size_t)rand() % g.len] = (uint8_t)rand();
		if (memcmp(g.wire, f.wire, f.len) == 0)
			continue;
		ck_assert_int_ne(verify_fixture(&g, &keys[0]), SIG0_OK);
	}
}
END_TEST

START_TEST(test_replay_cache)
{
	sig0_replay_t rc;
	fixture_t f, f2;
	sl_msg_t m;
	sig0_sig_t a, b;

	load("p256.bin", &f);
	parse_msg(&f, &m);
	ck_assert_int_eq(sig0_find(&m, &a), SIG0_OK);
	load("p256-2.bin", &f2);
	parse_msg(&f2, &m);
	ck_assert_int_eq(sig0_find(&m, &b), SIG0_OK);

	ck_assert_int_eq(sig0_replay_init(&rc, 64), SL_OK);
	ck_assert_int_eq(sig0_replay_check(&rc, &a, 1000, 1600), SIG0_OK);
	ck_assert_int_eq(sig0_replay_check(&rc, &a, 1001, 1600), SIG0_E_REPLAY);
	ck_assert_int_eq(sig0_replay_check(&rc, &b, 1001, 1600), SIG0_OK);
	ck_assert_int_eq(sig0_replay_check(&rc, &a, 1600, 1600), SIG0_E_REPLAY);
	/* Once it can no longer pass the time check it is forgotten. */
	ck_assert_int_eq(sig0_replay_check(&rc, &a, 1601, 2200), SIG0_OK);
	sig0_replay_free(&rc);

	/* A full set refuses new signatures rather than forgetting live ones. */
	ck_assert_int_eq(sig0_replay_init(&rc, 4), SL_OK);
	ck_assert_uint_eq(rc.nsets, 1);
	sig0_sig_t s = a;
	uint8_t bytes[64];
	s.sig = bytes;
	s.sig_len = sizeof(bytes);
	for (int i = 0; i < 4; i++) {
		memset(bytes, i + 1, sizeof(bytes));
		ck_assert_int_eq(sig0_replay_check(&rc, &s, 1000, 2000), SIG0_OK);
	}
	memset(bytes, 9, sizeof(bytes));
	ck_assert_int_eq(sig0_replay_check(&rc, &s, 1000, 2000), SIG0_E_RESOURCE);
	ck_assert_int_eq(sig0_replay_check(&rc, &s, 2001, 3000), SIG0_OK);
	sig0_replay_free(&rc);
}
END_TEST

START_TEST(test_budget)
{
	sig0_budget_t b = { 0 };
	const uint64_t t = 5000000; /* 5 s, in microseconds */

	/* 1000 a second: a zeroed bucket starts full with 20 ms of it, 20 takes. */
	for (int i = 0; i < 20; i++)
		ck_assert(sig0_budget_take(&b, t, 1000, SIG0_BUDGET_BURST(1000)));
	ck_assert(!sig0_budget_take(&b, t, 1000, SIG0_BUDGET_BURST(1000)));
	/* Then one per millisecond, not a new burst each second. */
	ck_assert(!sig0_budget_take(&b, t + 999, 1000, SIG0_BUDGET_BURST(1000)));
	ck_assert(sig0_budget_take(&b, t + 1000, 1000, SIG0_BUDGET_BURST(1000)));
	ck_assert(!sig0_budget_take(&b, t + 1000, 1000, SIG0_BUDGET_BURST(1000)));
	/* A long pause refills no more than the burst. */
	int n = 0;
	while (sig0_budget_take(&b, t + 10000000, 1000, SIG0_BUDGET_BURST(1000)))
		n++;
	ck_assert_int_eq(n, 20);
	/* Over any second: at most the rate plus the burst. */
	n = 0;
	for (uint64_t us = 0; us < 1000000; us += 100)
		n += sig0_budget_take(&b, t + 20000000 + us, 1000, SIG0_BUDGET_BURST(1000));
	ck_assert_int_ge(n, 1000);
	ck_assert_int_le(n, 1020);
	/* Below 50 a second the burst is one. */
	sig0_budget_t c = { 0 };
	ck_assert(sig0_budget_take(&c, t, 3, SIG0_BUDGET_BURST(3)));
	ck_assert(!sig0_budget_take(&c, t, 3, SIG0_BUDGET_BURST(3)));
	ck_assert(!sig0_budget_take(&c, t + 333332, 3, SIG0_BUDGET_BURST(3)));
	ck_assert(sig0_budget_take(&c, t + 333334, 3, SIG0_BUDGET_BURST(3)));
	/* 0: nothing, ever; the clock going back takes nothing either. */
	sig0_budget_t z = { 0 };
	ck_assert(!sig0_budget_take(&z, t, 0, SIG0_BUDGET_BURST(0)));
	ck_assert(!sig0_budget_take(&c, t, 3, SIG0_BUDGET_BURST(3)));
	/* The largest rate allowed does not overflow. */
	sig0_budget_t m = { 0 };
	ck_assert(sig0_budget_take(&m, UINT64_C(1) << 40, 1000000, SIG0_BUDGET_BURST(1000000)));
	/* The log lines' bucket: 10 a second, 10 at once. */
	sig0_budget_t l = { 0 };
	for (int i = 0; i < 10; i++)
		ck_assert(sig0_budget_take(&l, t, 10, 10));
	ck_assert(!sig0_budget_take(&l, t, 10, 10));
	ck_assert(sig0_budget_take(&l, t + 100000, 10, 10));
	ck_assert_uint_eq(sizeof(b), 64);
	ck_assert_uint_gt(sig0_now_us(), 0);
}
END_TEST

/* ---- the plugin in the pipeline ---------------------------------------------------- */

static sl_runtime_t *rt;
static uint8_t arena_block[65536];
static sl_arena_t arena;
static uint8_t out[65535];
static struct sockaddr_in client;
static sl_cookie_mac_t cookie_mac;
static char zone_path[64];

/* Counter ids in registration order (sig0_auth.c). */
enum { VERIFIED, FAILED, OVER_BUDGET, REPLAY, TOO_MANY_KEYS };

static const char ZONE[] =
	"$ORIGIN example.com.\n$TTL 3600\n"
	"@ SOA ns hostmaster 1 7200 3600 1209600 300\n@ NS ns\nns A 192.0.2.1\n"
	"www A 192.0.2.10\n";

/* KEY text for keys[i] with two of its key octets moved so the tag stays the same. */
static void key_text(unsigned i, int tweak, char *buf, size_t size)
{
	uint8_t rd[512];
	char b64[700];

	memcpy(rd, keys[i].rdata, keys[i].rdlen);
	if (tweak) {
		/* +1 on one octet, -1 on the next of the same parity: same checksum, other key. */
		size_t a = 4 + 2 * (size_t)tweak;
		while (a + 2 < keys[i].rdlen && (rd[a] == 255 || rd[a + 2] == 0))
			a += 2;
		ck_assert_uint_lt(a + 2, keys[i].rdlen);
		rd[a]++;
		rd[a + 2]--;
		ck_assert_uint_eq(sig0_key_tag(rd, keys[i].rdlen),
				  sig0_key_tag(keys[i].rdata, keys[i].rdlen));
	}
	int n = sl_base64_encode(rd + 4, keys[i].rdlen - 4u, b64, sizeof(b64) - 1);
	ck_assert_int_gt(n, 0);
	b64[n] = 0;
	snprintf(buf, size, "KEY %u %u %u %s", (unsigned)(rd[0] << 8 | rd[1]), rd[2], rd[3], b64);
}

static void start(const char *zone_extra, const char *options)
{
	char json[4096];
	sl_errlist_t el = { .count = 0 };

	load_keys();
	snprintf(zone_path, sizeof(zone_path), "/tmp/sluice-sig0-XXXXXX");
	int fd = mkstemp(zone_path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, ZONE, strlen(ZONE)), (ssize_t)strlen(ZONE));
	ck_assert_int_eq(write(fd, zone_extra, strlen(zone_extra)), (ssize_t)strlen(zone_extra));
	close(fd);
	snprintf(json, sizeof(json),
		 "{\"server\": {\"listen\": [\"127.0.0.1:5353\"], \"workers\": 1,"
		 " \"plugin_path\": [\"@PLUGINS@\", \"@BUILT_PLUGINS@\"]},"
		 "\"zones\": [{\"name\": \"example.com.\", \"plugins\": ["
		 "{\"plugin\": \"sig0-auth\"%s%s}, {\"plugin\": \"authprobe\"},"
		 " {\"plugin\": \"zonefile\", \"file\": \"%s\"}]}]}",
		 *options ? ", " : "", options, zone_path);
	const char *path = tu_write_config(json);
	rt = sl_runtime_load(path, false, 0, &el);
	unlink(path);
	fputs(tu_errlist_text(&el), stderr);
	ck_assert_ptr_nonnull(rt);
	ck_assert_int_eq(sl_runtime_start(rt, NULL, &el), SL_OK);
	sl_errlist_free(&el);
	ck_assert_int_eq(sl_cookie_mac_init(&cookie_mac), SL_OK);
	sl_arena_init(&arena, arena_block, sizeof(arena_block));
	client.sin_family = AF_INET;
	client.sin_addr.s_addr = htonl(0x7f000001);
	client.sin_port = htons(40000);
	for (int i = 0; i < 500 && !sl_zone_current(rt->zones[0].zone); i++)
		usleep(10000);
	ck_assert_ptr_nonnull(sl_zone_current(rt->zones[0].zone));
}

/* The zone with both real KEYs (the usual setup). */
static void start_keys(const char *options)
{
	char k1[1024], k2[1024], extra[2200];
	load_keys();
	key_text(0, 0, k1, sizeof(k1));
	key_text(1, 0, k2, sizeof(k2));
	snprintf(extra, sizeof(extra), "host1 %s\nhost2 %s\n", k1, k2);
	start(extra, options);
}

static void stop(void)
{
	sl_runtime_free(rt);
	rt = NULL;
	sl_cookie_mac_free(&cookie_mac);
	unlink(zone_path);
}

static uint64_t counter(int id)
{
	return sl_stats_get(rt->zones[0].chain.inst[0], id);
}

static size_t send_wire(const uint8_t *wire, size_t len)
{
	sl_query_in_t in = {
		.transport = SL_TRANSPORT_UDP, .wire = wire, .len = len,
		.remote = (struct sockaddr *)&client, .remote_len = sizeof(client),
		.local = (struct sockaddr *)&client, .local_len = sizeof(client),
		.now = (uint32_t)time(NULL), .cookie_mac = &cookie_mac,
	};
	sl_arena_reset(&arena);
	return sl_process(rt, &in, &arena, out, sizeof(out));
}

/* Sends fixture @p name (damaged at @p flip when >= 0); returns the rcode, TXT in @p txt. */
static unsigned send_fixture(const char *name, long flip, char *txt, size_t txtsize)
{
	fixture_t f;
	sl_msg_t m;
	sl_rr_t rr;

	load(name, &f);
	if (flip >= 0)
		f.wire[flip < 0 ? 0 : (size_t)flip % f.len] ^= 0x01;
	size_t len = send_wire(f.wire, f.len);
	ck_assert_uint_ge(len, SL_HEADER_LEN);
	ck_assert_int_eq(sl_msg_parse(out, len, &m), SL_OK);
	if (txt) {
		txt[0] = 0;
		if (m.hdr.ancount) {
			size_t pos = m.section_pos[SL_SECTION_ANSWER];
			ck_assert_int_eq(sl_msg_rr_next(out, len, &pos, &rr), SL_OK);
			ck_assert_uint_eq(rr.type, SL_TYPE_TXT);
			size_t n = out[rr.rdata_pos];
			if (n >= txtsize)
				n = txtsize - 1;
			memcpy(txt, out + rr.rdata_pos + 1, n);
			txt[n] = 0;
		}
	}
	return SL_FLAGS_RCODE(m.hdr.flags);
}

START_TEST(test_pipeline_valid)
{
	char txt[300];

	start_keys("\"fudge\": " BIG_FUDGE);
	ck_assert_uint_eq(send_fixture("p256.bin", -1, txt, sizeof(txt)), SL_RCODE_NOERROR);
	ck_assert_str_eq(txt, "auth=2 host1.example.com.");
	ck_assert_uint_eq(send_fixture("ed25519.bin", -1, txt, sizeof(txt)), SL_RCODE_NOERROR);
	ck_assert_str_eq(txt, "auth=2 host2.example.com.");
	ck_assert_uint_eq(counter(VERIFIED), 2);
	ck_assert_uint_eq(counter(FAILED), 0);

	/* An unsigned UPDATE passes untouched: the next plugin sees no auth. */
	uint8_t q[512];
	fixture_t f;
	load("p256.bin", &f);
	sl_msg_t m;
	parse_msg(&f, &m);
	sig0_sig_t sig;
	ck_assert_int_eq(sig0_find(&m, &sig), SIG0_OK);
	memcpy(q, f.wire, sig.rr_pos);
	q[11]--;
	size_t len = send_wire(q, sig.rr_pos);
	ck_assert_int_eq(sl_msg_parse(out, len, &m), SL_OK);
	ck_assert_uint_eq(SL_FLAGS_RCODE(m.hdr.flags), SL_RCODE_NOERROR);
	ck_assert_uint_eq(m.hdr.ancount, 1);

	/* Ordinary queries are answered as before. */
	len = send_wire(q, tu_query(q, sizeof(q), "www.example.com.", SL_TYPE_A, NULL));
	ck_assert_int_eq(sl_msg_parse(out, len, &m), SL_OK);
	ck_assert_uint_eq(SL_FLAGS_RCODE(m.hdr.flags), SL_RCODE_NOERROR);
	ck_assert_uint_eq(m.hdr.ancount, 1);
	ck_assert_uint_eq(counter(VERIFIED) + counter(FAILED), 2);
	stop();
}
END_TEST

START_TEST(test_pipeline_corrupted)
{
	fixture_t f;
	sl_msg_t m;
	sig0_sig_t sig;

	start_keys("\"fudge\": " BIG_FUDGE);
	load("p256.bin", &f);
	parse_msg(&f, &m);
	ck_assert_int_eq(sig0_find(&m, &sig), SIG0_OK);
	/* A signature byte, a signed byte of the update section. */
	ck_assert_uint_eq(send_fixture("p256.bin", (long)f.len - 5, NULL, 0), SL_RCODE_REFUSED);
	ck_assert_uint_eq(send_fixture("p256.bin", (long)sig.rr_pos - 3, NULL, 0),
			  SL_RCODE_REFUSED);
	ck_assert_uint_eq(send_fixture("ed25519.bin", 120, NULL, 0), SL_RCODE_REFUSED);
	ck_assert_uint_eq(counter(FAILED), 3);
	ck_assert_uint_eq(counter(VERIFIED), 0);
	/* The genuine message still verifies afterwards (nothing was cached for it). */
	ck_assert_uint_eq(send_fixture("p256.bin", -1, NULL, 0), SL_RCODE_NOERROR);
	ck_assert_uint_eq(counter(VERIFIED), 1);
	stop();
}
END_TEST

START_TEST(test_pipeline_replay)
{
	start_keys("\"fudge\": " BIG_FUDGE);
	ck_assert_uint_eq(send_fixture("p256.bin", -1, NULL, 0), SL_RCODE_NOERROR);
	ck_assert_uint_eq(send_fixture("p256.bin", -1, NULL, 0), SL_RCODE_REFUSED);
	ck_assert_uint_eq(send_fixture("p256-2.bin", -1, NULL, 0), SL_RCODE_NOERROR);
	ck_assert_uint_eq(send_fixture("p256-2.bin", -1, NULL, 0), SL_RCODE_REFUSED);
	ck_assert_uint_eq(counter(VERIFIED), 2);
	ck_assert_uint_eq(counter(REPLAY), 2);
	stop();
}
END_TEST

/* The fixtures were signed long ago (10 minutes of validity): with the default fudge they are expired. */
START_TEST(test_pipeline_expired)
{
	start_keys("");
	ck_assert_uint_eq(send_fixture("p256.bin", -1, NULL, 0), SL_RCODE_REFUSED);
	ck_assert_uint_eq(send_fixture("ed25519.bin", -1, NULL, 0), SL_RCODE_REFUSED);
	ck_assert_uint_eq(counter(FAILED), 2);
	ck_assert_uint_eq(counter(VERIFIED), 0);
	stop();
}
END_TEST

START_TEST(test_pipeline_unknown_key)
{
	char k1[1024], extra[1100];

	/* host2's KEY is not in the zone. */
	load_keys();
	key_text(0, 0, k1, sizeof(k1));
	snprintf(extra, sizeof(extra), "host1 %s\n", k1);
	start(extra, "\"fudge\": " BIG_FUDGE);
	ck_assert_uint_eq(send_fixture("ed25519.bin", -1, NULL, 0), SL_RCODE_REFUSED);
	/* Nor is a KEY at another name any use for it. */
	ck_assert_uint_eq(counter(FAILED), 1);
	ck_assert_uint_eq(send_fixture("p256.bin", -1, NULL, 0), SL_RCODE_NOERROR);
	stop();
}
END_TEST

START_TEST(test_pipeline_wrong_key)
{
	char k1[1024], k2[1024], extra[2200];

	/* host2 has a different key with the same tag and algorithm; host1 has host2's key. */
	load_keys();
	key_text(1, 1, k2, sizeof(k2));
	key_text(1, 0, k1, sizeof(k1));
	snprintf(extra, sizeof(extra), "host2 %s\nhost1 %s\n", k2, k1);
	start(extra, "\"fudge\": " BIG_FUDGE);
	ck_assert_uint_eq(send_fixture("ed25519.bin", -1, NULL, 0), SL_RCODE_REFUSED);
	ck_assert_uint_eq(send_fixture("p256.bin", -1, NULL, 0), SL_RCODE_REFUSED);
	ck_assert_uint_eq(counter(FAILED), 2);
	ck_assert_uint_eq(counter(VERIFIED), 0);
	stop();
}
END_TEST

/*
 * Each test starts one runtime: the zone store is process-wide, so a second
 * runtime in the same process could see the first one's zone version.
 */
static void candidate_keys(unsigned count, char *extra, size_t size)
{
	char k[3][1024];

	load_keys();
	key_text(1, 1, k[0], sizeof(k[0]));
	key_text(1, 0, k[1], sizeof(k[1]));
	key_text(1, 2, k[2], sizeof(k[2]));
	snprintf(extra, size, "host2 %s\nhost2 %s\n%s%s%s", k[0], k[1], count > 2 ? "host2 " : "",
		 count > 2 ? k[2] : "", count > 2 ? "\n" : "");
}

/* Two keys with host2's tag: both may be tried (the default cap is 2). */
START_TEST(test_pipeline_two_candidates)
{
	char extra[4000];

	candidate_keys(2, extra, sizeof(extra));
	start(extra, "\"fudge\": " BIG_FUDGE);
	ck_assert_uint_eq(send_fixture("ed25519.bin", -1, NULL, 0), SL_RCODE_NOERROR);
	ck_assert_uint_eq(counter(VERIFIED), 1);
	stop();
}
END_TEST

/* Three: refused without any verification (a budget of 1 a second proves it). */
START_TEST(test_pipeline_too_many_candidates)
{
	char extra[4000];

	candidate_keys(3, extra, sizeof(extra));
	start(extra, "\"fudge\": " BIG_FUDGE ", \"max_verifications_per_second\": 1");
	ck_assert_uint_eq(send_fixture("ed25519.bin", -1, NULL, 0), SL_RCODE_REFUSED);
	ck_assert_uint_eq(send_fixture("ed25519.bin", -1, NULL, 0), SL_RCODE_REFUSED);
	ck_assert_uint_eq(counter(TOO_MANY_KEYS), 2);
	ck_assert_uint_eq(counter(VERIFIED) + counter(FAILED) + counter(OVER_BUDGET), 0);
	stop();
}
END_TEST

/* ... unless the operator allows three. */
START_TEST(test_pipeline_three_candidates_allowed)
{
	char extra[4000];

	candidate_keys(3, extra, sizeof(extra));
	start(extra, "\"fudge\": " BIG_FUDGE ", \"max_candidate_keys\": 3");
	ck_assert_uint_eq(send_fixture("ed25519.bin", -1, NULL, 0), SL_RCODE_NOERROR);
	ck_assert_uint_eq(counter(TOO_MANY_KEYS), 0);
	ck_assert_uint_eq(counter(VERIFIED), 1);
	stop();
}
END_TEST

/* A budget of 0: every SIG(0) refused unverified and counted. */
START_TEST(test_pipeline_budget_zero)
{
	start_keys("\"fudge\": " BIG_FUDGE ", \"max_verifications_per_second\": 0");
	ck_assert_uint_eq(send_fixture("p256.bin", -1, NULL, 0), SL_RCODE_REFUSED);
	ck_assert_uint_eq(send_fixture("ed25519.bin", -1, NULL, 0), SL_RCODE_REFUSED);
	ck_assert_uint_eq(counter(OVER_BUDGET), 2);
	ck_assert_uint_eq(counter(VERIFIED) + counter(FAILED), 0);
	stop();
}
END_TEST

/* A budget of 1 a second: of three messages sent at once at least one is over it. */
START_TEST(test_pipeline_budget_one)
{
	start_keys("\"fudge\": " BIG_FUDGE ", \"max_verifications_per_second\": 1");
	send_fixture("p256.bin", -1, NULL, 0);
	send_fixture("p256-2.bin", -1, NULL, 0);
	send_fixture("ed25519.bin", -1, NULL, 0);
	ck_assert_uint_ge(counter(OVER_BUDGET), 1);
	ck_assert_uint_le(counter(VERIFIED), 2);
	ck_assert_uint_eq(counter(VERIFIED) + counter(OVER_BUDGET), 3);
	stop();
}
END_TEST

START_TEST(test_pipeline_key_files)
{
	char txt[300];

	/* No KEY in the zone: the keys come from BIND's K*.key files. */
	start("", "\"fudge\": " BIG_FUDGE ", \"keys\": [\"" SIG0_DATA_DIR
		  "/Khost1.example.com.+013+44579.key\", \"" SIG0_DATA_DIR
		  "/Khost2.example.com.+015+63283.key\"]");
	ck_assert_uint_eq(send_fixture("p256.bin", -1, txt, sizeof(txt)), SL_RCODE_NOERROR);
	ck_assert_str_eq(txt, "auth=2 host1.example.com.");
	ck_assert_uint_eq(send_fixture("ed25519.bin", -1, txt, sizeof(txt)), SL_RCODE_NOERROR);
	ck_assert_str_eq(txt, "auth=2 host2.example.com.");
	stop();
}
END_TEST

/* The apex key (Kexample.com.+015+30483, a ZONE key) published as the zone's DNSKEY. */
static const char APEX_DNSKEY[] =
	"@ DNSKEY 256 3 15 FVanjyvhV4I9TfiL10wNSZgK08sBtTxHkYhiztHwqDE=\n";

START_TEST(test_pipeline_zone_key)
{
	char txt[300];

	start(APEX_DNSKEY, "\"fudge\": " BIG_FUDGE ", \"zone_key\": true");
	ck_assert_uint_eq(send_fixture("apex-ed25519.bin", -1, txt, sizeof(txt)),
			  SL_RCODE_NOERROR);
	ck_assert_str_eq(txt, "auth=2 example.com.");
	ck_assert_uint_eq(counter(VERIFIED), 1);
	stop();
}
END_TEST

/* Without zone_key the zone's DNSKEYs sign nothing. */
START_TEST(test_pipeline_zone_key_off)
{
	start(APEX_DNSKEY, "\"fudge\": " BIG_FUDGE);
	ck_assert_uint_eq(send_fixture("apex-ed25519.bin", -1, NULL, 0), SL_RCODE_REFUSED);
	ck_assert_uint_eq(counter(FAILED), 1);
	ck_assert_uint_eq(counter(VERIFIED), 0);
	stop();
}
END_TEST

/*
 * The rcode of every kind of failure, in one table (issue 9): each is REFUSED
 * (RFC 2136 §2.2: "refuses to perform the specified operation for policy or
 * security reasons"), never NOTAUTH (which without a TSIG RR says "not
 * authoritative for the zone"), with extended error 18 (Prohibited) whose
 * text names the kind, and nothing after sig0-auth sees the message. The
 * request carries an OPT RR (so the answer can hold the EDE) where the kind
 * allows it: inserting one before the SIG breaks the signature, so the kinds
 * decided after a verification (replay) are sent as captured, without EDE.
 */
enum opt_place { OPT_NONE, OPT_BEFORE_SIG, OPT_AFTER_SIG };

typedef struct rcode_case {
	const char *what;      /**< the failure kind */
	const char *zone;      /**< "keys": both KEYs; "host1": host1's only; "cand3": 3 candidates */
	const char *options;   /**< sig0-auth options */
	const char *fixture;   /**< message sent */
	enum opt_place opt;    /**< where an OPT RR is put */
	int alg;               /**< >= 0: the SIG's algorithm octet set to this */
	bool replay_first;     /**< send the genuine message once before */
	int counter;           /**< the counter it must raise */
	const char *ede_text;  /**< expected EDE text, NULL when no OPT is sent */
} rcode_case_t;

static const rcode_case_t rcode_cases[] = {
	{ "malformed: SIG(0) not last", "keys", "\"fudge\": " BIG_FUDGE, "p256.bin",
	  OPT_AFTER_SIG, -1, false, FAILED, "malformed or misplaced SIG(0)" },
	{ "algorithm", "keys", "\"fudge\": " BIG_FUDGE, "p256.bin", OPT_BEFORE_SIG, 5, false,
	  FAILED, "unsupported algorithm" },
	{ "time window", "keys", "", "p256.bin", OPT_BEFORE_SIG, -1, false, FAILED,
	  "signature time outside the window" },
	{ "no key", "host1", "\"fudge\": " BIG_FUDGE, "ed25519.bin", OPT_BEFORE_SIG, -1, false,
	  FAILED, "no usable KEY for the signer" },
	{ "too many candidates", "cand3",
	  "\"fudge\": " BIG_FUDGE ", \"max_verifications_per_second\": 1", "ed25519.bin",
	  OPT_BEFORE_SIG, -1, false, TOO_MANY_KEYS, "too many candidate keys" },
	{ "budget exceeded", "keys", "\"fudge\": " BIG_FUDGE ", \"max_verifications_per_second\": 0",
	  "p256.bin", OPT_BEFORE_SIG, -1, false, OVER_BUDGET, "verification budget exhausted" },
	{ "bad signature", "keys", "\"fudge\": " BIG_FUDGE, "p256.bin", OPT_BEFORE_SIG, -1, false,
	  FAILED, "signature does not verify" },
	{ "replay", "keys", "\"fudge\": " BIG_FUDGE, "p256.bin", OPT_NONE, -1, true, REPLAY, NULL },
};

/* An OPT RR (root, OPT, payload 4096, no options) put at @p at of @p f; ARCOUNT + 1. */
static void insert_opt(fixture_t *f, size_t at)
{
	static const uint8_t opt[11] = { 0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 0 };

	ck_assert_uint_le(f->len + sizeof(opt), sizeof(f->wire));
	memmove(f->wire + at + sizeof(opt), f->wire + at, f->len - at);
	memcpy(f->wire + at, opt, sizeof(opt));
	f->len += sizeof(opt);
	f->wire[11]++;
}

/* The EDE (RFC 8914) of the answer @p m: its info code (-1 if none), its text in @p txt. */
static int answer_ede(const uint8_t *wire, const sl_msg_t *m, char *txt, size_t size)
{
	txt[0] = 0;
	if (!m->edns.present)
		return -1;
	size_t pos = m->edns.opt_pos + 9; /* root owner, type, class, TTL */
	size_t rdlen = (size_t)wire[pos] << 8 | wire[pos + 1];
	size_t end = pos + 2 + rdlen;
	ck_assert_uint_le(end, m->len);
	for (pos += 2; pos + 4 <= end;) {
		unsigned code = (unsigned)wire[pos] << 8 | wire[pos + 1];
		size_t len = (size_t)wire[pos + 2] << 8 | wire[pos + 3];
		pos += 4;
		ck_assert_uint_le(pos + len, end);
		if (code == SL_EDNS_OPT_EDE && len >= 2) {
			size_t n = len - 2 < size - 1 ? len - 2 : size - 1;
			memcpy(txt, wire + pos + 2, n);
			txt[n] = 0;
			return wire[pos] << 8 | wire[pos + 1];
		}
		pos += len;
	}
	return -1;
}

START_TEST(test_pipeline_rcode_per_failure)
{
	const rcode_case_t *c = &rcode_cases[_i];
	char extra[4000], k1[1024], txt[300];
	fixture_t f;
	sl_msg_t m;
	sig0_sig_t sig;

	if (!strcmp(c->zone, "keys")) {
		start_keys(c->options);
	} else if (!strcmp(c->zone, "host1")) {
		load_keys();
		key_text(0, 0, k1, sizeof(k1));
		snprintf(extra, sizeof(extra), "host1 %s\n", k1);
		start(extra, c->options);
	} else {
		candidate_keys(3, extra, sizeof(extra));
		start(extra, c->options);
	}
	load(c->fixture, &f);
	parse_msg(&f, &m);
	ck_assert_int_eq(sig0_find(&m, &sig), SIG0_OK);
	if (c->replay_first) {
		size_t len = send_wire(f.wire, f.len);
		ck_assert_int_eq(sl_msg_parse(out, len, &m), SL_OK);
		ck_assert_uint_eq(SL_FLAGS_RCODE(m.hdr.flags), SL_RCODE_NOERROR);
	}
	if (c->alg >= 0)
		f.wire[sig.rr_pos + 11 + 2] = (uint8_t)c->alg; /* owner, type..rdlength, covered */
	if (c->opt == OPT_BEFORE_SIG)
		insert_opt(&f, sig.rr_pos);
	else if (c->opt == OPT_AFTER_SIG)
		insert_opt(&f, f.len);
	uint64_t before = counter(c->counter);
	size_t len = send_wire(f.wire, f.len);
	ck_assert_int_eq(sl_msg_parse(out, len, &m), SL_OK);
	ck_assert_msg(SL_FLAGS_RCODE(m.hdr.flags) == SL_RCODE_REFUSED, "%s: rcode %u", c->what,
		      SL_FLAGS_RCODE(m.hdr.flags));
	ck_assert_msg(m.hdr.ancount == 0, "%s: reached the plugin after sig0-auth", c->what);
	ck_assert_msg(counter(c->counter) == before + 1, "%s: counter not raised", c->what);
	int ede = answer_ede(out, &m, txt, sizeof(txt));
	if (c->ede_text) {
		ck_assert_msg(ede == 18, "%s: EDE %d", c->what, ede);
		ck_assert_str_eq(txt, c->ede_text);
	} else {
		ck_assert_int_eq(ede, -1);
	}
	stop();
}
END_TEST

START_TEST(test_config_errors)
{
	const char *bad[] = {
		"\"fudge\": -1",
		"\"max_candidate_keys\": 0",
		"\"max_verifications_per_second\": -5",
		"\"keys\": [\"/nonexistent/K.key\"]",
		"\"keys\": [\"" SIG0_DATA_DIR "/keys.zone\", \"" SIG0_DATA_DIR "/p256.bin\"]",
		"\"zone_key\": 3",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char json[2048];
		sl_errlist_t el = { .count = 0 };
		snprintf(json, sizeof(json),
			 "{\"server\": {\"listen\": [\"127.0.0.1:5353\"],"
			 " \"plugin_path\": [\"@BUILT_PLUGINS@\"]},"
			 "\"zones\": [{\"name\": \"example.com.\", \"plugins\": ["
			 "{\"plugin\": \"sig0-auth\", %s},"
			 " {\"plugin\": \"zonefile\", \"file\": \"/dev/null\"}]}]}",
			 bad[i]);
		const char *path = tu_write_config(json);
		sl_runtime_t *r = sl_runtime_load(path, true, 0, &el);
		unlink(path);
		ck_assert_msg(r == NULL, "accepted: %s", bad[i]);
		ck_assert_uint_gt(el.count, 0);
		sl_errlist_free(&el);
	}
}
END_TEST

Suite *tu_suite(void)
{
	Suite *s = suite_create("sig0-auth");
	TCase *tc = tcase_create("parts");
	tcase_add_test(tc, test_key_tags);
	tcase_add_test(tc, test_find_fields);
	tcase_add_test(tc, test_time_window);
	tcase_add_test(tc, test_verify_real);
	tcase_add_test(tc, test_verify_other_algorithms);
	tcase_add_test(tc, test_verify_cached);
	tcase_add_test(tc, test_verify_every_byte);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_replay_cache);
	tcase_add_test(tc, test_budget);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);

	tc = tcase_create("pipeline");
	tcase_add_test(tc, test_pipeline_valid);
	tcase_add_test(tc, test_pipeline_corrupted);
	tcase_add_test(tc, test_pipeline_replay);
	tcase_add_test(tc, test_pipeline_expired);
	tcase_add_test(tc, test_pipeline_unknown_key);
	tcase_add_test(tc, test_pipeline_wrong_key);
	tcase_add_test(tc, test_pipeline_two_candidates);
	tcase_add_test(tc, test_pipeline_too_many_candidates);
	tcase_add_test(tc, test_pipeline_three_candidates_allowed);
	tcase_add_test(tc, test_pipeline_budget_zero);
	tcase_add_test(tc, test_pipeline_budget_one);
	tcase_add_test(tc, test_pipeline_key_files);
	tcase_add_test(tc, test_pipeline_zone_key);
	tcase_add_test(tc, test_pipeline_zone_key_off);
	tcase_add_loop_test(tc, test_pipeline_rcode_per_failure, 0,
			    (int)(sizeof(rcode_cases) / sizeof(rcode_cases[0])));
	tcase_add_test(tc, test_config_errors);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}
