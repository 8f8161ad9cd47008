/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * DNS server cookies against the test vectors of RFC 9018 Appendix A (whole
 * 16-byte server cookies for the given secret, client, client cookie and
 * time), and the validity window of RFC 9018 §4.3: valid up to one hour
 * old and up to five minutes ahead, renewed once over half an hour old.
 */
#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>
#include "cookie.h"
#include "testutil.h"

/* Secrets of Appendix A: A.1-A.3, and the rolled-over pair of A.4. */
#define SECRET_A "e5e973e5a6b2a43f48e7dc849e37bfcf"
#define SECRET_A4_OLD "dd3bdf9344b678b185a6f5cb60fca715"
#define SECRET_A4_NEW "445536bcd2513298075a5d379663c962"

static sl_cookie_mac_t mac;

static void setup(void)
{
	ck_assert_int_eq(sl_cookie_mac_init(&mac), SL_OK);
}

static void teardown(void)
{
	sl_cookie_mac_free(&mac);
}

static void unhex(const char *hex, uint8_t *out, size_t len)
{
	ck_assert_uint_eq(strlen(hex), 2 * len);
	for (size_t i = 0; i < len; i++) {
		unsigned v;
		ck_assert_int_eq(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

/* @p ip as a socket address of the family its text names. */
static const struct sockaddr *addr(const char *ip, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, ip, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(53000);
	} else {
		ck_assert_int_eq(inet_pton(AF_INET6, ip, &s6->sin6_addr), 1);
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(53000);
	}
	return (const struct sockaddr *)ss;
}

/* A received COOKIE option: client cookie plus server cookie, in hex. */
static sl_cookie_t received(const char *client_hex, const char *server_hex)
{
	sl_cookie_t c;
	memset(&c, 0, sizeof(c));
	c.present = true;
	unhex(client_hex, c.client, 8);
	c.server_len = (uint8_t)(strlen(server_hex) / 2);
	unhex(server_hex, c.server, c.server_len);
	return c;
}

/* Asserts the server cookie made for the case is exactly @p expect_hex. */
static void expect_make(const char *secret_hex, const char *client_hex, const char *ip,
			uint32_t now, const char *expect_hex)
{
	uint8_t secret[SL_COOKIE_SECRET_LEN], client[8], expect[SL_SERVER_COOKIE_LEN];
	uint8_t got[SL_SERVER_COOKIE_LEN];
	struct sockaddr_storage ss;

	unhex(secret_hex, secret, sizeof(secret));
	unhex(client_hex, client, sizeof(client));
	unhex(expect_hex, expect, sizeof(expect));
	ck_assert_int_eq(sl_cookie_make(&mac, secret, client, addr(ip, &ss), now, got), SL_OK);
	ck_assert_mem_eq(got, expect, sizeof(expect));
}

static sl_cookie_verdict_t check(const char *secret_hex, const sl_cookie_t *c, const char *ip,
				 uint32_t now)
{
	uint8_t secret[SL_COOKIE_SECRET_LEN];
	struct sockaddr_storage ss;

	unhex(secret_hex, secret, sizeof(secret));
	return sl_cookie_check(&mac, secret, c, addr(ip, &ss), now);
}

/* A.1: a resolver at 198.51.100.100 learns a new server cookie. */
START_TEST(test_a1_new_cookie)
{
	expect_make(SECRET_A, "2464c4abcf10c957", "198.51.100.100", 1559731985,
		    "010000005cf79f111f8130c3eee29480");
	/* The mapped form of the same IPv4 client hashes its 4 bytes too. */
	expect_make(SECRET_A, "2464c4abcf10c957", "::ffff:198.51.100.100", 1559731985,
		    "010000005cf79f111f8130c3eee29480");
	sl_cookie_t c = received("2464c4abcf10c957", "010000005cf79f111f8130c3eee29480");
	ck_assert_int_eq(check(SECRET_A, &c, "198.51.100.100", 1559731985), SL_COOKIE_VALID);
}
END_TEST

/* A.2: 40 minutes later the same client's cookie is valid but renewed. */
START_TEST(test_a2_renewed_cookie)
{
	sl_cookie_t c = received("2464c4abcf10c957", "010000005cf79f111f8130c3eee29480");
	ck_assert_int_eq(check(SECRET_A, &c, "198.51.100.100", 1559734385), SL_COOKIE_RENEW);
	expect_make(SECRET_A, "2464c4abcf10c957", "198.51.100.100", 1559734385,
		    "010000005cf7a871d4a564a1442aca77");
}
END_TEST

/*
 * A.3: another client (203.0.113.203) presents a cookie with non-zero
 * Reserved bytes, issued at 1559727985 — the hash covers them as received.
 * At 1559734700 it is 1 h 52 min old, so it gets a fresh cookie.
 */
START_TEST(test_a3_other_client)
{
	sl_cookie_t c = received("fc93fc62807ddb86", "01abcdef5cf78f71a314227b6679ebf5");
	ck_assert_int_eq(check(SECRET_A, &c, "203.0.113.203", 1559727985), SL_COOKIE_VALID);
	ck_assert_int_eq(check(SECRET_A, &c, "203.0.113.203", 1559734700), SL_COOKIE_INVALID);
	expect_make(SECRET_A, "fc93fc62807ddb86", "203.0.113.203", 1559734700,
		    "010000005cf7a9acf73a7810aca2381e");
	/* Zeroing the Reserved bytes breaks the hash. */
	c.server[1] = c.server[2] = c.server[3] = 0;
	ck_assert_int_eq(check(SECRET_A, &c, "203.0.113.203", 1559727985), SL_COOKIE_INVALID);
}
END_TEST

/* A.4: an IPv6 client, cookie made with the old secret, answered with the new one. */
START_TEST(test_a4_ipv6_rolled_secret)
{
	const char *ip = "2001:db8:220:1:59de:d0f4:8769:82b8";
	expect_make(SECRET_A4_OLD, "22681ab97d52c298", ip, 1559741817,
		    "010000005cf7c57926556bd0934c72f8");
	sl_cookie_t c = received("22681ab97d52c298", "010000005cf7c57926556bd0934c72f8");
	ck_assert_int_eq(check(SECRET_A4_OLD, &c, ip, 1559741961), SL_COOKIE_VALID);
	ck_assert_int_eq(check(SECRET_A4_NEW, &c, ip, 1559741961), SL_COOKIE_INVALID);
	expect_make(SECRET_A4_NEW, "22681ab97d52c298", ip, 1559741961,
		    "010000005cf7c609a6bb79d16625507a");
}
END_TEST

/* RFC 9018 §4.3: one hour in the past, five minutes ahead, renewal after 30 minutes. */
START_TEST(test_time_window)
{
	/* A.4's second cookie, issued at 1559741961 with the new secret. */
	const char *ip = "2001:db8:220:1:59de:d0f4:8769:82b8";
	const uint32_t t = 1559741961;
	sl_cookie_t c = received("22681ab97d52c298", "010000005cf7c609a6bb79d16625507a");
	static const struct {
		int32_t offset;
		sl_cookie_verdict_t verdict;
	} cases[] = {
		{ 0, SL_COOKIE_VALID },
		{ 1800, SL_COOKIE_VALID },
		{ 1801, SL_COOKIE_RENEW },
		{ 3600, SL_COOKIE_RENEW },
		{ 3601, SL_COOKIE_INVALID },
		{ 86400, SL_COOKIE_INVALID },
		{ -300, SL_COOKIE_VALID },
		{ -301, SL_COOKIE_INVALID },
		{ -3600, SL_COOKIE_INVALID },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_msg(check(SECRET_A4_NEW, &c, ip, t + (uint32_t)cases[i].offset) ==
				      cases[i].verdict,
			      "offset %d", (int)cases[i].offset);
}
END_TEST

/* Serial-number arithmetic: a cookie from just before the 32-bit wrap stays valid after it. */
START_TEST(test_time_wraps)
{
	uint8_t secret[SL_COOKIE_SECRET_LEN] = { 1, 2, 3 };
	struct sockaddr_storage ss;
	const struct sockaddr *sa = addr("192.0.2.1", &ss);
	sl_cookie_t c = received("0102030405060708", "00000000000000000000000000000000");

	const uint32_t t = 0xFFFFFF00u;

	ck_assert_int_eq(sl_cookie_make(&mac, secret, c.client, sa, t, c.server), SL_OK);
	/* t + 272 is 16, t + 2000 is 1744, t + 3601 is 3345: all past the wrap. */
	ck_assert_int_eq(sl_cookie_check(&mac, secret, &c, sa, 16), SL_COOKIE_VALID);
	ck_assert_int_eq(sl_cookie_check(&mac, secret, &c, sa, 1744), SL_COOKIE_RENEW);
	ck_assert_int_eq(sl_cookie_check(&mac, secret, &c, sa, 3345), SL_COOKIE_INVALID);
	/* And five minutes ahead across the wrap the other way. */
	ck_assert_int_eq(sl_cookie_check(&mac, secret, &c, sa, t - 300), SL_COOKIE_VALID);
	ck_assert_int_eq(sl_cookie_check(&mac, secret, &c, sa, t - 301), SL_COOKIE_INVALID);
}
END_TEST

/* Anything but our exact format, hash, client and address is invalid. */
START_TEST(test_invalid_cookies)
{
	const char *ip = "198.51.100.100";
	const uint32_t t = 1559731985;
	sl_cookie_t good = received("2464c4abcf10c957", "010000005cf79f111f8130c3eee29480");
	sl_cookie_t c;

	ck_assert_int_eq(check(SECRET_A, &good, ip, t), SL_COOKIE_VALID);
	/* Every bit of the hash matters. */
	for (unsigned bit = 0; bit < 64; bit++) {
		c = good;
		c.server[8 + bit / 8] ^= (uint8_t)(1u << (bit % 8));
		ck_assert_msg(check(SECRET_A, &c, ip, t) == SL_COOKIE_INVALID, "bit %u", bit);
	}
	/* So does the timestamp the hash was made with. */
	c = good;
	c.server[7] ^= 1;
	ck_assert_int_eq(check(SECRET_A, &c, ip, t), SL_COOKIE_INVALID);
	/* Another version. */
	c = good;
	c.server[0] = 2;
	ck_assert_int_eq(check(SECRET_A, &c, ip, t), SL_COOKIE_INVALID);
	/* Other lengths (RFC 7873 allows 8..32). */
	c = good;
	c.server_len = 8;
	ck_assert_int_eq(check(SECRET_A, &c, ip, t), SL_COOKIE_INVALID);
	c = good;
	c.server_len = 24;
	ck_assert_int_eq(check(SECRET_A, &c, ip, t), SL_COOKIE_INVALID);
	c = good;
	c.server_len = 0;
	ck_assert_int_eq(check(SECRET_A, &c, ip, t), SL_COOKIE_INVALID);
	/* Another client cookie, another client address, another secret. */
	c = good;
	c.client[0] ^= 0x80;
	ck_assert_int_eq(check(SECRET_A, &c, ip, t), SL_COOKIE_INVALID);
	ck_assert_int_eq(check(SECRET_A, &good, "198.51.100.101", t), SL_COOKIE_INVALID);
	ck_assert_int_eq(check(SECRET_A, &good, "::ffff:198.51.100.101", t), SL_COOKIE_INVALID);
	ck_assert_int_eq(check(SECRET_A, &good, "2001:db8::1", t), SL_COOKIE_INVALID);
	ck_assert_int_eq(check(SECRET_A4_OLD, &good, ip, t), SL_COOKIE_INVALID);
}
END_TEST

/* No address to hash: no cookie, and nothing validates. */
START_TEST(test_other_family)
{
	uint8_t secret[SL_COOKIE_SECRET_LEN] = { 0 };
	uint8_t out[SL_SERVER_COOKIE_LEN];
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	sl_cookie_t c = received("2464c4abcf10c957", "010000005cf79f111f8130c3eee29480");

	ck_assert_int_eq(sl_cookie_make(&mac, secret, c.client, (struct sockaddr *)&un, 1, out),
			 SL_EINVAL);
	ck_assert_int_eq(sl_cookie_check(&mac, secret, &c, (struct sockaddr *)&un, 1559731985),
			 SL_COOKIE_INVALID);
}
END_TEST

/* The default secret is random, drawn once: the same on every call. */
START_TEST(test_random_secret)
{
	uint8_t a[SL_COOKIE_SECRET_LEN], b[SL_COOKIE_SECRET_LEN];
	static const uint8_t zero[SL_COOKIE_SECRET_LEN];

	ck_assert_int_eq(sl_cookie_random_secret(a), SL_OK);
	ck_assert_int_eq(sl_cookie_random_secret(b), SL_OK);
	ck_assert_mem_eq(a, b, sizeof(a));
	ck_assert_mem_ne(a, zero, sizeof(a));
}
END_TEST

Suite *tu_suite(void)
{
	Suite *s = suite_create("cookie");
	TCase *tc = tcase_create("rfc9018");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_a1_new_cookie);
	tcase_add_test(tc, test_a2_renewed_cookie);
	tcase_add_test(tc, test_a3_other_client);
	tcase_add_test(tc, test_a4_ipv6_rolled_secret);
	tcase_add_test(tc, test_time_window);
	tcase_add_test(tc, test_time_wraps);
	tcase_add_test(tc, test_invalid_cookies);
	tcase_add_test(tc, test_other_family);
	tcase_add_test(tc, test_random_secret);
	suite_add_tcase(s, tc);
	return s;
}
