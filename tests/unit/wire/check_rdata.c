/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Unit tests for the RDATA codec: core/wire/rdata.c (wire validation,
 * decompression, name location) and core/wire/rdata_*.c (presentation format),
 * with core/wire/encoding.c exercised through the types that use it.
 *
 * Expected texts are what dig/knotc print for the same records (checked
 * against named-checkzone -D and knotc zone-read), except that long hex and
 * base64 are unbroken as knotc prints them.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sluice/name.h>
#include <sluice/rr.h>
#include "testutil.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Types without a constant in rr.h. */
enum {
	T_MD = 3, T_MF = 4, T_MB = 7, T_MG = 8, T_MR = 9, T_MINFO = 14, T_RP = 17,
	T_AFSDB = 18, T_RT = 21, T_PX = 26, T_KX = 36, T_PRIVATE = 65280,
};

/* "example." — the origin for relative names in the text tests. */
static const uint8_t origin[] = { 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0 };

/* Decodes a hex string (blanks allowed) that the test itself wrote. */
static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi = -1;

	for (; *hex; hex++) {
		int v;

		if (*hex == ' ')
			continue;
		if (*hex >= '0' && *hex <= '9')
			v = *hex - '0';
		else if (*hex >= 'a' && *hex <= 'f')
			v = *hex - 'a' + 10;
		else if (*hex >= 'A' && *hex <= 'F')
			v = *hex - 'A' + 10;
		else
			ck_abort_msg("bad test hex '%c'", *hex);
		if (hi < 0) {
			hi = v;
			continue;
		}
		ck_assert_uint_lt(n, cap);
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	ck_assert_int_lt(hi, 0);
	return n;
}

static void assert_bytes(const uint8_t *got, size_t gotlen, const uint8_t *want, size_t wantlen,
			 const char *what)
{
	char g[2 * 600 + 1] = "", w[2 * 600 + 1] = "";

	for (size_t i = 0; i < gotlen && i < 600; i++)
		snprintf(g + 2 * i, 3, "%02x", got[i]);
	for (size_t i = 0; i < wantlen && i < 600; i++)
		snprintf(w + 2 * i, 3, "%02x", want[i]);
	ck_assert_msg(gotlen == wantlen && memcmp(got, want, gotlen) == 0,
		      "%s: wire\n  got  %s\n  want %s", what, g, w);
}

/* ---------------------------------------------------------------------------
 * Presentation -> wire -> presentation, for every supported type.
 */

struct rt_case {
	uint16_t type;
	const char *in;   /* text given to sl_rdata_from_text (origin "example.") */
	const char *out;  /* exact text sl_rdata_to_text must print (NULL: same as in) */
	const char *wire; /* expected RDATA in hex, or NULL */
};

#define NAME_EXAMPLE "07 6578616d706c65 00"
#define NAME_FOO_COM "03 666f6f 07 6578616d706c65 03 636f6d 00"
#define NAME_FOO_ORG "03 666f6f 07 6578616d706c65 03 6f7267 00"

static const struct rt_case rt_cases[] = {
	/* A, AAAA */
	{ SL_TYPE_A, "192.0.2.1", NULL, "c0000201" },
	{ SL_TYPE_A, "0.0.0.0", NULL, "00000000" },
	{ SL_TYPE_AAAA, "2001:DB8:0:0::1", "2001:db8::1", "20010db8000000000000000000000001" },
	{ SL_TYPE_AAAA, "::ffff:192.0.2.1", NULL, "00000000000000000000ffffc0000201" },
	{ SL_TYPE_AAAA, "::", NULL, NULL },
	/* Single-name types; relative names take the origin. */
	{ SL_TYPE_NS, "ns1", "ns1.example.", "03 6e7331" NAME_EXAMPLE },
	{ SL_TYPE_NS, "NS1.Example.COM.", NULL, NULL },
	{ SL_TYPE_CNAME, "@", "example.", NAME_EXAMPLE },
	{ SL_TYPE_PTR, "host.example.com.", NULL, NULL },
	{ SL_TYPE_DNAME, "foo.bar.", NULL, "03 666f6f 03 626172 00" },
	{ SL_TYPE_NS, "a\\.b\\032c.", NULL, "05 612e622063 00" },
	{ SL_TYPE_NS, ".", NULL, "00" },
	/* SOA: timers take TTL units, the serial does not. */
	{ SL_TYPE_SOA, "ns host 2024010101 1h30m 3600 2w 1h",
	  "ns.example. host.example. 2024010101 5400 3600 1209600 3600",
	  "02 6e73" NAME_EXAMPLE "04 686f7374" NAME_EXAMPLE
	  "78a3f175 00001518 00000e10 00127500 00000e10" },
	{ SL_TYPE_SOA, "ns. host. 4294967295 1W2d 0 1S 4294967295",
	  "ns. host. 4294967295 777600 0 1 4294967295", NULL },
	/* MX, SRV, NAPTR, KX, AFSDB, RT, PX */
	{ SL_TYPE_MX, "10 mail", "10 mail.example.", "000a 04 6d61696c" NAME_EXAMPLE },
	{ SL_TYPE_MX, "0 .", NULL, "0000 00" },
	{ SL_TYPE_SRV, "0 5 5060 sip", "0 5 5060 sip.example.",
	  "0000 0005 13c4 03 736970" NAME_EXAMPLE },
	{ SL_TYPE_NAPTR, "100 10 \"S\" \"SIP+D2U\" \"\" _sip._udp",
	  "100 10 \"S\" \"SIP+D2U\" \"\" _sip._udp.example.",
	  "0064 000a 01 53 07 5349502b443255 00 04 5f736970 04 5f756470" NAME_EXAMPLE },
	{ SL_TYPE_NAPTR, "100 10 u E2U+sip \"!^.*$!sip:info@example.com!\" .",
	  "100 10 \"u\" \"E2U+sip\" \"!^.*$!sip:info@example.com!\" .", NULL },
	{ T_KX, "10 kx", "10 kx.example.", NULL },
	{ T_AFSDB, "1 afs", "1 afs.example.", "0001 03 616673" NAME_EXAMPLE },
	{ T_RT, "10 rt.example.", NULL, NULL },
	{ T_PX, "10 a b", "10 a.example. b.example.", NULL },
	/* Obsolete RFC 1035 types. */
	{ T_MB, "mb", "mb.example.", NULL },
	{ T_MD, "md.", NULL, NULL },
	{ T_MF, "mf.", NULL, NULL },
	{ T_MG, "mg.", NULL, NULL },
	{ T_MR, "mr.", NULL, NULL },
	{ T_MINFO, "a b", "a.example. b.example.", NULL },
	{ T_RP, "mbox txt.example.", "mbox.example. txt.example.", NULL },
	/* Character strings: quoting, escapes, many strings. */
	{ SL_TYPE_TXT, "\"hello world\" abc", "\"hello world\" \"abc\"",
	  "0b 68656c6c6f20776f726c64 03 616263" },
	{ SL_TYPE_TXT, "\"a\\\"b\\\\c\" \"x;y\" \"\\009\\255\xc3\xa9\" \\065\\ b",
	  "\"a\\\"b\\\\c\" \"x;y\" \"\\009\\255\\195\\169\" \"A b\"", NULL },
	{ SL_TYPE_TXT, "\"\"", NULL, "00" },
	{ SL_TYPE_TXT, "\"\" \"\"", NULL, "0000" },
	{ SL_TYPE_TXT, "\"\\127\\031~ \"", NULL, "04 7f1f7e20" },
	{ SL_TYPE_HINFO, "PC \"Linux 6\"", "\"PC\" \"Linux 6\"", "02 5043 07 4c696e75782036" },
	/* DS family: hex may be split, prints upper case. */
	{ SL_TYPE_DS,
	  "12345 8 2 49fd46e6c4b45c55d4ac69cbd3cd34ac1afe51de 49FD46E6C4B45C55D4ACAABB",
	  "12345 8 2 49FD46E6C4B45C55D4AC69CBD3CD34AC1AFE51DE49FD46E6C4B45C55D4ACAABB",
	  "3039 08 02 49fd46e6c4b45c55d4ac69cbd3cd34ac1afe51de49fd46e6c4b45c55d4acaabb" },
	{ SL_TYPE_CDS, "0 0 0 00", NULL, "0000 00 00 00" },
	{ SL_TYPE_SSHFP, "1 1 09f6a01d2175742b257c6b98b7c72c44c4040683",
	  "1 1 09F6A01D2175742B257C6B98B7C72C44C4040683", NULL },
	{ SL_TYPE_TLSA,
	  "3 1 1 0C72AC70B745AC19998811B131D662C9AC69DBDBE7CB23E5B514B56664C5D3D6", NULL,
	  "03 01 01 0c72ac70b745ac19998811b131d662c9ac69dbdbe7cb23e5b514b56664c5d3d6" },
	/* DNSKEY family: base64 may be split; RFC 4648 §10 vectors. */
	{ SL_TYPE_DNSKEY, "257 3 8 AwEAAc3b AQ==", "257 3 8 AwEAAc3bAQ==",
	  "0101 03 08 030100 01cddb 01" },
	{ SL_TYPE_DNSKEY, "256 3 13 Zg==", NULL, "0100 03 0d 66" },
	{ SL_TYPE_DNSKEY, "256 3 13 Zm8=", NULL, "0100 03 0d 666f" },
	{ SL_TYPE_DNSKEY, "256 3 13 Zm9v", NULL, "0100 03 0d 666f6f" },
	{ SL_TYPE_DNSKEY, "256 3 13 Zm9v Ym Fy", "256 3 13 Zm9vYmFy", "0100 03 0d 666f6f626172" },
	{ SL_TYPE_CDNSKEY, "0 3 0 AA==", NULL, "0000 03 00 00" },
	{ SL_TYPE_KEY, "256 3 8 AwEAAc3b", NULL, NULL },
	/* RRSIG/SIG: times as dates or integers, signer never relative in output. */
	{ SL_TYPE_RRSIG,
	  "A 8 2 3600 1706745600 20240101000000 12345 example. dGVzdHNp Z25hdHVyZQ==",
	  "A 8 2 3600 20240201000000 20240101000000 12345 example. dGVzdHNpZ25hdHVyZQ==",
	  "0001 08 02 00000e10 65badf00 65920080 3039" NAME_EXAMPLE
	  "746573747369676e6174757265" },
	{ SL_TYPE_RRSIG, "TYPE65280 13 0 0 4294967295 0 1 . AA==",
	  "TYPE65280 13 0 0 21060207062815 19700101000000 1 . AA==", NULL },
	{ SL_TYPE_RRSIG, "NSEC3PARAM 8 1 300 20000229235959 20991231120000 0 Example. AA==",
	  NULL, NULL },
	{ SL_TYPE_SIG, "A 8 2 3600 20240201000000 20240101000000 12345 example. dGVzdA==", NULL,
	  NULL },
	/* NSEC: types in any order, printed sorted. */
	{ SL_TYPE_NSEC, "next TYPE65000 CAA A NS SOA MX TXT AAAA RRSIG NSEC DNSKEY",
	  "next.example. A NS SOA MX TXT AAAA RRSIG NSEC DNSKEY CAA TYPE65000",
	  "04 6e657874" NAME_EXAMPLE "00 07 62018008000380 01 01 40"
	  "fd 1e 000000000000000000000000000000000000000000000000000000000080" },
	{ SL_TYPE_NSEC, "Next.Example. A A", "Next.Example. A", "04 4e657874 07 4578616d706c65 00"
	  "00 01 40" },
	{ SL_TYPE_NSEC, "next.", NULL, "04 6e657874 00" },
	/* Windows first used out of order still come out ascending. */
	{ SL_TYPE_NSEC, "next. TYPE1000 TYPE65535 a TYPE513 caa TYPE1000",
	  "next. A CAA TYPE513 TYPE1000 TYPE65535",
	  "04 6e657874 00 00 01 40 01 01 40 02 01 40"
	  "03 1e 000000000000000000000000000000000000000000000000000000000080"
	  "ff 20 0000000000000000000000000000000000000000000000000000000000000001" },
	/* NSEC3 / NSEC3PARAM */
	{ SL_TYPE_NSEC3, "1 0 10 aabbccdd 2t7b4g4vsa5smi47k61mv5bv1a22bojr A RRSIG",
	  "1 0 10 AABBCCDD 2T7B4G4VSA5SMI47K61MV5BV1A22BOJR A RRSIG",
	  "01 00 000a 04 aabbccdd 14 174eb2409fe28bcb4887a1836f957f0a8425e27b 00 06 400000000002" },
	{ SL_TYPE_NSEC3, "1 1 0 - 2T7B4G4VSA5SMI47K61MV5BV1A22BOJR", NULL,
	  "01 01 0000 00 14 174eb2409fe28bcb4887a1836f957f0a8425e27b" },
	/* Base32hex lengths: 1, 2, 3, 4 and 5 octets. */
	{ SL_TYPE_NSEC3, "1 0 0 - CO", NULL, "01 00 0000 00 01 66" },
	{ SL_TYPE_NSEC3, "1 0 0 - CPNG", NULL, "01 00 0000 00 02 666f" },
	{ SL_TYPE_NSEC3, "1 0 0 - CPNMU", NULL, "01 00 0000 00 03 666f6f" },
	{ SL_TYPE_NSEC3, "1 0 0 - CPNMUOG", NULL, "01 00 0000 00 04 666f6f62" },
	{ SL_TYPE_NSEC3, "1 0 0 - CPNMUOJ1", NULL, "01 00 0000 00 05 666f6f6261" },
	{ SL_TYPE_NSEC3PARAM, "1 0 10 aabbccdd", "1 0 10 AABBCCDD", "01 00 000a 04 aabbccdd" },
	{ SL_TYPE_NSEC3PARAM, "1 0 0 -", NULL, "01 00 0000 00" },
	/* SVCB/HTTPS: RFC 9460 Appendix D vectors, printed as dig does. */
	{ SL_TYPE_SVCB, "0 foo.example.com.", NULL, "0000" NAME_FOO_COM },
	{ SL_TYPE_SVCB, "1 .", NULL, "0001 00" },
	{ SL_TYPE_SVCB, "16 foo.example.com. port=53", NULL,
	  "0010" NAME_FOO_COM "0003 0002 0035" },
	{ SL_TYPE_SVCB, "1 foo.example.com. key667=hello", "1 foo.example.com. key667=\"hello\"",
	  "0001" NAME_FOO_COM "029b 0005 68656c6c6f" },
	{ SL_TYPE_SVCB, "1 foo.example.com. key667=\"hello\\210qoo\"", NULL,
	  "0001" NAME_FOO_COM "029b 0009 68656c6c6fd2716f6f" },
	{ SL_TYPE_SVCB, "1 foo.example.com. ipv6hint=\"2001:db8::1,2001:db8::53:1\"",
	  "1 foo.example.com. ipv6hint=2001:db8::1,2001:db8::53:1",
	  "0001" NAME_FOO_COM "0006 0020 20010db8000000000000000000000001"
	  "20010db8000000000000000000530001" },
	{ SL_TYPE_SVCB, "1 example.com. ipv6hint=\"2001:db8:122:344::192.0.2.33\"",
	  "1 example.com. ipv6hint=2001:db8:122:344::c000:221",
	  "0001 07 6578616d706c65 03 636f6d 00 0006 0010 20010db80122034400000000c0000221" },
	{ SL_TYPE_SVCB, "16 foo.example.org. alpn=h2,h3-19 mandatory=ipv4hint,alpn "
			"ipv4hint=192.0.2.1",
	  "16 foo.example.org. mandatory=alpn,ipv4hint alpn=\"h2,h3-19\" ipv4hint=192.0.2.1",
	  "0010" NAME_FOO_ORG "0000 0004 00010004 0001 0009 026832 05 68332d3139"
	  "0004 0004 c0000201" },
	{ SL_TYPE_SVCB, "16 foo.example.org. alpn=\"f\\\\\\\\oo\\\\,bar,h2\"", NULL,
	  "0010" NAME_FOO_ORG "0001 000c 08 665c6f6f2c626172 02 6832" },
	{ SL_TYPE_SVCB, "16 foo.example.org. alpn=f\\\\\\092oo\\092,bar,h2",
	  "16 foo.example.org. alpn=\"f\\\\\\\\oo\\\\,bar,h2\"",
	  "0010" NAME_FOO_ORG "0001 000c 08 665c6f6f2c626172 02 6832" },
	{ SL_TYPE_SVCB, "1 . key7=\"/dns-query{?dns}\" key65534 ech=\"\" key3=\"\\001\\187\"",
	  "1 . port=443 ech key7=\"/dns-query{?dns}\" key65534", NULL },
	{ SL_TYPE_SVCB, "1 svc ech=AEj+DQBEAQAgACAdd+scUi0IYFsXnUIU7ko2Nd9+F8M26pAGZVpz/KrWPgAE"
			"AAEAAWQVZWNoLXNpdGVzLmV4YW1wbGUubmV0AAA= ipv4hint=192.0.2.1,192.0.2.2",
	  "1 svc.example. ipv4hint=192.0.2.1,192.0.2.2 ech=AEj+DQBEAQAgACAdd+scUi0IYFsXnUIU7ko2Nd9"
	  "+F8M26pAGZVpz/KrWPgAEAAEAAWQVZWNoLXNpdGVzLmV4YW1wbGUubmV0AAA=", NULL },
	{ SL_TYPE_HTTPS, "1 . alpn=h2 no-default-alpn", "1 . alpn=\"h2\" no-default-alpn",
	  "0001 00 0001 0003 026832 0002 0000" },
	{ SL_TYPE_HTTPS, "1 . no-default-alpn alpn=\"a\\\\,b,c\\\\\\\\d\" key9999 key8888=\"\"",
	  "1 . alpn=\"a\\\\,b,c\\\\\\\\d\" no-default-alpn key8888 key9999", NULL },
	/* CAA: tag bare, value always quoted. */
	{ SL_TYPE_CAA, "0 issue \"letsencrypt.org\"", NULL,
	  "00 05 6973737565 6c657473656e63727970742e6f7267" },
	{ SL_TYPE_CAA, "128 tbs \"a\\\"b;c\"", NULL, "80 03 746273 6122623b63" },
	{ SL_TYPE_CAA, "0 issue \"\"", NULL, "00 05 6973737565" },
	{ SL_TYPE_CAA, "0 iodef mailto:security@example.com",
	  "0 iodef \"mailto:security@example.com\"", NULL },
	/* TSIG as dig prints it. */
	{ SL_TYPE_TSIG,
	  "hmac-sha256. 1700000000 300 32 ODdFMm8xNDUwTy9MdjJkb0tqa1hxMGhiU0R5OHFxNDk= 1234 "
	  "NOERROR 0",
	  NULL,
	  "0b 686d61632d736861323536 00 00006553f100 012c 0020"
	  "383745326f313435304f2f4c7632646f4b6a6b5871306862534479387171343904d2 0000 0000" },
	{ SL_TYPE_TSIG, "hmac-sha256. 281474976710655 300 0 1234 badtime 6 AAAA AAAA",
	  "hmac-sha256. 281474976710655 300 0 1234 BADTIME 6 AAAAAAAA",
	  "0b 686d61632d736861323536 00 ffffffffffff 012c 0000 04d2 0012 0006 000000000000" },
	{ SL_TYPE_TSIG, "hmac-md5.sig-alg.reg.int. 0 0 1 AA== 0 999 0",
	  "hmac-md5.sig-alg.reg.int. 0 0 1 AA== 0 999 0", NULL },
	/* OPT prints generically; options are validated. */
	{ SL_TYPE_OPT, "\\# 8 000a000401020304", "\\# 8 000A000401020304", "000a000401020304" },
	{ SL_TYPE_OPT, "\\# 0", NULL, "" },
	/*
	 * Types added for real zone files; printed forms are named-checkzone -D
	 * output (hex unbroken), and BIND reads each wire form back, given as
	 * "\\#", to the same text.
	 */
	{ SL_TYPE_SPF, "\"v=spf1 -all\" x", "\"v=spf1 -all\" \"x\"",
	  "0b763d73706631202d616c6c 0178" },
	{ SL_TYPE_URI, "10 1 \"ftp://ftp1.example.com/public\"", NULL,
	  "000a 0001 6674703a2f2f667470312e6578616d706c652e636f6d2f7075626c6963" },
	{ SL_TYPE_URI, "0 65535 \"a \\\"b\\\" c\"", NULL, "0000 ffff 61202262222063" },
	{ SL_TYPE_CERT, "PGP 0 0 AAECAw==", NULL, "0003 0000 00 00010203" },
	{ SL_TYPE_CERT, "1 12345 8 AAEC Aw==", "PKIX 12345 RSASHA256 AAECAw==", NULL },
	{ SL_TYPE_CERT, "ipkix 1 rsasha256 AAECAw==", "IPKIX 1 RSASHA256 AAECAw==", NULL },
	{ SL_TYPE_CERT, "65535 1 255 AAECAw==", NULL, NULL },
	{ SL_TYPE_CERT, "URI 0 253 AA==", "URI 0 PRIVATEDNS AA==", NULL },
	{ SL_TYPE_CERT, "OID 0 PRIVATEOID AA==", NULL, "00fe 0000 fe 00" },
	{ SL_TYPE_CERT, "4 0 4 AA==", "IPKIX 0 4 AA==", NULL },
	/* LOC: RFC 1876 examples and the limits, defaults 1m 10000m 10m. */
	{ SL_TYPE_LOC, "42 21 54 N 71 06 18 W -24m 30m",
	  "42 21 54.000 N 71 6 18.000 W -24.00m 30m 10000m 10m",
	  "00 33 16 13 89172dd0 70be15f0 00988d20" },
	{ SL_TYPE_LOC, "42 21 43.952 N 71 5 6.344 W -24m 1m 200m 10m",
	  "42 21 43.952 N 71 5 6.344 W -24.00m 1m 200m 10m", NULL },
	{ SL_TYPE_LOC, "52 14 05 N 00 08 50 E 10m",
	  "52 14 5.000 N 0 8 50.000 E 10.00m 1m 10000m 10m", NULL },
	{ SL_TYPE_LOC, "32 7 19 S 116 2 25 E 10m",
	  "32 7 19.000 S 116 2 25.000 E 10.00m 1m 10000m 10m", NULL },
	{ SL_TYPE_LOC, "42 N 71 W 0", "42 0 0.000 N 71 0 0.000 W 0.00m 1m 10000m 10m", NULL },
	{ SL_TYPE_LOC, "90 S 180 E 42849672.95m 90000000m 0.5m 0.01m",
	  "90 0 0.000 S 180 0 0.000 E 42849672.95m 90000000m 0.50m 0.01m", NULL },
	{ SL_TYPE_LOC, "0 0 0 N 0 0 0 E -100000m 0 0 0",
	  "0 0 0.000 N 0 0 0.000 E -100000.00m 0.00m 0.00m 0.00m",
	  "00 00 00 00 80000000 80000000 00000000" },
	/* Sizes truncate to one significant digit, as BIND encodes them. */
	{ SL_TYPE_LOC, "1 2 3.4 N 5 6 7.8 W 1.5 15m 1234m 0.12m",
	  "1 2 3.400 N 5 6 7.800 W 1.50m 10m 1000m 0.10m", NULL },
	{ SL_TYPE_LOC, "89 59 59.999 S 179 59 59.999 W -0.05 0.09 90000000.01m .5m",
	  "89 59 59.999 S 179 59 59.999 W -0.05m 0.09m 90000000m 0.50m", NULL },
	{ SL_TYPE_LOC, "0 0 0. N 0 E +5.m 123456",
	  "0 0 0.000 N 0 0 0.000 E 5.00m 100000m 10000m 10m", NULL },
	/* Key and digest types. */
	{ SL_TYPE_OPENPGPKEY, "AAECAwQF BgcICQ==", "AAECAwQFBgcICQ==", "00010203040506070809" },
	{ SL_TYPE_DHCID, "AAIBY2/AuCccgoJbsaxcQc9TUapptP69lOjxfNuVAA2kjEA=", NULL,
	  "000201636fc0b8271c82825bb1ac5c41cf5351aa69b4febd94e8f17cdb95000da48c40" },
	{ SL_TYPE_SMIMEA,
	  "3 1 1 0c72ac70b745ac19998811b131d662c9ac69dbdbe7cb23e5b514b56664c5d3d6",
	  "3 1 1 0C72AC70B745AC19998811B131D662C9AC69DBDBE7CB23E5B514B56664C5D3D6", NULL },
	{ SL_TYPE_ZONEMD, "2018031500 1 1 FEBE3D4CE2EC2FFA4BA99D46CD69D6D29711E55217057BEE7EB1A7B6 "
			  "41A47BA7FED2DD5B97AE499FAFA4F22C6BD647DE",
	  "2018031500 1 1 FEBE3D4CE2EC2FFA4BA99D46CD69D6D29711E55217057BEE7EB1A7B6"
	  "41A47BA7FED2DD5B97AE499FAFA4F22C6BD647DE", NULL },
	{ SL_TYPE_ZONEMD, "1 0 240 0102030405060708090a0b0c", "1 0 240 0102030405060708090A0B0C",
	  "00000001 00 f0 0102030405060708090a0b0c" },
	{ SL_TYPE_CSYNC, "66 3 A NS AAAA", NULL, "00000042 0003 0004 60000008" },
	{ SL_TYPE_CSYNC, "0 0", NULL, "00000000 0000" },
	/* EUI48/EUI64, ILNP. */
	{ SL_TYPE_EUI48, "00-00-5E-00-53-2A", "00-00-5e-00-53-2a", "00005e00532a" },
	{ SL_TYPE_EUI64, "00-00-5e-ef-10-00-00-2a", NULL, "00005eef1000002a" },
	{ SL_TYPE_NID, "10 0014:4fff:ff20:ee64", "10 14:4fff:ff20:ee64", "000a 00144fffff20ee64" },
	{ SL_TYPE_NID, "10 0:0:0:1", NULL, "000a 0000000000000001" },
	{ SL_TYPE_L32, "10 10.1.2.0", NULL, "000a 0a010200" },
	{ SL_TYPE_L64, "10 2001:0DB8:1140:1000", "10 2001:db8:1140:1000", "000a 20010db811401000" },
	{ SL_TYPE_LP, "10 l64-subnet1", "10 l64-subnet1.example.",
	  "000a 0b 6c36342d7375626e657431" NAME_EXAMPLE },
	/* IPSECKEY: RFC 4025 §3 examples, one per gateway type. */
	{ SL_TYPE_IPSECKEY, "10 1 2 192.0.2.38 AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ==",
	  NULL, "0a 01 02 c0000226"
	  "010351537986ed35533b6064478eeeb27b5bd74dae149b6e81ba3a0521af82ab7801" },
	{ SL_TYPE_IPSECKEY, "10 0 2 . AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ==", NULL,
	  "0a 00 02 010351537986ed35533b6064478eeeb27b5bd74dae149b6e81ba3a0521af82ab7801" },
	{ SL_TYPE_IPSECKEY,
	  "10 2 2 2001:0DB8:0:8002::2000:1 AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ==",
	  "10 2 2 2001:db8:0:8002::2000:1 AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ==", NULL },
	{ SL_TYPE_IPSECKEY, "10 3 2 gw AQNR", "10 3 2 gw.example. AQNR",
	  "0a 03 02 02 6777" NAME_EXAMPLE "0103 51" },
	/* WKS: protocol and services by name or number, printed as numbers. */
	{ SL_TYPE_WKS, "192.0.2.1 tcp smtp DOMAIN 80 0", "192.0.2.1 6 0 25 53 80",
	  "c0000201 06 80000040 000004 00000080" },
	{ SL_TYPE_WKS, "192.0.2.1 17 53", NULL, "c0000201 11 00000000000004" },
	{ SL_TYPE_WKS, "192.0.2.1 UDP", "192.0.2.1 17", "c0000201 11" },
	{ SL_TYPE_WKS, "192.0.2.1 255 1023 1023", "192.0.2.1 255 1023", NULL },
	/* APL (RFC 3123 §7 examples): addresses lose trailing zero octets. */
	{ SL_TYPE_APL, "1:192.168.32.0/21 !1:192.168.38.0/28", NULL,
	  "0001 15 03 c0a820 0001 1c 83 c0a826" },
	{ SL_TYPE_APL, "1:224.0.0.0/4 2:FF00:0:0:0:0:0:0:0/8", "1:224.0.0.0/4 2:ff00::/8",
	  "0001 04 01 e0 0002 08 01 ff" },
	{ SL_TYPE_APL, "1:0.0.0.0/0 !2:::/0 1:10.0.0.1/32", NULL,
	  "0001 00 00 0002 00 80 0001 20 04 0a000001" },
	{ SL_TYPE_APL, "", NULL, "" },
	/* RFC 3597 for unknown types and for known ones. */
	{ T_PRIVATE, "\\# 3 abcdef", "\\# 3 ABCDEF", "abcdef" },
	{ T_PRIVATE, "\\# 0", NULL, "" },
	{ T_PRIVATE, "\\# 4 0a 00 00 01", "\\# 4 0A000001", "0a000001" },
	{ SL_TYPE_A, "\\# 4 0a000001", "10.0.0.1", "0a000001" },
	{ SL_TYPE_MX, "\\# 8 000a 04 6d61696c 00", "10 mail.", NULL },
	{ SL_TYPE_TXT, "\\# 2 0141", "\"A\"", NULL },
};

START_TEST(test_roundtrip)
{
	const struct rt_case *tc = &rt_cases[_i];
	const char *want = tc->out ? tc->out : tc->in;
	uint8_t wire[SL_RDATA_MAXLEN], wire2[SL_RDATA_MAXLEN], expect[1024];
	uint8_t msg[16 + 2048], unpacked[SL_RDATA_MAXLEN];
	size_t len = 0, len2 = 0, ulen = 0;
	char err[160] = "", text[4096];
	int rc, n;

	rc = sl_rdata_from_text(tc->type, tc->in, strlen(tc->in), origin, wire, sizeof(wire), &len,
				err, sizeof(err));
	ck_assert_msg(rc == SL_OK, "case %d \"%s\": rc %d (%s)", _i, tc->in, rc, err);
	if (tc->wire) {
		size_t elen = unhex(tc->wire, expect, sizeof(expect));

		assert_bytes(wire, len, expect, elen, tc->in);
	}
	ck_assert_int_eq(sl_rdata_check(tc->type, wire, len), SL_OK);

	n = sl_rdata_to_text(tc->type, wire, len, text, sizeof(text));
	ck_assert_msg(n >= 0, "case %d: to_text %d", _i, n);
	ck_assert_str_eq(text, want);
	ck_assert_uint_eq((size_t)n, strlen(want));

	/* The printed form parses back to the same wire. */
	rc = sl_rdata_from_text(tc->type, text, (size_t)n, NULL, wire2, sizeof(wire2), &len2, err,
				sizeof(err));
	ck_assert_msg(rc == SL_OK, "case %d reparse \"%s\": %s", _i, text, err);
	assert_bytes(wire2, len2, wire, len, text);

	/* Storage form passes through sl_rdata_unpack unchanged. */
	ck_assert_uint_le(len, sizeof(msg) - 16);
	memset(msg, 0, 16);
	memcpy(msg + 16, wire, len);
	rc = sl_rdata_unpack(tc->type, msg, 16 + len, 16, (uint16_t)len, unpacked,
			     sizeof(unpacked), &ulen);
	ck_assert_int_eq(rc, SL_OK);
	assert_bytes(unpacked, ulen, wire, len, "unpack");
}
END_TEST

/* Every buffer too small by any amount gives SL_ESPACE and never overflows. */
START_TEST(test_to_text_bounds)
{
	const struct rt_case *tc = &rt_cases[_i];
	uint8_t wire[SL_RDATA_MAXLEN];
	size_t len = 0;
	char full[4096];
	int n;

	ck_assert_int_eq(sl_rdata_from_text(tc->type, tc->in, strlen(tc->in), origin, wire,
					    sizeof(wire), &len, NULL, 0), SL_OK);
	n = sl_rdata_to_text(tc->type, wire, len, full, sizeof(full));
	ck_assert_int_ge(n, 0);
	for (size_t size = 0; size <= (size_t)n + 1; size++) {
		/* Exactly-sized heap buffers let ASan catch a one-byte overrun. */
		char *buf = malloc(size ? size : 1);
		int r = sl_rdata_to_text(tc->type, wire, len, buf, size);

		ck_assert_ptr_nonnull(buf);
		if (size <= (size_t)n) {
			ck_assert_msg(r == SL_ESPACE, "size %zu: %d", size, r);
		} else {
			ck_assert_int_eq(r, n);
			ck_assert_str_eq(buf, full);
		}
		free(buf);
	}
}
END_TEST

/* Text -> wire also respects the output capacity. */
START_TEST(test_from_text_bounds)
{
	const struct rt_case *tc = &rt_cases[_i];
	uint8_t wire[SL_RDATA_MAXLEN];
	size_t len = 0, len2;

	ck_assert_int_eq(sl_rdata_from_text(tc->type, tc->in, strlen(tc->in), origin, wire,
					    sizeof(wire), &len, NULL, 0), SL_OK);
	for (size_t cap = 0; cap < len; cap++) {
		uint8_t *out = malloc(cap ? cap : 1);
		char err[128];
		int r;

		ck_assert_ptr_nonnull(out);
		r = sl_rdata_from_text(tc->type, tc->in, strlen(tc->in), origin, out, cap, &len2,
				       err, sizeof(err));
		ck_assert_msg(r == SL_ESPACE, "cap %zu: %d (%s)", cap, r, err);
		free(out);
	}
}
END_TEST

/* ---------------------------------------------------------------------------
 * Malformed wire RDATA: rejected by sl_rdata_check and sl_rdata_unpack, and
 * printed in RFC 3597 form.
 */

struct bad_wire {
	uint16_t type;
	const char *what;
	const char *hex;
};

static const struct bad_wire bad_wire_cases[] = {
	{ SL_TYPE_A, "A short", "0a0000" },
	{ SL_TYPE_A, "A long", "0a00000101" },
	{ SL_TYPE_A, "A empty", "" },
	{ SL_TYPE_AAAA, "AAAA 15 octets", "20010db800000000000000000000ff" },
	{ SL_TYPE_AAAA, "AAAA 17 octets", "20010db80000000000000000000000ff01" },
	{ SL_TYPE_NS, "NS empty", "" },
	{ SL_TYPE_NS, "NS unterminated", "03616263" },
	{ SL_TYPE_NS, "NS label overrun", "0561626300" },
	{ SL_TYPE_NS, "NS compressed in storage", "c00c" },
	{ SL_TYPE_NS, "NS reserved label type", "4161 00" },
	{ SL_TYPE_NS, "NS trailing", "0161 00 00" },
	{ SL_TYPE_CNAME, "CNAME trailing", "00 01" },
	{ SL_TYPE_SOA, "SOA truncated", "00 00 00000001000000020000000300000004 000000" },
	{ SL_TYPE_SOA, "SOA trailing", "00 00 0000000100000002000000030000000400000005 ff" },
	{ SL_TYPE_SOA, "SOA one name", "00" },
	{ SL_TYPE_MX, "MX no name", "000a" },
	{ SL_TYPE_MX, "MX one octet", "00" },
	{ SL_TYPE_TXT, "TXT empty", "" },
	{ SL_TYPE_TXT, "TXT string overrun", "05616263" },
	{ SL_TYPE_TXT, "TXT second string overrun", "0161 02 62" },
	{ SL_TYPE_HINFO, "HINFO one string", "024142" },
	{ SL_TYPE_HINFO, "HINFO three strings", "0141 0142 0143" },
	{ SL_TYPE_SRV, "SRV truncated", "00000000" },
	{ SL_TYPE_SRV, "SRV no target", "000000000000" },
	{ SL_TYPE_NAPTR, "NAPTR no replacement", "0064000a 0153 00 00" },
	{ SL_TYPE_NAPTR, "NAPTR string overrun", "0064000a 0953" },
	{ SL_TYPE_DNAME, "DNAME bad name", "3f61" },
	{ SL_TYPE_DS, "DS short", "303908" },
	{ SL_TYPE_SSHFP, "SSHFP short", "01" },
	{ SL_TYPE_TLSA, "TLSA short", "0301" },
	{ SL_TYPE_DNSKEY, "DNSKEY short", "010103" },
	{ SL_TYPE_RRSIG, "RRSIG truncated before signer", "0001080200000e1065badf00659200803039" },
	{ SL_TYPE_RRSIG, "RRSIG short", "00010802" },
	{ SL_TYPE_RRSIG, "RRSIG compressed signer",
	  "0001080200000e1065badf00659200803039 c00c 00" },
	{ SL_TYPE_NSEC, "NSEC bad name", "0461" },
	{ SL_TYPE_NSEC, "NSEC window len 0", "00 0000" },
	{ SL_TYPE_NSEC, "NSEC window len 33",
	  "00 0021 40" "0000000000000000000000000000000000000000000000000000000000000000" },
	{ SL_TYPE_NSEC, "NSEC windows not increasing", "00 000140 000140" },
	{ SL_TYPE_NSEC, "NSEC windows decreasing", "00 010140 000140" },
	{ SL_TYPE_NSEC, "NSEC window overrun", "00 000240" },
	{ SL_TYPE_NSEC, "NSEC window header cut", "00 00" },
	{ SL_TYPE_NSEC3, "NSEC3 empty hash", "01000000 00 00" },
	{ SL_TYPE_NSEC3, "NSEC3 salt overrun", "01000000 05aabb" },
	{ SL_TYPE_NSEC3, "NSEC3 hash overrun", "01000000 00 1466" },
	{ SL_TYPE_NSEC3, "NSEC3 bad bitmap", "01000000 00 0166 0000" },
	{ SL_TYPE_NSEC3PARAM, "NSEC3PARAM trailing", "01000000 00 ff" },
	{ SL_TYPE_NSEC3PARAM, "NSEC3PARAM salt overrun", "01000000 01" },
	{ SL_TYPE_SVCB, "SVCB no target", "0001" },
	{ SL_TYPE_SVCB, "SVCB compressed target", "0001 c00c" },
	{ SL_TYPE_SVCB, "SVCB param header cut", "0001 00 0003 00" },
	{ SL_TYPE_SVCB, "SVCB value overrun", "0001 00 0003 0002 01" },
	{ SL_TYPE_SVCB, "SVCB keys not increasing", "0001 00 0003 0002 01bb 0001 0003 026832" },
	{ SL_TYPE_SVCB, "SVCB duplicate key", "0001 00 0003 0002 01bb 0003 0002 01bb" },
	{ SL_TYPE_SVCB, "SVCB port length 3", "0001 00 0003 0003 01bb00" },
	{ SL_TYPE_SVCB, "SVCB alpn empty id", "0001 00 0001 0003 00 0161" },
	{ SL_TYPE_SVCB, "SVCB alpn id overrun", "0001 00 0001 0002 0361" },
	{ SL_TYPE_SVCB, "SVCB alpn empty", "0001 00 0001 0000" },
	{ SL_TYPE_SVCB, "SVCB no-default-alpn value", "0001 00 0002 0001 00" },
	{ SL_TYPE_SVCB, "SVCB ipv4hint length", "0001 00 0004 0005 c000020101" },
	{ SL_TYPE_SVCB, "SVCB ipv6hint empty", "0001 00 0006 0000" },
	{ SL_TYPE_SVCB, "SVCB mandatory key missing", "0001 00 0000 0002 0003" },
	{ SL_TYPE_SVCB, "SVCB mandatory lists itself", "0001 00 0000 0002 0000" },
	{ SL_TYPE_SVCB, "SVCB mandatory unsorted",
	  "0001 00 0000 0004 00030001 0001 0003 026832 0003 0002 01bb" },
	{ SL_TYPE_SVCB, "SVCB mandatory odd", "0001 00 0000 0003 000300 0003 0002 01bb" },
	{ SL_TYPE_SVCB, "SVCB key 65535", "0001 00 ffff 0000" },
	{ SL_TYPE_HTTPS, "HTTPS trailing param octets", "0001 00 0003 0002 01bb 00" },
	{ SL_TYPE_CAA, "CAA empty tag", "00 00" },
	{ SL_TYPE_CAA, "CAA tag not alphanumeric", "00 03 612d62" },
	{ SL_TYPE_CAA, "CAA tag overrun", "00 05 6973" },
	{ SL_TYPE_CAA, "CAA no tag", "00" },
	{ SL_TYPE_TSIG, "TSIG MAC overrun", "00 000000000000 012c 0020 0102" },
	{ SL_TYPE_TSIG, "TSIG no other length", "00 000000000000 012c 0000 04d2 0000" },
	{ SL_TYPE_TSIG, "TSIG other overrun", "00 000000000000 012c 0000 04d2 0000 0006 0000" },
	{ SL_TYPE_TSIG, "TSIG trailing", "00 000000000000 012c 0000 04d2 0000 0000 00" },
	{ SL_TYPE_OPT, "OPT option overrun", "000a 0008 01020304" },
	{ SL_TYPE_OPT, "OPT option header cut", "000a 00" },
	{ SL_TYPE_KEY, "KEY short", "0100" },
	{ SL_TYPE_SIG, "SIG truncated", "0001080200000e10" },
	{ T_MINFO, "MINFO one name", "00" },
	{ T_RP, "RP trailing", "00 00 00" },
	{ T_AFSDB, "AFSDB no name", "0001" },
	{ T_PX, "PX one name", "000a 00" },
	{ T_KX, "KX bad name", "000a 01" },
	{ T_RT, "RT no name", "000a" },
	{ T_MB, "MB trailing", "00 00" },
	{ T_MD, "MD empty", "" },
	{ T_MF, "MF unterminated", "0161" },
	{ T_MG, "MG compressed in storage", "c00c" },
	{ T_MR, "MR label overrun", "0261 00" },
	{ SL_TYPE_PTR, "PTR trailing", "00 00" },
	{ SL_TYPE_CDS, "CDS short", "0000 00" },
	{ SL_TYPE_CDNSKEY, "CDNSKEY short", "0000 03" },
	{ SL_TYPE_SPF, "SPF empty", "" },
	{ SL_TYPE_SPF, "SPF string overrun", "0361" },
	{ SL_TYPE_URI, "URI empty target", "000a 0001" },
	{ SL_TYPE_URI, "URI short", "000a" },
	{ SL_TYPE_CERT, "CERT no certificate", "0001 0000 08" },
	{ SL_TYPE_CERT, "CERT short", "0001 00" },
	{ SL_TYPE_LOC, "LOC version 1", "01 12 16 13 80000000 80000000 00989680" },
	{ SL_TYPE_LOC, "LOC 15 octets", "00 12 16 13 80000000 80000000 009896" },
	{ SL_TYPE_LOC, "LOC 17 octets", "00 12 16 13 80000000 80000000 00989680 00" },
	{ SL_TYPE_LOC, "LOC size mantissa 0", "00 05 16 13 80000000 80000000 00989680" },
	{ SL_TYPE_LOC, "LOC hp mantissa 10", "00 12 a0 13 80000000 80000000 00989680" },
	{ SL_TYPE_LOC, "LOC vp exponent 10", "00 12 16 1a 80000000 80000000 00989680" },
	{ SL_TYPE_LOC, "LOC beyond the north pole", "00 12 16 13 934fd901 80000000 00989680" },
	{ SL_TYPE_LOC, "LOC beyond 180 W", "00 12 16 13 80000000 59604dff 00989680" },
	{ SL_TYPE_LOC, "LOC empty", "" },
	{ SL_TYPE_OPENPGPKEY, "OPENPGPKEY empty", "" },
	{ SL_TYPE_DHCID, "DHCID empty", "" },
	{ SL_TYPE_SMIMEA, "SMIMEA short", "0301" },
	{ SL_TYPE_ZONEMD, "ZONEMD 11-octet digest", "00000001 00 01 0102030405060708090a0b" },
	{ SL_TYPE_ZONEMD, "ZONEMD no digest", "00000001 00 01" },
	{ SL_TYPE_ZONEMD, "ZONEMD short", "000000" },
	{ SL_TYPE_CSYNC, "CSYNC short", "00000001 00" },
	{ SL_TYPE_CSYNC, "CSYNC window len 0", "00000001 0000 00 00" },
	{ SL_TYPE_EUI48, "EUI48 5 octets", "00005e0053" },
	{ SL_TYPE_EUI48, "EUI48 7 octets", "00005e00532a00" },
	{ SL_TYPE_EUI64, "EUI64 7 octets", "00005eef100000" },
	{ SL_TYPE_NID, "NID 9 octets", "000a 00000000000000" },
	{ SL_TYPE_L32, "L32 5 octets", "000a 0a0102" },
	{ SL_TYPE_L64, "L64 11 octets", "000a 20010db81140100000" },
	{ SL_TYPE_LP, "LP no name", "000a" },
	{ SL_TYPE_LP, "LP compressed in storage", "000a c00c" },
	{ SL_TYPE_IPSECKEY, "IPSECKEY gateway type 4", "0a 04 02 01" },
	{ SL_TYPE_IPSECKEY, "IPSECKEY IPv4 gateway cut", "0a 01 02 c00002" },
	{ SL_TYPE_IPSECKEY, "IPSECKEY IPv6 gateway cut", "0a 02 02 20010db8" },
	{ SL_TYPE_IPSECKEY, "IPSECKEY no key", "0a 00 02" },
	{ SL_TYPE_IPSECKEY, "IPSECKEY no key after name", "0a 03 02 00" },
	{ SL_TYPE_IPSECKEY, "IPSECKEY compressed gateway", "0a 03 02 c00c 01" },
	{ SL_TYPE_IPSECKEY, "IPSECKEY gateway name overrun", "0a 03 02 05 61 00" },
	{ SL_TYPE_IPSECKEY, "IPSECKEY no algorithm", "0a 00" },
	{ SL_TYPE_WKS, "WKS no protocol", "c0000201" },
	{ SL_TYPE_WKS, "WKS short address", "c00002" },
	{ SL_TYPE_APL, "APL family 3", "0003 00 00" },
	{ SL_TYPE_APL, "APL item truncated", "0001 20" },
	{ SL_TYPE_APL, "APL address overrun", "0001 20 05 0a000001" },
	{ SL_TYPE_APL, "APL trailing zero octet", "0001 20 01 00" },
	{ SL_TYPE_APL, "APL IPv4 prefix 33", "0001 21 01 0a" },
	{ SL_TYPE_APL, "APL IPv4 5-octet address", "0001 20 05 0a00000101" },
	{ SL_TYPE_APL, "APL IPv6 prefix 129", "0002 81 01 20" },
	{ SL_TYPE_APL, "APL second item cut", "0001 08 01 0a 0001" },
};

START_TEST(test_bad_wire)
{
	const struct bad_wire *tc = &bad_wire_cases[_i];
	uint8_t rd[512], msg[16 + 512], out[SL_RDATA_MAXLEN];
	size_t len = unhex(tc->hex, rd, sizeof(rd)), outlen = 0;
	char text[2048], want[2048];
	sl_rdata_names_t names;
	int n, rc;

	ck_assert_msg(sl_rdata_check(tc->type, rd, len) == SL_EMALFORMED, "%s: accepted", tc->what);
	ck_assert_int_eq(sl_rdata_names(tc->type, rd, len, &names), SL_EMALFORMED);

	/* In a message: same verdict (compressed names may turn into loops). */
	/* 0xff never starts a valid name, so stray pointers cannot resolve. */
	memset(msg, 0xff, 16);
	memcpy(msg + 16, rd, len);
	rc = sl_rdata_unpack(tc->type, msg, 16 + len, 16, (uint16_t)len, out, sizeof(out), &outlen);
	ck_assert_msg(rc == SL_EMALFORMED || rc == SL_ELOOP, "%s: unpack %d", tc->what, rc);

	/* Printing falls back to RFC 3597 form. */
	n = sl_rdata_to_text(tc->type, rd, len, text, sizeof(text));
	ck_assert_int_ge(n, 0);
	snprintf(want, sizeof(want), "\\# %zu", len);
	for (size_t i = 0; i < len; i++) {
		if (i == 0)
			strcat(want, " ");
		snprintf(want + strlen(want), 3, "%02X", rd[i]);
	}
	ck_assert_str_eq(text, want);
}
END_TEST

/* Valid-but-unusual wire forms that must be accepted. */
static const struct bad_wire ok_wire_cases[] = {
	/* RFC 4034 asks senders to drop trailing zero octets; receivers accept them. */
	{ SL_TYPE_NSEC, "NSEC trailing zero octet", "00 0002 4000" },
	{ SL_TYPE_NSEC, "NSEC empty bitmap", "00" },
	{ SL_TYPE_NSEC, "NSEC window listing no type", "00 0003 000000" },
	{ SL_TYPE_NSEC, "NSEC window 255", "00 ff01 80" },
	{ SL_TYPE_DNSKEY, "DNSKEY empty key", "0101 03 08" },
	{ SL_TYPE_DS, "DS empty digest", "3039 08 02" },
	{ SL_TYPE_SVCB, "SVCB opaque ech", "0001 00 0005 0000" },
	{ SL_TYPE_SVCB, "SVCB only unknown key", "0001 00 fffe 0001 41" },
	{ SL_TYPE_CAA, "CAA empty value", "00 01 61" },
	{ SL_TYPE_TXT, "TXT 255-octet string",
	  "ff 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	  "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
	  "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
	  "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
	  "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
	  "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
	  "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
	  "e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfe" },
	{ SL_TYPE_LOC, "LOC zero sizes", "00 00 00 00 80000000 80000000 00989680" },
	{ SL_TYPE_LOC, "LOC poles and antimeridian", "00 99 99 99 934fd900 59604e00 ffffffff" },
	{ SL_TYPE_WKS, "WKS no services", "c0000201 06" },
	{ SL_TYPE_WKS, "WKS trailing zero octets", "c0000201 06 400000" },
	{ SL_TYPE_APL, "APL empty", "" },
	{ SL_TYPE_IPSECKEY, "IPSECKEY root gateway", "0a 03 00 00 01" },
	{ SL_TYPE_URI, "URI control octets", "0000 0000 00ff0a" },
	{ T_PRIVATE, "unknown type, any octets", "c00c" },
	{ T_PRIVATE, "unknown type, empty", "" },
};

START_TEST(test_ok_wire)
{
	const struct bad_wire *tc = &ok_wire_cases[_i];
	uint8_t rd[512], back[SL_RDATA_MAXLEN];
	size_t len = unhex(tc->hex, rd, sizeof(rd)), blen;
	char text[2048], err[128];
	int n;

	ck_assert_msg(sl_rdata_check(tc->type, rd, len) == SL_OK, "%s: rejected", tc->what);
	n = sl_rdata_to_text(tc->type, rd, len, text, sizeof(text));
	ck_assert_int_ge(n, 0);
	ck_assert_msg(tc->type == T_PRIVATE || strncmp(text, "\\#", 2) != 0,
		      "%s printed generically: %s", tc->what, text);
	/* Whatever we print must parse again into valid RDATA. */
	ck_assert_msg(sl_rdata_from_text(tc->type, text, (size_t)n, NULL, back, sizeof(back), &blen,
					 err, sizeof(err)) == SL_OK,
		      "%s: \"%s\" does not parse: %s", tc->what, text, err);
	ck_assert_int_eq(sl_rdata_check(tc->type, back, blen), SL_OK);
}
END_TEST

START_TEST(test_nsec_noncanonical_prints_types)
{
	/* Trailing zero octet: printed as types, re-encoded minimally. */
	const uint8_t rd[] = { 0, 0, 2, 0x40, 0x00 };
	const uint8_t min[] = { 0, 0, 1, 0x40 };
	uint8_t back[16];
	size_t blen;
	char text[64];

	ck_assert_int_eq(sl_rdata_to_text(SL_TYPE_NSEC, rd, sizeof(rd), text, sizeof(text)), 3);
	ck_assert_str_eq(text, ". A");
	ck_assert_int_eq(sl_rdata_from_text(SL_TYPE_NSEC, text, 3, NULL, back, sizeof(back), &blen,
					    NULL, 0), SL_OK);
	assert_bytes(back, blen, min, sizeof(min), "minimal bitmap");
}
END_TEST

/* ---------------------------------------------------------------------------
 * sl_rdata_unpack on hand-built messages with compression.
 */

/*
 * 12-octet header, then at 12: "example.com." (13 octets), QTYPE/QCLASS, and
 * the RDATA under test at 29 (RR headers are irrelevant to the codec).
 */
#define MSG_PREFIX                                                                          \
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', \
		'm', 0, 0, 15, 0, 1
#define RDPOS 29
#define PTR_EXAMPLE_COM 0xc0, 12

struct unpack_case {
	const char *what;
	uint16_t type;
	const uint8_t *msg;
	size_t msglen;
	uint16_t rdlen; /* 0: up to the end of the message */
	int rc;
	const char *text; /* expected presentation of the result when rc == SL_OK */
	size_t outcap;    /* 0: plenty */
};

#define M(...)                                   \
	(const uint8_t[]){ MSG_PREFIX, __VA_ARGS__ }, \
		sizeof((const uint8_t[]){ MSG_PREFIX, __VA_ARGS__ })

static const struct unpack_case unpack_cases[] = {
	{ "MX pointer", SL_TYPE_MX, M(0, 10, 4, 'm', 'a', 'i', 'l', PTR_EXAMPLE_COM), 0, SL_OK,
	  "10 mail.example.com.", 0 },
	{ "NS pointer only", SL_TYPE_NS, M(PTR_EXAMPLE_COM), 0, SL_OK, "example.com.", 0 },
	{ "CNAME pointer to suffix", SL_TYPE_CNAME, M(3, 'w', 'w', 'w', 0xc0, 20), 0, SL_OK,
	  "www.com.", 0 },
	{ "SOA two pointers", SL_TYPE_SOA,
	  M(2, 'n', 's', PTR_EXAMPLE_COM, 4, 'h', 'o', 's', 't', PTR_EXAMPLE_COM,
	    0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 5),
	  0, SL_OK, "ns.example.com. host.example.com. 1 2 3 4 5", 0 },
	/* The rname points at the mname inside this very RDATA. */
	{ "SOA pointer into own RDATA", SL_TYPE_SOA,
	  M(2, 'n', 's', PTR_EXAMPLE_COM, 0xc0, RDPOS,
	    0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 5),
	  0, SL_OK, "ns.example.com. ns.example.com. 1 2 3 4 5", 0 },
	{ "PTR uncompressed", SL_TYPE_PTR, M(1, 'a', 0), 0, SL_OK, "a.", 0 },
	{ "MINFO pointers", T_MINFO, M(PTR_EXAMPLE_COM, PTR_EXAMPLE_COM), 0, SL_OK,
	  "example.com. example.com.", 0 },
	{ "RP decompressed", T_RP, M(1, 'a', PTR_EXAMPLE_COM, PTR_EXAMPLE_COM), 0, SL_OK,
	  "a.example.com. example.com.", 0 },
	{ "AFSDB decompressed", T_AFSDB, M(0, 1, PTR_EXAMPLE_COM), 0, SL_OK, "1 example.com.", 0 },
	{ "PX decompressed", T_PX, M(0, 1, PTR_EXAMPLE_COM, 1, 'x', 0), 0, SL_OK,
	  "1 example.com. x.", 0 },
	{ "MB decompressed", T_MB, M(PTR_EXAMPLE_COM), 0, SL_OK, "example.com.", 0 },
	/* Names that must not be compressed. */
	{ "SRV pointer", SL_TYPE_SRV, M(0, 0, 0, 0, 0, 0, PTR_EXAMPLE_COM), 0, SL_EMALFORMED,
	  NULL, 0 },
	{ "NAPTR pointer", SL_TYPE_NAPTR, M(0, 1, 0, 1, 0, 0, 0, PTR_EXAMPLE_COM), 0,
	  SL_EMALFORMED, NULL, 0 },
	{ "DNAME pointer", SL_TYPE_DNAME, M(PTR_EXAMPLE_COM), 0, SL_EMALFORMED, NULL, 0 },
	{ "NSEC pointer", SL_TYPE_NSEC, M(PTR_EXAMPLE_COM, 0, 1, 0x40), 0, SL_EMALFORMED, NULL, 0 },
	{ "KX pointer", T_KX, M(0, 1, PTR_EXAMPLE_COM), 0, SL_EMALFORMED, NULL, 0 },
	{ "SVCB pointer", SL_TYPE_SVCB, M(0, 1, PTR_EXAMPLE_COM), 0, SL_EMALFORMED, NULL, 0 },
	{ "LP pointer", SL_TYPE_LP, M(0, 1, PTR_EXAMPLE_COM), 0, SL_EMALFORMED, NULL, 0 },
	{ "IPSECKEY pointer", SL_TYPE_IPSECKEY, M(1, 3, 0, PTR_EXAMPLE_COM, 1), 0, SL_EMALFORMED,
	  NULL, 0 },
	{ "TSIG pointer", SL_TYPE_TSIG,
	  M(PTR_EXAMPLE_COM, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), 0, SL_EMALFORMED,
	  NULL, 0 },
	/* Hostile pointers. */
	{ "MX forward pointer", SL_TYPE_MX, M(0, 10, 0xc0, 40, 0), 0, SL_ELOOP, NULL, 0 },
	{ "NS self pointer", SL_TYPE_NS, M(0xc0, RDPOS), 0, SL_ELOOP, NULL, 0 },
	{ "NS pointer cut", SL_TYPE_NS, M(0xc0), 0, SL_EMALFORMED, NULL, 0 },
	/* The name runs past RDLENGTH into what follows: must not be read. */
	{ "MX name beyond RDLENGTH", SL_TYPE_MX, M(0, 10, 4, 'm', 'a', 'i', 'l', PTR_EXAMPLE_COM),
	  7, SL_EMALFORMED, NULL, 0 },
	{ "MX trailing after name", SL_TYPE_MX, M(0, 10, PTR_EXAMPLE_COM, 0), 0, SL_EMALFORMED,
	  NULL, 0 },
	{ "RDLENGTH beyond message", SL_TYPE_MX, M(0, 10, 0), 10, SL_EMALFORMED, NULL, 0 },
	/* Decompression grows the RDATA: 4 octets become 15. */
	{ "MX output too small", SL_TYPE_MX, M(0, 10, PTR_EXAMPLE_COM), 0, SL_ESPACE, NULL, 14 },
	{ "MX output exact", SL_TYPE_MX, M(0, 10, PTR_EXAMPLE_COM), 0, SL_OK,
	  "10 example.com.", 15 },
	{ "unknown type output too small", T_PRIVATE, M(1, 2, 3), 0, SL_ESPACE, NULL, 2 },
	{ "unknown type copies pointers verbatim", T_PRIVATE, M(PTR_EXAMPLE_COM), 0, SL_OK,
	  "\\# 2 C00C", 0 },
};

START_TEST(test_unpack)
{
	const struct unpack_case *tc = &unpack_cases[_i];
	uint16_t rdlen = tc->rdlen ? tc->rdlen : (uint16_t)(tc->msglen - RDPOS);
	size_t cap = tc->outcap ? tc->outcap : SL_RDATA_MAXLEN;
	uint8_t *out = malloc(cap);
	size_t outlen = 0;
	char text[1024];
	int rc;

	ck_assert_ptr_nonnull(out);
	rc = sl_rdata_unpack(tc->type, tc->msg, tc->msglen, RDPOS, rdlen, out, cap, &outlen);
	ck_assert_msg(rc == tc->rc, "%s: rc %d, want %d", tc->what, rc, tc->rc);
	if (rc == SL_OK) {
		ck_assert_int_eq(sl_rdata_check(tc->type, out, outlen), SL_OK);
		ck_assert_int_ge(sl_rdata_to_text(tc->type, out, outlen, text, sizeof(text)), 0);
		ck_assert_str_eq(text, tc->text);
	}
	free(out);
}
END_TEST

START_TEST(test_unpack_pos_out_of_range)
{
	const uint8_t msg[4] = { 0 };
	uint8_t out[16];
	size_t outlen;

	ck_assert_int_eq(sl_rdata_unpack(SL_TYPE_A, msg, sizeof(msg), 5, 0, out, sizeof(out),
					 &outlen), SL_EMALFORMED);
	ck_assert_int_eq(sl_rdata_unpack(T_PRIVATE, msg, sizeof(msg), 2, 3, out, sizeof(out),
					 &outlen), SL_EMALFORMED);
}
END_TEST

/* ---------------------------------------------------------------------------
 * Text errors.
 */

struct text_err {
	uint16_t type;
	const char *in;
	int rc;
	const char *msg; /* substring of the error message, or NULL */
};

#define LONG63 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define STR64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static const struct text_err text_err_cases[] = {
	/* Addresses */
	{ SL_TYPE_A, "256.0.0.1", SL_ESYNTAX, "A address: bad IPv4 address" },
	{ SL_TYPE_A, "1.2.3", SL_ESYNTAX, "bad IPv4" },
	{ SL_TYPE_A, "01.2.3.4", SL_ESYNTAX, "bad IPv4" },
	{ SL_TYPE_A, "1.2.3.4 5", SL_ESYNTAX, "A: unexpected trailing data" },
	{ SL_TYPE_A, "", SL_ESYNTAX, "A address: missing" },
	{ SL_TYPE_A, "   ", SL_ESYNTAX, "missing" },
	{ SL_TYPE_A, "\"1.2.3.4\"", SL_ESYNTAX, "bad IPv4" },
	{ SL_TYPE_AAAA, "2001:db8::g", SL_ESYNTAX, "bad IPv6" },
	{ SL_TYPE_AAAA, "1.2.3.4", SL_ESYNTAX, "bad IPv6" },
	/* Numbers */
	{ SL_TYPE_MX, "65536 mail.", SL_ESYNTAX, "MX preference: out of range" },
	{ SL_TYPE_MX, "-1 mail.", SL_ESYNTAX, "MX preference: not a number" },
	{ SL_TYPE_MX, "+1 mail.", SL_ESYNTAX, "not a number" },
	{ SL_TYPE_MX, "0x10 mail.", SL_ESYNTAX, "not a number" },
	{ SL_TYPE_MX, "10", SL_ESYNTAX, "MX exchange: missing" },
	{ SL_TYPE_MX, "99999999999999999999999 mail.", SL_ESYNTAX, "out of range" },
	{ SL_TYPE_SOA, "ns. host. x 1 2 3 4", SL_ESYNTAX, "SOA serial: not a number" },
	{ SL_TYPE_SOA, "ns. host. 4294967296 1 2 3 4", SL_ESYNTAX, "SOA serial: out of range" },
	{ SL_TYPE_SOA, "ns. host. 1h 1 2 3 4", SL_ESYNTAX, "SOA serial: not a number" },
	{ SL_TYPE_SOA, "ns. host. 1 1h30 2 3 4", SL_ESYNTAX, "SOA refresh" },
	{ SL_TYPE_SOA, "ns. host. 1 1x 2 3 4", SL_ESYNTAX, "SOA refresh" },
	{ SL_TYPE_SOA, "ns. host. 1 h 2 3 4", SL_ESYNTAX, "SOA refresh" },
	{ SL_TYPE_SOA, "ns. host. 1 7102w 2 3 4", SL_ESYNTAX, "SOA refresh: out of range" },
	{ SL_TYPE_SOA, "ns. host. 1 2 3 4", SL_ESYNTAX, "SOA minimum: missing" },
	{ SL_TYPE_SOA, "ns. host. 1 2 3 4 5 6", SL_ESYNTAX, "trailing" },
	{ SL_TYPE_SRV, "0 0 65536 x.", SL_ESYNTAX, "SRV port: out of range" },
	{ SL_TYPE_SSHFP, "256 1 00", SL_ESYNTAX, "SSHFP algorithm: out of range" },
	{ SL_TYPE_TSIG, "hmac-sha256. 281474976710656 300 0 1 0 0", SL_ESYNTAX,
	  "TSIG time signed: out of range" },
	/* Names */
	{ SL_TYPE_NS, "a..b.", SL_ESYNTAX, "NS nsdname: bad domain name" },
	{ SL_TYPE_NS, "\"quoted.\"", SL_ESYNTAX, "expected a domain name" },
	{ SL_TYPE_NS, LONG63 "." LONG63 "." LONG63 "." LONG63 ".", SL_ELIMIT, "name too long" },
	{ SL_TYPE_NS, "a" LONG63 ".", SL_ELIMIT, NULL },
	/* Strings */
	{ SL_TYPE_TXT, "", SL_ESYNTAX, "TXT text: missing" },
	{ SL_TYPE_TXT, "\"abc", SL_ESYNTAX, "unterminated quoted string" },
	{ SL_TYPE_TXT, "abc\\", SL_ESYNTAX, "backslash" },
	{ SL_TYPE_TXT, "\"\\256\"", SL_ESYNTAX, "bad escape" },
	{ SL_TYPE_TXT, "\"\\12\"", SL_ESYNTAX, "bad escape" },
	{ SL_TYPE_TXT, "\"" STR64 STR64 STR64 STR64 "\"", SL_ELIMIT, "longer than 255" },
	{ SL_TYPE_HINFO, "\"PC\"", SL_ESYNTAX, "HINFO os: missing" },
	{ SL_TYPE_NAPTR, "1 1 \"S\" \"x\" \"\"", SL_ESYNTAX, "NAPTR replacement: missing" },
	/* RFC 3597 */
	{ T_PRIVATE, "abc", SL_ESYNTAX, "\\#" },
	{ T_PRIVATE, "\\# 3 0a00", SL_ESYNTAX, "length does not match data" },
	{ T_PRIVATE, "\\# 1 0a00", SL_ESYNTAX, "length does not match data" },
	{ T_PRIVATE, "\\# 65536", SL_ESYNTAX, "out of range" },
	{ T_PRIVATE, "\\#", SL_ESYNTAX, "missing" },
	{ T_PRIVATE, "\\# 2 0g00", SL_ESYNTAX, "bad hex" },
	{ T_PRIVATE, "\\# 2 0a0", SL_ESYNTAX, "bad hex" },
	{ SL_TYPE_A, "\\# 3 0a0000", SL_ESYNTAX, "not valid RDATA" },
	{ SL_TYPE_NS, "\\# 2 c00c", SL_ESYNTAX, "not valid RDATA" },
	{ SL_TYPE_OPT, "1 2 3", SL_ESYNTAX, "\\#" },
	{ SL_TYPE_OPT, "\\# 3 000a00", SL_ESYNTAX, "not valid RDATA" },
	/* DNSSEC */
	{ SL_TYPE_RRSIG, "FOO 8 2 3600 20240201000000 20240101000000 1 . AA==", SL_ESYNTAX,
	  "RRSIG type covered: unknown type" },
	{ SL_TYPE_RRSIG, "A 8 2 3600 20241301000000 20240101000000 1 . AA==", SL_ESYNTAX,
	  "RRSIG expiration: not a valid date" },
	{ SL_TYPE_RRSIG, "A 8 2 3600 20230229000000 20240101000000 1 . AA==", SL_ESYNTAX,
	  "not a valid date" },
	{ SL_TYPE_RRSIG, "A 8 2 3600 19691231235959 20240101000000 1 . AA==", SL_ESYNTAX,
	  "not a valid date" },
	{ SL_TYPE_RRSIG, "A 8 2 3600 21060207062816 20240101000000 1 . AA==", SL_ESYNTAX,
	  "RRSIG expiration: out of range" },
	{ SL_TYPE_RRSIG, "A 8 2 3600 2024020100000x 20240101000000 1 . AA==", SL_ESYNTAX,
	  "not a time" },
	{ SL_TYPE_RRSIG, "A 8 2 3600 4294967296 20240101000000 1 . AA==", SL_ESYNTAX,
	  "out of range" },
	{ SL_TYPE_RRSIG, "A 8 2 3600 20240201000000 20240101000000 1 . A===", SL_ESYNTAX,
	  "RRSIG signature: bad base64" },
	{ SL_TYPE_RRSIG, "A 8 2 3600 20240201000000 20240101000000 1", SL_ESYNTAX,
	  "RRSIG signer: missing" },
	{ SL_TYPE_DNSKEY, "257 3 8 AwEAAc3b Ap==", SL_ESYNTAX, "DNSKEY public key: bad base64" },
	{ SL_TYPE_DNSKEY, "257 3 8 AQ=", SL_ESYNTAX, "bad base64" },
	{ SL_TYPE_DNSKEY, "257 3 8 AQ==AQ==", SL_ESYNTAX, "bad base64" },
	{ SL_TYPE_DNSKEY, "257 3 8 AQ", SL_ESYNTAX, "bad base64" },
	{ SL_TYPE_DNSKEY, "257 3 8 A", SL_ESYNTAX, "bad base64" },
	{ SL_TYPE_DNSKEY, "257 3 8 ====", SL_ESYNTAX, "bad base64" },
	{ SL_TYPE_DNSKEY, "257 3 8 AQ==\"", SL_ESYNTAX, NULL },
	{ SL_TYPE_DS, "1 8 2 abc", SL_ESYNTAX, "DS digest: bad hex" },
	{ SL_TYPE_DS, "1 8 2 zz", SL_ESYNTAX, "bad hex" },
	{ SL_TYPE_NSEC, "next. A FOO", SL_ESYNTAX, "NSEC type bitmap: unknown type" },
	{ SL_TYPE_NSEC, "next. TYPE65536", SL_ESYNTAX, "unknown type" },
	{ SL_TYPE_NSEC3, "1 0 0 xyz 2T7B4G4VSA5SMI47K61MV5BV1A22BOJR", SL_ESYNTAX,
	  "NSEC3 salt: bad hex" },
	{ SL_TYPE_NSEC3, "1 0 0 - 2T7B4G4VSA5SMI47K61MV5BV1A22BOJW", SL_ESYNTAX,
	  "NSEC3 next hashed owner: bad base32hex" },
	{ SL_TYPE_NSEC3, "1 0 0 - C", SL_ESYNTAX, "bad base32hex" },
	{ SL_TYPE_NSEC3, "1 0 0 - CPN", SL_ESYNTAX, "bad base32hex" },
	{ SL_TYPE_NSEC3, "1 0 0 - CP", SL_ESYNTAX, "bad base32hex" },
	{ SL_TYPE_NSEC3, "1 0 0 - CO=", SL_ESYNTAX, "bad base32hex" },
	{ SL_TYPE_NSEC3, "1 0 0 -", SL_ESYNTAX, "NSEC3 next hashed owner: missing" },
	{ SL_TYPE_NSEC3PARAM, "1 0 0 - extra", SL_ESYNTAX, "trailing" },
	{ SL_TYPE_NSEC3PARAM, "1 0 0 " STR64 STR64 STR64 STR64 STR64 STR64 STR64 STR64 "00",
	  SL_ESYNTAX, "longer than 255" },
	/* SVCB: RFC 9460 Appendix D.3 failure vectors and more. */
	{ SL_TYPE_SVCB, "1 foo.example.com. key123=abc key123=def", SL_ESYNTAX,
	  "duplicate SvcParamKey" },
	{ SL_TYPE_SVCB, "1 foo.example.com. port=53 port=53", SL_ESYNTAX, "duplicate" },
	{ SL_TYPE_SVCB, "1 foo.example.com. mandatory", SL_ESYNTAX, "value required" },
	{ SL_TYPE_SVCB, "1 foo.example.com. alpn", SL_ESYNTAX, "value required" },
	{ SL_TYPE_SVCB, "1 foo.example.com. port", SL_ESYNTAX, "value required" },
	{ SL_TYPE_SVCB, "1 foo.example.com. ipv4hint", SL_ESYNTAX, "value required" },
	{ SL_TYPE_SVCB, "1 foo.example.com. ipv6hint", SL_ESYNTAX, "value required" },
	{ SL_TYPE_SVCB, "1 foo.example.com. no-default-alpn=abc", SL_ESYNTAX, "no-default-alpn" },
	{ SL_TYPE_SVCB, "1 foo.example.com. mandatory=key123", SL_ESYNTAX,
	  "mandatory key missing" },
	{ SL_TYPE_SVCB, "1 foo.example.com. mandatory=mandatory", SL_ESYNTAX, "lists itself" },
	{ SL_TYPE_SVCB, "1 foo.example.com. mandatory=key123,key123 key123=abc", SL_ESYNTAX,
	  "mandatory: duplicate key" },
	{ SL_TYPE_SVCB, "1 . mandatory=foo", SL_ESYNTAX, "mandatory: bad key" },
	{ SL_TYPE_SVCB, "1 . foo=bar", SL_ESYNTAX, "unknown SvcParamKey" },
	{ SL_TYPE_SVCB, "1 . key65535=x", SL_ESYNTAX, "unknown SvcParamKey" },
	{ SL_TYPE_SVCB, "1 . key065=x", SL_ESYNTAX, "unknown SvcParamKey" },
	{ SL_TYPE_SVCB, "1 . key65536=x", SL_ESYNTAX, "unknown SvcParamKey" },
	{ SL_TYPE_SVCB, "1 . Port=53", SL_ESYNTAX, "unknown SvcParamKey" },
	{ SL_TYPE_SVCB, "1 . port=65536", SL_ESYNTAX, "out of range" },
	{ SL_TYPE_SVCB, "1 . port=53,54", SL_ESYNTAX, "one port only" },
	{ SL_TYPE_SVCB, "1 . port=", SL_ESYNTAX, "not a number" },
	{ SL_TYPE_SVCB, "1 . alpn=h2,,h3", SL_ESYNTAX, "empty protocol id" },
	{ SL_TYPE_SVCB, "1 . alpn=", SL_ESYNTAX, "empty protocol id" },
	{ SL_TYPE_SVCB, "1 . ipv4hint=192.0.2.1,", SL_ESYNTAX, "ipv4hint: bad address" },
	{ SL_TYPE_SVCB, "1 . ipv4hint=::1", SL_ESYNTAX, "ipv4hint: bad address" },
	{ SL_TYPE_SVCB, "1 . ipv6hint=192.0.2.1", SL_ESYNTAX, "ipv6hint: bad address" },
	{ SL_TYPE_SVCB, "1 . ech=!!", SL_ESYNTAX, "ech: bad base64" },
	{ SL_TYPE_SVCB, "1 . alpn=\"h2", SL_ESYNTAX, "unterminated" },
	{ SL_TYPE_SVCB, "1", SL_ESYNTAX, "SVCB target: missing" },
	{ SL_TYPE_SVCB, "1 . alpn=\"h2\\\"", SL_ESYNTAX, "unterminated" },
	/* CAA */
	{ SL_TYPE_CAA, "0 is-sue \"x\"", SL_ESYNTAX, "CAA tag not alphanumeric" },
	{ SL_TYPE_CAA, "0 \"\" \"x\"", SL_ESYNTAX, "empty CAA tag" },
	{ SL_TYPE_CAA, "0 issue", SL_ESYNTAX, "CAA value: missing" },
	{ SL_TYPE_CAA, "0 issue \"a\" \"b\"", SL_ESYNTAX, "trailing" },
	{ SL_TYPE_CAA, "256 issue \"a\"", SL_ESYNTAX, "CAA flags: out of range" },
	/* TSIG */
	{ SL_TYPE_TSIG, "hmac-sha256. 1 300 4 AAAAAAA= 1 0 0", SL_ESYNTAX,
	  "TSIG MAC: base64 does not match the stated length" },
	{ SL_TYPE_TSIG, "hmac-sha256. 1 300 2 AAAAAAAA 1 0 0", SL_ESYNTAX,
	  "TSIG MAC: base64 longer than the stated length" },
	{ SL_TYPE_TSIG, "hmac-sha256. 1 300 2 AA A=", SL_ESYNTAX, "TSIG original id: missing" },
	{ SL_TYPE_TSIG, "hmac-sha256. 1 300 0 1 NOSUCH 0", SL_ESYNTAX,
	  "TSIG error: not a number" },
	{ SL_TYPE_TSIG, "hmac-sha256. 1 300 0 1 0 2", SL_ESYNTAX, "TSIG other data: missing" },
	/* Types added for zone files; BIND refuses the same texts. */
	{ SL_TYPE_SPF, "", SL_ESYNTAX, "SPF text: missing" },
	{ SL_TYPE_URI, "10 1 noquote", SL_ESYNTAX, "URI target: expected a quoted string" },
	{ SL_TYPE_URI, "10 1 \"\"", SL_ESYNTAX, "empty URI target" },
	{ SL_TYPE_URI, "10 1 \"a\" \"b\"", SL_ESYNTAX, "trailing" },
	{ SL_TYPE_URI, "10 1", SL_ESYNTAX, "URI target: missing" },
	{ SL_TYPE_CERT, "1 0 0", SL_ESYNTAX, "CERT certificate: missing" },
	{ SL_TYPE_CERT, "1 65536 0 AA==", SL_ESYNTAX, "CERT key tag: out of range" },
	{ SL_TYPE_CERT, "X509 0 0 AA==", SL_ESYNTAX, "CERT type: not a number" },
	{ SL_TYPE_CERT, "1 0 RSASHA1-NSEC3-SHA1 AA==", SL_ESYNTAX, "CERT algorithm: not a number" },
	{ SL_TYPE_CERT, "1 0 256 AA==", SL_ESYNTAX, "CERT algorithm: out of range" },
	{ SL_TYPE_CERT, "1 0 0 AA=", SL_ESYNTAX, "CERT certificate: bad base64" },
	{ SL_TYPE_OPENPGPKEY, "", SL_ESYNTAX, "OPENPGPKEY public key: missing" },
	{ SL_TYPE_DHCID, "\\# 0", SL_ESYNTAX, "not valid RDATA" },
	{ SL_TYPE_ZONEMD, "1 0 1 0102030405060708090A0B", SL_ESYNTAX,
	  "digest shorter than 12 octets" },
	{ SL_TYPE_ZONEMD, "1 0 1", SL_ESYNTAX, "ZONEMD digest: missing" },
	{ SL_TYPE_CSYNC, "1 0 A BOGUS", SL_ESYNTAX, "CSYNC type bitmap: unknown type" },
	{ SL_TYPE_EUI48, "00-00-5e-00-53-2", SL_ESYNTAX, "EUI48 address: expected hex pairs" },
	{ SL_TYPE_EUI48, "00:00:5e:00:53:2a", SL_ESYNTAX, "expected hex pairs" },
	{ SL_TYPE_EUI48, "00-00-5e-00-53-2g", SL_ESYNTAX, "expected hex pairs" },
	{ SL_TYPE_EUI48, "00-00-5e-00-53-2a-01", SL_ESYNTAX, "expected hex pairs" },
	{ SL_TYPE_EUI64, "00-00-5e-00-53-2a", SL_ESYNTAX, "EUI64 address: expected hex pairs" },
	{ SL_TYPE_NID, "10 0:0:0", SL_ESYNTAX, "NID node id: expected x:x:x:x" },
	{ SL_TYPE_NID, "10 00000:0:0:1", SL_ESYNTAX, "expected x:x:x:x" },
	{ SL_TYPE_NID, "10 0:0:0:1:2", SL_ESYNTAX, "expected x:x:x:x" },
	{ SL_TYPE_NID, "10 0::0:1", SL_ESYNTAX, "expected x:x:x:x" },
	{ SL_TYPE_L64, "10 g:0:0:1", SL_ESYNTAX, "L64 locator: expected x:x:x:x" },
	{ SL_TYPE_L32, "10 1.2.3", SL_ESYNTAX, "L32 locator: bad IPv4 address" },
	{ SL_TYPE_LP, "10", SL_ESYNTAX, "LP fqdn: missing" },
	{ SL_TYPE_LOC, "90 1 N 0 E 0", SL_ESYNTAX, "LOC latitude: out of range" },
	{ SL_TYPE_LOC, "91 N 0 E 0", SL_ESYNTAX, "LOC latitude: out of range" },
	{ SL_TYPE_LOC, "0 60 N 0 E 0", SL_ESYNTAX, "out of range" },
	{ SL_TYPE_LOC, "0 0 60 N 0 E 0", SL_ESYNTAX, "out of range" },
	{ SL_TYPE_LOC, "0 0 59.9999 N 0 E 0", SL_ESYNTAX, "LOC latitude: not a number" },
	{ SL_TYPE_LOC, "0 0 -1 N 0 E 0", SL_ESYNTAX, "not a number" },
	{ SL_TYPE_LOC, "0 0 0 X 0 E 0", SL_ESYNTAX, "expected N or S" },
	{ SL_TYPE_LOC, "0 n 0 E 0", SL_ESYNTAX, "LOC latitude: not a number" },
	{ SL_TYPE_LOC, "0 N 180 0 0.001 E 0", SL_ESYNTAX, "LOC longitude: out of range" },
	{ SL_TYPE_LOC, "0 N 181 E 0", SL_ESYNTAX, "LOC longitude: out of range" },
	{ SL_TYPE_LOC, "0 N 0 0 0 N 0", SL_ESYNTAX, "expected E or W" },
	{ SL_TYPE_LOC, "0 N 0 E", SL_ESYNTAX, "LOC altitude: missing" },
	{ SL_TYPE_LOC, "0 N 0", SL_ESYNTAX, "LOC longitude: missing" },
	{ SL_TYPE_LOC, "", SL_ESYNTAX, "LOC latitude: missing" },
	{ SL_TYPE_LOC, "0 N 0 E 42849672.96m", SL_ESYNTAX, "LOC altitude: out of range" },
	{ SL_TYPE_LOC, "0 N 0 E -100000.01m", SL_ESYNTAX, "LOC altitude: out of range" },
	{ SL_TYPE_LOC, "0 N 0 E 99999999999m", SL_ESYNTAX, "LOC altitude: not a number" },
	{ SL_TYPE_LOC, "0 N 0 E 1.234m", SL_ESYNTAX, "LOC altitude: not a number" },
	{ SL_TYPE_LOC, "0 N 0 E m", SL_ESYNTAX, "LOC altitude: not a number" },
	{ SL_TYPE_LOC, "0 N 0 E 0m 1M", SL_ESYNTAX, "LOC size: not a number" },
	{ SL_TYPE_LOC, "0 N 0 E 0 -1", SL_ESYNTAX, "LOC size: not a number" },
	{ SL_TYPE_LOC, "0 N 0 E 0 90000001", SL_ESYNTAX, "LOC size: out of range" },
	{ SL_TYPE_LOC, "0 N 0 E 0 1 99999999", SL_ESYNTAX, "LOC horizontal precision: out of" },
	{ SL_TYPE_LOC, "0 N 0 E 0 1 2 3x", SL_ESYNTAX, "LOC vertical precision: not a number" },
	{ SL_TYPE_LOC, "0 N 0 E 0 1 2 3 4", SL_ESYNTAX, "LOC: unexpected trailing data" },
	{ SL_TYPE_IPSECKEY, "10 0 0 foo. AA==", SL_ESYNTAX, "IPSECKEY gateway: must be \".\"" },
	{ SL_TYPE_IPSECKEY, "10 4 0 . AA==", SL_ESYNTAX, "IPSECKEY gateway type: out of range" },
	{ SL_TYPE_IPSECKEY, "10 1 0 ::1 AA==", SL_ESYNTAX, "IPSECKEY gateway: bad IPv4 address" },
	{ SL_TYPE_IPSECKEY, "10 2 0 1.2.3.4 AA==", SL_ESYNTAX, "bad IPv6 address" },
	{ SL_TYPE_IPSECKEY, "10 3 0 a..b AA==", SL_ESYNTAX, "bad domain name" },
	{ SL_TYPE_IPSECKEY, "10 3 0 gw", SL_ESYNTAX, "IPSECKEY public key: missing" },
	{ SL_TYPE_IPSECKEY, "10 3 256", SL_ESYNTAX, "IPSECKEY algorithm: out of range" },
	{ SL_TYPE_IPSECKEY, "10 3 0", SL_ESYNTAX, "IPSECKEY gateway: missing" },
	{ SL_TYPE_WKS, "192.0.2.1 ftp", SL_ESYNTAX, "WKS protocol: not a number" },
	{ SL_TYPE_WKS, "192.0.2.1 256", SL_ESYNTAX, "WKS protocol: out of range" },
	{ SL_TYPE_WKS, "192.0.2.1 tcp 65536", SL_ESYNTAX, "WKS services: out of range" },
	{ SL_TYPE_WKS, "192.0.2.1 tcp gopher", SL_ESYNTAX, "WKS services: unknown service" },
	{ SL_TYPE_WKS, "192.0.2.1", SL_ESYNTAX, "WKS protocol: missing" },
	{ SL_TYPE_APL, "1:10/8", SL_ESYNTAX, "APL items: bad IPv4 address" },
	{ SL_TYPE_APL, "2:::1/129", SL_ESYNTAX, "APL items: out of range" },
	{ SL_TYPE_APL, "1:1.2.3.4/33", SL_ESYNTAX, "out of range" },
	{ SL_TYPE_APL, "3:1.2.3.4/8", SL_ESYNTAX, "address family not 1 or 2" },
	{ SL_TYPE_APL, "!!1:1.2.3.0/24", SL_ESYNTAX, "not a number" },
	{ SL_TYPE_APL, "1:1.2.3.0/24/", SL_ESYNTAX, "not a number" },
	{ SL_TYPE_APL, "1:1.2.3.0", SL_ESYNTAX, "expected [!]afi:address/prefix" },
	{ SL_TYPE_APL, "1:1.2.3.0/", SL_ESYNTAX, "not a number" },
	{ SL_TYPE_APL, "!", SL_ESYNTAX, "expected [!]afi:address/prefix" },
	{ SL_TYPE_APL, ":1.2.3.0/8", SL_ESYNTAX, "not a number" },
	/* Output space: the caller's buffer is too small. */
	{ SL_TYPE_NS, "a.very.long.name.example.", SL_ESPACE, "output buffer too small" },
};

START_TEST(test_text_errors)
{
	const struct text_err *tc = &text_err_cases[_i];
	uint8_t out[SL_RDATA_MAXLEN];
	size_t cap = tc->rc == SL_ESPACE ? 8 : sizeof(out), len = 12345;
	char err[160];
	int rc;

	memset(err, 'x', sizeof(err));
	rc = sl_rdata_from_text(tc->type, tc->in, strlen(tc->in), origin, out, cap, &len, err,
				sizeof(err));
	ck_assert_msg(rc == tc->rc, "\"%s\": rc %d want %d (%s)", tc->in, rc, tc->rc, err);
	ck_assert_uint_eq(len, 12345); /* untouched on failure */
	ck_assert_msg(memchr(err, '\0', sizeof(err)) != NULL, "error message not terminated");
	ck_assert_msg(err[0] != '\0', "\"%s\": no error message", tc->in);
	if (tc->msg)
		ck_assert_msg(strstr(err, tc->msg) != NULL, "\"%s\": message \"%s\" lacks \"%s\"",
			      tc->in, err, tc->msg);
}
END_TEST

START_TEST(test_text_misc)
{
	uint8_t out[64];
	size_t len;
	char err[8];

	/* Relative names need an origin. */
	ck_assert_int_eq(sl_rdata_from_text(SL_TYPE_NS, "ns", 2, NULL, out, sizeof(out), &len,
					    NULL, 0), SL_ESYNTAX);
	ck_assert_int_eq(sl_rdata_from_text(SL_TYPE_CNAME, "@", 1, NULL, out, sizeof(out), &len,
					    NULL, 0), SL_ESYNTAX);
	/* A tiny error buffer is truncated, still terminated. */
	ck_assert_int_eq(sl_rdata_from_text(SL_TYPE_A, "x", 1, NULL, out, sizeof(out), &len, err,
					    sizeof(err)), SL_ESYNTAX);
	ck_assert_uint_eq(strlen(err), sizeof(err) - 1);
	/* Text is bounded by len, not by a NUL. */
	ck_assert_int_eq(sl_rdata_from_text(SL_TYPE_A, "1.2.3.45", 7, NULL, out, sizeof(out), &len,
					    NULL, 0), SL_OK);
	ck_assert_uint_eq(len, 4);
	ck_assert_uint_eq(out[3], 4);
	/* Blanks of all kinds separate fields (continuation lines were joined). */
	ck_assert_int_eq(sl_rdata_from_text(SL_TYPE_MX, "\t10\r\n mx. ", 10, NULL, out,
					    sizeof(out), &len, NULL, 0), SL_OK);
	ck_assert_uint_eq(len, 6);
}
END_TEST

/* An RDATA of exactly 65535 octets is fine; one more is SL_ELIMIT. */
START_TEST(test_text_rdata_limit)
{
	static char text[2 * 65536 + 64];
	static uint8_t out[SL_RDATA_MAXLEN + 16];
	size_t len, p;

	for (size_t total = 65535; total <= 65536; total++) {
		p = (size_t)snprintf(text, sizeof(text), "\\# %zu ", total);
		for (size_t i = 0; i < total; i++, p += 2)
			memcpy(text + p, "ab", 2);
		ck_assert_int_eq(sl_rdata_from_text(T_PRIVATE, text, p, NULL, out, sizeof(out),
						    &len, NULL, 0),
				 total == 65535 ? SL_OK : SL_ESYNTAX);
	}
	/* Many 255-octet TXT strings overflowing 65535. */
	p = 0;
	for (unsigned i = 0; i < 300; i++) {
		text[p++] = '"';
		for (unsigned k = 0; k < 255; k++)
			text[p++] = 'x';
		text[p++] = '"';
		text[p++] = ' ';
	}
	ck_assert_int_eq(sl_rdata_from_text(SL_TYPE_TXT, text, p, NULL, out, sizeof(out), &len,
					    NULL, 0), SL_ELIMIT);
	ck_assert_int_eq(sl_rdata_from_text(SL_TYPE_TXT, text, p, NULL, out, 1000, &len, NULL, 0),
			 SL_ESPACE);
}
END_TEST

/* A WKS port bitmap may cover all 65536 ports (8192 octets), no more. */
START_TEST(test_wks_bitmap_limit)
{
	static uint8_t rd[5 + 8193];
	char *text = malloc(70000);

	ck_assert_ptr_nonnull(text);
	memset(rd, 0, sizeof(rd));
	rd[0] = 192, rd[4] = 6, rd[5 + 8191] = 1;
	ck_assert_int_eq(sl_rdata_check(SL_TYPE_WKS, rd, 5 + 8192), SL_OK);
	ck_assert_int_eq(sl_rdata_to_text(SL_TYPE_WKS, rd, 5 + 8192, text, 70000), 17);
	ck_assert_str_eq(text, "192.0.0.0 6 65535");
	ck_assert_int_eq(sl_rdata_check(SL_TYPE_WKS, rd, 5 + 8193), SL_EMALFORMED);
	free(text);
}
END_TEST

/*
 * SvcParams: keys in order cost nothing extra however many there are; out
 * of order, at most 64 are sorted in (each may move the whole RDATA).
 */
START_TEST(test_svcparams_many)
{
	static char text[70000];
	static uint8_t out[SL_RDATA_MAXLEN];
	char err[128];
	size_t p, len;
	unsigned k;

	/* 6000 keys ascending: accepted, sorted as given. */
	p = (size_t)snprintf(text, sizeof(text), "1 .");
	for (k = 8; k < 6008; k++)
		p += (size_t)snprintf(text + p, sizeof(text) - p, " key%u", k);
	ck_assert_int_eq(sl_rdata_from_text(SL_TYPE_SVCB, text, p, NULL, out, sizeof(out), &len,
					    err, sizeof(err)), SL_OK);
	ck_assert_uint_eq(len, 3 + 6000 * 4);
	ck_assert_int_eq(sl_rdata_check(SL_TYPE_SVCB, out, len), SL_OK);

	/* 65 keys descending: one in order, then 64 sorted in. */
	p = (size_t)snprintf(text, sizeof(text), "1 .");
	for (k = 1000; k > 935; k--)
		p += (size_t)snprintf(text + p, sizeof(text) - p, " key%u", k);
	ck_assert_int_eq(sl_rdata_from_text(SL_TYPE_SVCB, text, p, NULL, out, sizeof(out), &len,
					    err, sizeof(err)), SL_OK);
	ck_assert_int_eq(sl_rdata_check(SL_TYPE_SVCB, out, len), SL_OK);
	ck_assert_uint_eq(out[3] << 8 | out[4], 936);

	/* One more out of order is refused, quickly. */
	p += (size_t)snprintf(text + p, sizeof(text) - p, " key935");
	ck_assert_int_eq(sl_rdata_from_text(SL_TYPE_SVCB, text, p, NULL, out, sizeof(out), &len,
					    err, sizeof(err)), SL_ELIMIT);
	ck_assert_msg(strstr(err, "out of key order") != NULL, "%s", err);
}
END_TEST

/* ---------------------------------------------------------------------------
 * sl_rdata_names
 */

struct names_case {
	uint16_t type;
	const char *text;
	unsigned count;
	uint16_t off[SL_RDATA_MAX_NAMES];
	bool compressible;
	bool lower;
};

static const struct names_case names_cases[] = {
	{ SL_TYPE_SOA, "ns.example. h.example. 1 2 3 4 5", 2, { 0, 12 }, true, true },
	{ SL_TYPE_MX, "10 mail.example.", 1, { 2 }, true, true },
	{ SL_TYPE_NS, "ns.example.", 1, { 0 }, true, true },
	{ SL_TYPE_CNAME, "x.", 1, { 0 }, true, true },
	{ SL_TYPE_PTR, "x.", 1, { 0 }, true, true },
	{ T_MINFO, "a. b.", 2, { 0, 3 }, true, true },
	{ T_MB, "a.", 1, { 0 }, true, true },
	{ SL_TYPE_SRV, "0 5 5060 sip.example.", 1, { 6 }, false, true },
	{ SL_TYPE_RRSIG, "A 8 2 3600 20240201000000 20240101000000 12345 example. AA==", 1,
	  { 18 }, false, true },
	{ SL_TYPE_SIG, "A 8 2 3600 20240201000000 20240101000000 12345 example. AA==", 1, { 18 },
	  false, true },
	/* RFC 6840 §5.1: the NSEC next name is not lower-cased. */
	{ SL_TYPE_NSEC, "Next.Example. A NS", 1, { 0 }, false, false },
	{ SL_TYPE_NAPTR, "1 2 \"S\" \"\" \"\" x.", 1, { 8 }, false, true },
	{ SL_TYPE_DNAME, "x.", 1, { 0 }, false, true },
	{ T_RP, "a. b.", 2, { 0, 3 }, false, true },
	{ T_AFSDB, "1 a.", 1, { 2 }, false, true },
	{ T_RT, "1 a.", 1, { 2 }, false, true },
	{ T_PX, "1 a. b.", 2, { 2, 5 }, false, true },
	{ T_KX, "1 a.", 1, { 2 }, false, true },
	{ SL_TYPE_SVCB, "1 svc.example. alpn=h2", 1, { 2 }, false, false },
	{ SL_TYPE_HTTPS, "0 svc.example.", 1, { 2 }, false, false },
	{ SL_TYPE_TSIG, "hmac-sha256. 1 300 0 1 0 0", 1, { 0 }, false, false },
	{ SL_TYPE_A, "192.0.2.1", 0, { 0 }, false, false },
	{ SL_TYPE_TXT, "x", 0, { 0 }, false, false },
	{ SL_TYPE_NSEC3, "1 0 0 - CO A", 0, { 0 }, false, false },
	{ T_PRIVATE, "\\# 2 c00c", 0, { 0 }, false, false },
	/* The IPSECKEY gateway is a name only for gateway type 3. */
	{ SL_TYPE_IPSECKEY, "10 3 2 gw.example. AA==", 1, { 3 }, false, false },
	{ SL_TYPE_IPSECKEY, "10 1 2 192.0.2.1 AA==", 0, { 0 }, false, false },
	{ SL_TYPE_IPSECKEY, "10 0 2 . AA==", 0, { 0 }, false, false },
	{ SL_TYPE_LP, "10 l64.example.", 1, { 2 }, false, false },
	{ SL_TYPE_CERT, "1 0 0 AA==", 0, { 0 }, false, false },
	{ SL_TYPE_LOC, "0 N 0 E 0", 0, { 0 }, false, false },
};

START_TEST(test_names)
{
	const struct names_case *tc = &names_cases[_i];
	uint8_t rd[512];
	size_t len;
	sl_rdata_names_t names;

	ck_assert_int_eq(sl_rdata_from_text(tc->type, tc->text, strlen(tc->text), NULL, rd,
					    sizeof(rd), &len, NULL, 0), SL_OK);
	memset(&names, 0xa5, sizeof(names));
	ck_assert_int_eq(sl_rdata_names(tc->type, rd, len, &names), SL_OK);
	ck_assert_uint_eq(names.count, tc->count);
	for (unsigned k = 0; k < tc->count; k++) {
		ck_assert_uint_eq(names.offset[k], tc->off[k]);
		ck_assert_int_eq(sl_name_check(rd + names.offset[k], len - names.offset[k]) > 0, 1);
	}
	ck_assert_int_eq(names.compressible, tc->compressible);
	ck_assert_int_eq(names.canonical_lower, tc->lower);
}
END_TEST

/* ---------------------------------------------------------------------------
 * Exhaustive-ish robustness: every truncation of every valid RDATA either
 * validates or is refused, and printing never overruns.
 */
START_TEST(test_truncations)
{
	const struct rt_case *tc = &rt_cases[_i];
	uint8_t wire[SL_RDATA_MAXLEN], out[SL_RDATA_MAXLEN];
	size_t len = 0, outlen;
	char text[8192];

	ck_assert_int_eq(sl_rdata_from_text(tc->type, tc->in, strlen(tc->in), origin, wire,
					    sizeof(wire), &len, NULL, 0), SL_OK);
	for (size_t cut = 0; cut < len; cut++) {
		/* A heap copy of exactly cut octets: ASan flags any read past it. */
		uint8_t *rd = malloc(cut ? cut : 1);
		int rc;

		ck_assert_ptr_nonnull(rd);
		memcpy(rd, wire, cut);
		rc = sl_rdata_check(tc->type, rd, cut);
		ck_assert(rc == SL_OK || rc == SL_EMALFORMED);
		ck_assert_int_ge(sl_rdata_to_text(tc->type, rd, cut, text, sizeof(text)), 0);
		rc = sl_rdata_unpack(tc->type, rd, cut, 0, (uint16_t)cut, out, sizeof(out),
				     &outlen);
		ck_assert(rc == SL_OK || rc == SL_EMALFORMED || rc == SL_ELOOP);
		free(rd);
	}
}
END_TEST

/* sl_ttl_from_text(): both caps its callers use, the zone file's 2^31 - 1 and RDATA's 2^32 - 1. */
static const struct ttl_case {
	const char *text;
	int rc31;      /* with max 2^31 - 1 (record TTLs, RFC 2181 §8) */
	int rc32;      /* with max 2^32 - 1 (SOA timers, RRSIG original TTL) */
	uint32_t want; /* when SL_OK */
} ttl_cases[] = {
	{ "0", SL_OK, SL_OK, 0 },
	{ "3600", SL_OK, SL_OK, 3600 },
	{ "1h30m", SL_OK, SL_OK, 5400 },
	{ "1W2d3H4m5S", SL_OK, SL_OK, 604800 + 2 * 86400 + 3 * 3600 + 4 * 60 + 5 },
	{ "0w0d0h0m0s", SL_OK, SL_OK, 0 },
	{ "1s1s", SL_OK, SL_OK, 2 },
	{ "2147483647", SL_OK, SL_OK, 2147483647u },
	{ "2147483648", SL_ELIMIT, SL_OK, 2147483648u },
	{ "3550w", SL_OK, SL_OK, 3550u * 604800 },
	{ "3551w", SL_ELIMIT, SL_OK, 3551u * 604800 },
	{ "4294967295", SL_ELIMIT, SL_OK, 4294967295u },
	{ "4294967295s", SL_ELIMIT, SL_OK, 4294967295u },
	{ "4294967296", SL_ELIMIT, SL_ELIMIT, 0 },
	{ "7102w", SL_ELIMIT, SL_ELIMIT, 0 },
	{ "99999999999999999999999", SL_ELIMIT, SL_ELIMIT, 0 },
	{ "", SL_ESYNTAX, SL_ESYNTAX, 0 },
	{ "1h30", SL_ESYNTAX, SL_ESYNTAX, 0 },
	{ "h", SL_ESYNTAX, SL_ESYNTAX, 0 },
	{ "1hh", SL_ESYNTAX, SL_ESYNTAX, 0 },
	{ "1x", SL_ESYNTAX, SL_ESYNTAX, 0 },
	{ "+1", SL_ESYNTAX, SL_ESYNTAX, 0 },
	{ "-1", SL_ESYNTAX, SL_ESYNTAX, 0 },
	{ "1 h", SL_ESYNTAX, SL_ESYNTAX, 0 },
	{ "0x10", SL_ESYNTAX, SL_ESYNTAX, 0 },
};

START_TEST(test_ttl_from_text)
{
	const struct ttl_case *tc = &ttl_cases[_i];
	const uint32_t caps[2] = { 2147483647u, UINT32_MAX };
	const int rcs[2] = { tc->rc31, tc->rc32 };

	for (int k = 0; k < 2; k++) {
		uint32_t ttl = 12345;
		int rc = sl_ttl_from_text(tc->text, strlen(tc->text), caps[k], &ttl);

		ck_assert_msg(rc == rcs[k], "\"%s\" max %u: rc %d", tc->text, caps[k], rc);
		/* The value is written on success only. */
		ck_assert_uint_eq(ttl, rc == SL_OK ? tc->want : 12345);
	}
	/* Only len characters are read: "3600" of "36001" is 3600. */
	if (strcmp(tc->text, "3600") == 0) {
		uint32_t ttl;

		ck_assert_int_eq(sl_ttl_from_text("36001", 4, UINT32_MAX, &ttl), SL_OK);
		ck_assert_uint_eq(ttl, 3600);
	}
}
END_TEST

Suite *tu_suite(void)
{
	Suite *s = suite_create("rdata");
	TCase *tc;

	tc = tcase_create("roundtrip");
	tcase_add_loop_test(tc, test_roundtrip, 0, ARRAY_SIZE(rt_cases));
	tcase_add_loop_test(tc, test_to_text_bounds, 0, ARRAY_SIZE(rt_cases));
	tcase_add_loop_test(tc, test_from_text_bounds, 0, ARRAY_SIZE(rt_cases));
	tcase_add_loop_test(tc, test_truncations, 0, ARRAY_SIZE(rt_cases));
	suite_add_tcase(s, tc);

	tc = tcase_create("wire");
	tcase_add_loop_test(tc, test_bad_wire, 0, ARRAY_SIZE(bad_wire_cases));
	tcase_add_loop_test(tc, test_ok_wire, 0, ARRAY_SIZE(ok_wire_cases));
	tcase_add_test(tc, test_nsec_noncanonical_prints_types);
	tcase_add_loop_test(tc, test_unpack, 0, ARRAY_SIZE(unpack_cases));
	tcase_add_test(tc, test_unpack_pos_out_of_range);
	suite_add_tcase(s, tc);

	tc = tcase_create("text");
	tcase_add_loop_test(tc, test_text_errors, 0, ARRAY_SIZE(text_err_cases));
	tcase_add_test(tc, test_text_misc);
	tcase_add_test(tc, test_text_rdata_limit);
	tcase_add_test(tc, test_svcparams_many);
	tcase_add_test(tc, test_wks_bitmap_limit);
	tcase_add_loop_test(tc, test_ttl_from_text, 0, ARRAY_SIZE(ttl_cases));
	suite_add_tcase(s, tc);

	tc = tcase_create("names");
	tcase_add_loop_test(tc, test_names, 0, ARRAY_SIZE(names_cases));
	suite_add_tcase(s, tc);
	return s;
}
