/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Sluice core — presentation format to RDATA (RFC 1035 §5.1, the per-type
 * RFCs, RFC 3597 §5 "\# len hex", RFC 9460 Appendix A for SvcParams).
 *
 * Driven by the layout table in rdata.c: each field kind has exactly one
 * parser here (and one printer in rdata_print.c); the lexer, escapes and
 * number parsers they share are in rdata_lex.c. Parsing ends by running
 * sl_rdata_fields() on what it produced, so text can never yield RDATA that
 * the wire side would refuse.
 */
#include <arpa/inet.h>
#include <stdio.h>

#include <sluice/name.h>

#include "rdata_text.h"

/* ---- fields of one or a few tokens ------------------------------------------------ */

static int parse_name(struct sl_lex *lx, struct sl_wbuf *w, const struct sl_tok *t,
		      const uint8_t *origin)
{
	uint8_t name[SL_NAME_MAXLEN];
	size_t n;
	int rc;

	if (t->s[0] == '"')
		return sl_lex_fail(lx, SL_ESYNTAX, "expected a domain name");
	rc = sl_name_from_text(t->s, t->n, origin, name, &n);
	if (rc == SL_ELIMIT)
		return sl_lex_fail(lx, SL_ELIMIT, "name too long");
	if (rc != SL_OK)
		return sl_lex_fail(lx, SL_ESYNTAX,
				   origin ? "bad domain name"
					  : "bad domain name or relative name without origin");
	return sl_wb_put(lx, w, name, n);
}

/* A length-prefixed <character-string> (at most 255 octets). */
static int parse_str(struct sl_lex *lx, struct sl_wbuf *w, const struct sl_tok *t)
{
	uint8_t s[256];
	size_t n;
	int rc = sl_unescape(t->s, t->n, s + 1, 255, &n);

	if (rc == SL_ESPACE)
		return sl_lex_fail(lx, SL_ELIMIT, "string longer than 255 octets");
	if (rc != SL_OK)
		return sl_lex_fail(lx, SL_ESYNTAX, "bad escape");
	s[0] = (uint8_t)n;
	return sl_wb_put(lx, w, s, n + 1);
}

/*
 * TSIG MAC / other data: a length token, then (if non-zero) base64 that may
 * be split into several tokens and must decode to exactly that length.
 */
static int parse_b64len(struct sl_lex *lx, struct sl_wbuf *w, const struct sl_tok *t)
{
	uint64_t len;
	size_t want, have = 0, got;
	const char *start = NULL, *stop = NULL;
	int rc = sl_lex_uint(lx, t->s, t->n, UINT16_MAX, &len);

	if (rc != SL_OK)
		return rc;
	rc = sl_wb_put16(lx, w, (uint16_t)len);
	if (rc != SL_OK || len == 0)
		return rc;
	/* Gather tokens until they hold as many base64 characters as len needs. */
	want = SL_BASE64_LEN(len);
	while (have < want) {
		struct sl_tok b;

		rc = sl_lex_need(lx, &b);
		if (rc != SL_OK)
			return rc;
		if (!start)
			start = b.s;
		stop = b.s + b.n;
		have += b.n;
	}
	if (have != want)
		return sl_lex_fail(lx, SL_ESYNTAX, "base64 longer than the stated length");
	rc = sl_wb_decode(lx, w, sl_base64_decode, start, (size_t)(stop - start), &got,
			  "bad base64");
	if (rc == SL_OK && got != len)
		return sl_lex_fail(lx, SL_ESYNTAX, "base64 does not match the stated length");
	return rc;
}

/*
 * Type bitmap from a list of types in any order. Only the windows that types
 * fall in are touched (cleared on first use, then encoded), so the cost is
 * proportional to the types listed rather than to all 256 windows.
 */
static int parse_bitmap(struct sl_lex *lx, struct sl_wbuf *w)
{
	uint8_t bits[256][32]; /* window w is initialised once its bit in used[] is set */
	uint64_t used[4] = { 0, 0, 0, 0 };
	struct sl_tok t;
	int rc;

	while ((rc = sl_lex_next(lx, &t)) > 0) {
		uint16_t type;
		unsigned win;

		if (sl_rrtype_from_text(t.s, t.n, &type) != SL_OK)
			return sl_lex_fail(lx, SL_ESYNTAX, "unknown type");
		win = type >> 8;
		if (!(used[win / 64] & (1ull << (win % 64)))) {
			used[win / 64] |= 1ull << (win % 64);
			memset(bits[win], 0, sizeof(bits[win]));
		}
		bits[win][(type & 255) / 8] |= (uint8_t)(0x80 >> (type % 8));
	}
	if (rc < 0)
		return rc;
	/* Minimal encoding (RFC 4034 §4.1.2): used windows ascending, trailing zeros dropped. */
	for (unsigned q = 0; q < 4; q++) {
		for (uint64_t m = used[q]; m; m &= m - 1) {
			unsigned win = q * 64 + (unsigned)__builtin_ctzll(m);
			unsigned len = 32;
			uint8_t hdr[2];

			/* A used window has a bit set, so len stays >= 1. */
			while (bits[win][len - 1] == 0)
				len--;
			hdr[0] = (uint8_t)win;
			hdr[1] = (uint8_t)len;
			rc = sl_wb_put(lx, w, hdr, 2);
			if (rc == SL_OK)
				rc = sl_wb_put(lx, w, bits[win], len);
			if (rc != SL_OK)
				return rc;
		}
	}
	return SL_OK;
}

/*
 * A hemisphere: a token spelled exactly as one of the two letters in @p set
 * ("NS"), case-sensitive as in BIND. *@p first tells which.
 */
static bool hemisphere(const struct sl_tok *t, const char *set, bool *first)
{
	if (t->n != 1 || (t->s[0] != set[0] && t->s[0] != set[1]))
		return false;
	*first = t->s[0] == set[0];
	return true;
}

/*
 * A LOC decimal "[sign]digits[.frac][m]" (RFC 1876 Appendix A): at most
 * @p fdigits fraction digits (none and no '.' when 0), scaled so *frac is in
 * units of 10^-fdigits. Leading or trailing digits may be absent (".5",
 * "5."), as BIND takes them, but not both.
 */
static bool loc_number(const struct sl_tok *t, unsigned fdigits, bool sign, bool unit, bool *neg,
		       uint64_t *ip, uint32_t *frac)
{
	const char *s = t->s;
	size_t n = t->n, i = 0;
	unsigned k = 0, digits = 0;

	*neg = false;
	*ip = 0;
	*frac = 0;
	if (sign && i < n && (s[i] == '-' || s[i] == '+'))
		*neg = s[i++] == '-';
	for (; i < n && sl_is_digit(s[i]); i++, digits++) {
		*ip = *ip * 10 + (uint64_t)(s[i] - '0');
		if (*ip > UINT32_MAX)
			return false; /* beyond every range; also keeps *ip from overflowing */
	}
	if (fdigits && i < n && s[i] == '.') {
		for (i++; i < n && sl_is_digit(s[i]); i++, k++, digits++) {
			if (k == fdigits)
				return false;
			*frac = *frac * 10 + (uint32_t)(s[i] - '0');
		}
	}
	for (; k < fdigits; k++)
		*frac *= 10;
	if (unit && i < n && s[i] == 'm')
		i++;
	return digits > 0 && i == n;
}

/* One coordinate "d [m [s]] H" as milliseconds of arc from 2^31 (RFC 1876 §3). */
static int parse_loccoord(struct sl_lex *lx, unsigned maxdeg, const char *hemi, uint32_t *out)
{
	uint32_t part[3] = { 0, 0, 0 }; /* degrees, minutes, milliseconds */
	bool positive = false; /* north or east */
	struct sl_tok t;

	for (unsigned k = 0; k < 4; k++) {
		static const uint32_t max[3] = { 180, 59, 59999 };
		uint64_t ip;
		uint32_t frac;
		bool neg;
		int rc = sl_lex_need(lx, &t);

		if (rc != SL_OK)
			return rc;
		if (k > 0 && hemisphere(&t, hemi, &positive))
			break;
		if (k == 3)
			return sl_lex_fail(lx, SL_ESYNTAX,
					   hemi[0] == 'N' ? "expected N or S" : "expected E or W");
		if (!loc_number(&t, k == 2 ? 3 : 0, false, false, &neg, &ip, &frac))
			return sl_lex_fail(lx, SL_ESYNTAX, "not a number");
		part[k] = (uint32_t)(k == 2 ? ip * 1000 + frac : ip);
		if (ip > UINT32_MAX / 1000 || part[k] > (k == 0 ? maxdeg : max[k]))
			return sl_lex_fail(lx, SL_ESYNTAX, "out of range");
	}
	if (part[0] == maxdeg && (part[1] || part[2]))
		return sl_lex_fail(lx, SL_ESYNTAX, "out of range");
	part[2] += (part[0] * 3600 + part[1] * 60) * 1000;
	*out = positive ? 0x80000000u + part[2] : 0x80000000u - part[2];
	return SL_OK;
}

/*
 * LOC (RFC 1876 Appendix A): "d1 [m1 [s1]] {N|S} d2 [m2 [s2]] {E|W}
 * alt[m] [siz[m] [hp[m] [vp[m]]]]". Sizes become mantissa and exponent by
 * truncation, as BIND encodes them ("15m" is stored, and printed, as 10m).
 */
static int parse_loc(struct sl_lex *lx, struct sl_wbuf *w)
{
	static const uint32_t pow10[8] = { 1, 10, 100, 1000, 10000, 100000, 1000000, 10000000 };
	uint8_t out[16] = { 0, 0x12, 0x16, 0x13 }; /* version 0; 1m, 10000m, 10m */
	uint32_t v[3];
	struct sl_tok t;
	uint64_t ip, cm;
	uint32_t frac;
	bool neg;
	int rc;

	lx->field = "latitude";
	rc = parse_loccoord(lx, 90, "NS", &v[0]);
	if (rc != SL_OK)
		return rc;
	lx->field = "longitude";
	rc = parse_loccoord(lx, 180, "EW", &v[1]);
	if (rc != SL_OK)
		return rc;
	lx->field = "altitude";
	rc = sl_lex_need(lx, &t);
	if (rc != SL_OK)
		return rc;
	if (!loc_number(&t, 2, true, true, &neg, &ip, &frac))
		return sl_lex_fail(lx, SL_ESYNTAX, "not a number");
	/* Stored in centimetres above 100000 m below the WGS 84 spheroid. */
	cm = ip * 100 + frac;
	if (neg ? cm > 10000000u : cm > UINT32_MAX - 10000000u)
		return sl_lex_fail(lx, SL_ESYNTAX, "out of range");
	v[2] = (uint32_t)(neg ? 10000000u - cm : 10000000u + cm);
	for (unsigned k = 0; k < 3; k++) {
		static const char *const names[3] = { "size", "horizontal precision",
						      "vertical precision" };
		unsigned man, e = 0;

		lx->field = names[k];
		rc = sl_lex_next(lx, &t);
		if (rc <= 0)
			break;
		if (!loc_number(&t, 2, false, true, &neg, &ip, &frac))
			return sl_lex_fail(lx, SL_ESYNTAX, "not a number");
		if (ip > 90000000)
			return sl_lex_fail(lx, SL_ESYNTAX, "out of range");
		if (ip > 0) {
			while (e < 7 && ip >= pow10[e + 1])
				e++;
			man = (unsigned)(ip / pow10[e]);
			e += 2;
		} else if (frac >= 10) {
			man = frac / 10;
			e = 1;
		} else {
			man = frac;
		}
		out[1 + k] = (uint8_t)(man << 4 | e);
	}
	if (rc < 0)
		return rc;
	lx->field = "location";
	for (unsigned k = 0; k < 3; k++)
		sl_write_u32(out + 4 + 4 * k, v[k]);
	return sl_wb_put(lx, w, out, sizeof(out));
}

/* IPSECKEY "gateway-type algorithm gateway" (RFC 4025 §3.1). */
static int parse_ipsecgw(struct sl_lex *lx, struct sl_wbuf *w, const uint8_t *origin)
{
	uint8_t addr[16];
	uint64_t gtype, alg;
	struct sl_tok t;
	int rc;

	lx->field = "gateway type";
	rc = sl_lex_need(lx, &t);
	if (rc == SL_OK)
		rc = sl_lex_uint(lx, t.s, t.n, 3, &gtype);
	if (rc != SL_OK)
		return rc;
	lx->field = "algorithm";
	rc = sl_lex_need(lx, &t);
	if (rc == SL_OK)
		rc = sl_lex_uint(lx, t.s, t.n, UINT8_MAX, &alg);
	if (rc == SL_OK)
		rc = sl_wb_put(lx, w, (uint8_t[]){ (uint8_t)gtype, (uint8_t)alg }, 2);
	if (rc != SL_OK)
		return rc;
	lx->field = "gateway";
	rc = sl_lex_need(lx, &t);
	if (rc != SL_OK)
		return rc;
	switch (gtype) {
	case 0:
		if (t.n != 1 || t.s[0] != '.')
			return sl_lex_fail(lx, SL_ESYNTAX, "must be \".\" for gateway type 0");
		return SL_OK;
	case 1:
	case 2:
		if (!sl_text_addr(gtype == 1 ? AF_INET : AF_INET6, t.s, t.n, addr))
			return sl_lex_fail(lx, SL_ESYNTAX,
					   gtype == 1 ? "bad IPv4 address" : "bad IPv6 address");
		return sl_wb_put(lx, w, addr, gtype == 1 ? 4 : 16);
	default:
		return parse_name(lx, w, &t, origin);
	}
}

/*
 * WKS services: port numbers or well-known names, any order. The bitmap is
 * built in place and grows to the highest port only (RFC 1035 §3.4.2).
 */
static int parse_ports(struct sl_lex *lx, struct sl_wbuf *w)
{
	size_t start = w->len;
	struct sl_tok t;
	int rc;

	while ((rc = sl_lex_next(lx, &t)) > 0) {
		uint16_t port;
		uint64_t v;

		if (!sl_mnem_code(SL_MNEM_SERVICE, t.s, t.n, &port)) {
			if (!sl_is_digit(t.s[0]))
				return sl_lex_fail(lx, SL_ESYNTAX, "unknown service");
			rc = sl_lex_uint(lx, t.s, t.n, UINT16_MAX, &v);
			if (rc != SL_OK)
				return rc;
			port = (uint16_t)v;
		}
		if (port / 8u >= w->len - start) {
			rc = sl_wb_zero(lx, w, port / 8u + 1 - (w->len - start));
			if (rc != SL_OK)
				return rc;
		}
		w->p[start + port / 8u] |= (uint8_t)(0x80 >> (port % 8));
	}
	return rc < 0 ? rc : SL_OK;
}

/* APL items "[!]afi:address/prefix" (RFC 3123 §5), addresses stored without trailing zeros. */
static int parse_apl(struct sl_lex *lx, struct sl_wbuf *w)
{
	struct sl_tok t;
	int rc;

	while ((rc = sl_lex_next(lx, &t)) > 0) {
		const char *s = t.s, *end = t.s + t.n, *colon, *slash;
		uint8_t item[4 + 16];
		uint64_t afi, prefix;
		bool neg = s[0] == '!';
		size_t alen;

		s += neg;
		colon = memchr(s, ':', (size_t)(end - s));
		slash = colon ? memchr(colon, '/', (size_t)(end - colon)) : NULL;
		if (!slash)
			return sl_lex_fail(lx, SL_ESYNTAX, "expected [!]afi:address/prefix");
		rc = sl_lex_uint(lx, s, (size_t)(colon - s), UINT16_MAX, &afi);
		if (rc != SL_OK)
			return rc;
		if (afi != 1 && afi != 2)
			return sl_lex_fail(lx, SL_ESYNTAX, "address family not 1 or 2");
		alen = afi == 1 ? 4 : 16;
		if (!sl_text_addr(afi == 1 ? AF_INET : AF_INET6, colon + 1,
				  (size_t)(slash - colon - 1), item + 4))
			return sl_lex_fail(lx, SL_ESYNTAX,
					   afi == 1 ? "bad IPv4 address" : "bad IPv6 address");
		rc = sl_lex_uint(lx, slash + 1, (size_t)(end - slash - 1), alen * 8, &prefix);
		if (rc != SL_OK)
			return rc;
		while (alen > 0 && item[4 + alen - 1] == 0)
			alen--;
		sl_write_u16(item, (uint16_t)afi);
		item[2] = (uint8_t)prefix;
		item[3] = (uint8_t)((neg ? 0x80 : 0) | alen);
		rc = sl_wb_put(lx, w, item, 4 + alen);
		if (rc != SL_OK)
			return rc;
	}
	return rc < 0 ? rc : SL_OK;
}

/* EUI48/EUI64: exactly @p n pairs of hex digits joined by '-' (RFC 7043 §3.2). */
static bool parse_eui(const char *s, size_t len, uint8_t *out, size_t n)
{
	if (len != 3 * n - 1)
		return false;
	for (size_t i = 0; i < n; i++) {
		const char *q = s + 3 * i;
		size_t got;

		/* Tokens hold no blanks, so the decoder's blank skipping cannot apply. */
		if ((i + 1 < n && q[2] != '-') || sl_hex_decode(q, 2, out + i, 1, &got) != SL_OK ||
		    got != 1)
			return false;
	}
	return true;
}

/* NID/L64 "x:x:x:x", groups of 1-4 hex digits (RFC 6742 §2.1). */
static bool parse_ilnp64(const char *s, size_t len, uint8_t *out)
{
	size_t i = 0;

	for (unsigned g = 0; g < 4; g++) {
		unsigned v = 0, digits = 0;

		for (unsigned d; i < len && digits < 5 && sl_hex_digit(s[i], &d); i++, digits++)
			v = v << 4 | d;
		if (digits == 0 || digits > 4)
			return false;
		sl_write_u16(out + 2 * g, (uint16_t)v);
		if (g < 3 && (i == len || s[i++] != ':'))
			return false;
	}
	return i == len;
}

/* ---- SvcParams (RFC 9460 §2.1, Appendix A) ----------------------------------- */

/*
 * A SvcParamKey: registered name or "keyNNNNN" (no leading zeros, 65535
 * reserved). @p generic, when not NULL, tells which form was used.
 */
static int parse_svckey(const char *s, size_t n, uint16_t *key, bool *generic)
{
	bool named = sl_svc_key_from_name(s, n, key);
	uint32_t v = 0;

	if (generic)
		*generic = !named;
	if (named)
		return SL_OK;
	if (n < 4 || n > 8 || memcmp(s, "key", 3) != 0 || (s[3] == '0' && n > 4))
		return SL_ESYNTAX;
	for (size_t i = 3; i < n; i++) {
		if (!sl_is_digit(s[i]))
			return SL_ESYNTAX;
		v = v * 10 + (uint32_t)(s[i] - '0');
	}
	if (v >= SL_SVC_KEY_INVALID)
		return SL_ESYNTAX;
	*key = (uint16_t)v;
	return SL_OK;
}

/*
 * Next item of an RFC 9460 value-list read from the decoded string: items
 * are separated by ',', and "\," / "\\" stand for ',' / '\' within an item.
 * @return 1 with an item, 0 at the end, or SL_ESYNTAX / SL_ELIMIT
 */
static int vlist_next(struct sl_citer *it, bool *done, uint8_t *item, size_t cap, size_t *n)
{
	uint8_t c;
	int r;

	if (*done)
		return 0;
	*n = 0;
	while ((r = sl_citer_next(it, &c)) > 0) {
		if (c == ',')
			return 1;
		if (c == '\\') {
			r = sl_citer_next(it, &c);
			if (r <= 0)
				return SL_ESYNTAX;
		}
		if (*n == cap)
			return SL_ELIMIT;
		item[(*n)++] = c;
	}
	if (r < 0)
		return SL_ESYNTAX;
	*done = true;
	return 1;
}

/* Sorts the 16-bit keys of a mandatory list in place; false on a duplicate. */
static bool sort_keys(uint8_t *p, size_t n)
{
	for (size_t i = 2; i < n; i += 2) {
		uint16_t k = sl_read_u16(p + i);
		size_t j = i;

		while (j > 0 && sl_read_u16(p + j - 2) > k) {
			memcpy(p + j, p + j - 2, 2);
			j -= 2;
		}
		sl_write_u16(p + j, k);
		if (j > 0 && sl_read_u16(p + j - 2) == k)
			return false;
	}
	return true;
}

/*
 * Encodes the value of one SvcParam after its 4-octet header. A key written
 * in the generic keyNNNNN form takes its value as raw wire octets even when
 * the key is registered (key3="\001\187" is port=443), as BIND does.
 */
static int parse_svcvalue(struct sl_lex *lx, struct sl_wbuf *w, uint16_t key, bool generic,
			  const char *s, size_t n, bool has_value)
{
	enum sl_svc_kind kind = generic ? SL_SVC_OPAQUE : sl_svc_key_kind(key);
	struct sl_citer it = { s, s + n };
	bool done = false;
	uint8_t item[256];
	size_t len, start = w->len;
	int r, rc;

	if (!has_value) {
		/* Only keys whose value may be empty stand alone. */
		if (kind == SL_SVC_FLAG || kind == SL_SVC_OPAQUE || kind == SL_SVC_B64)
			return SL_OK;
		return sl_lex_fail(lx, SL_ESYNTAX, "value required");
	}
	switch (kind) {
	case SL_SVC_OPAQUE:
	case SL_SVC_FLAG: /* a non-empty value is refused by the final check */
		return sl_wb_unescape(lx, w, s, n);
	case SL_SVC_B64:
		/* Unescape into the output, then decode in place: base64 only shrinks. */
		rc = sl_wb_unescape(lx, w, s, n);
		if (rc != SL_OK)
			return rc;
		len = w->len - start;
		if (sl_base64_decode((const char *)w->p + start, len, w->p + start, len, &len))
			return sl_lex_fail(lx, SL_ESYNTAX, "ech: bad base64");
		w->len = start + len;
		return SL_OK;
	default:
		break;
	}
	/* The list kinds: one item at a time. */
	while ((r = vlist_next(&it, &done, item, sizeof(item) - 1, &len)) > 0) {
		uint8_t addr[16];
		uint16_t k;
		uint64_t port;

		switch (kind) {
		case SL_SVC_MANDATORY:
			if (parse_svckey((const char *)item, len, &k, NULL) != SL_OK)
				return sl_lex_fail(lx, SL_ESYNTAX, "mandatory: bad key");
			rc = sl_wb_put16(lx, w, k);
			break;
		case SL_SVC_ALPN:
			if (len == 0)
				return sl_lex_fail(lx, SL_ESYNTAX, "alpn: empty protocol id");
			rc = sl_wb_put(lx, w, (uint8_t[]){ (uint8_t)len }, 1);
			if (rc == SL_OK)
				rc = sl_wb_put(lx, w, item, len);
			break;
		case SL_SVC_PORT:
			if (w->len != start)
				return sl_lex_fail(lx, SL_ESYNTAX, "port: one port only");
			rc = sl_lex_uint(lx, (const char *)item, len, UINT16_MAX, &port);
			if (rc == SL_OK)
				rc = sl_wb_put16(lx, w, (uint16_t)port);
			break;
		case SL_SVC_IPV4:
		case SL_SVC_IPV6: {
			bool v4 = kind == SL_SVC_IPV4;

			if (!sl_text_addr(v4 ? AF_INET : AF_INET6, (const char *)item, len, addr))
				return sl_lex_fail(lx, SL_ESYNTAX,
						   v4 ? "ipv4hint: bad address"
						      : "ipv6hint: bad address");
			rc = sl_wb_put(lx, w, addr, v4 ? 4 : 16);
			break;
		}
		default:
			rc = sl_lex_fail(lx, SL_ESYNTAX, "unexpected value");
			break;
		}
		if (rc != SL_OK)
			return rc;
	}
	if (r == SL_ELIMIT)
		return sl_lex_fail(lx, SL_ESYNTAX, "list item too long");
	if (r < 0)
		return sl_lex_fail(lx, SL_ESYNTAX, "bad escape");
	if (kind == SL_SVC_MANDATORY && !sort_keys(w->p + start, w->len - start))
		return sl_lex_fail(lx, SL_ESYNTAX, "mandatory: duplicate key");
	return SL_OK;
}

/* Reverses p[0..n). */
static void reverse(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n / 2; i++) {
		uint8_t c = p[i];

		p[i] = p[n - 1 - i];
		p[n - 1 - i] = c;
	}
}

/*
 * How many SvcParams may arrive out of key order. Each costs a scan of the
 * earlier parameters and a rotation of up to 64 KiB; unbounded, a single
 * 64 KiB line of keys in descending order took a second. Printed RDATA is
 * sorted, so what we print always parses back; real records hold a handful.
 */
#define SVC_MAX_UNSORTED 64

/*
 * SvcParams in any order; the wire wants them sorted by key (RFC 9460 §2.2).
 * A parameter with a key above all earlier ones is simply appended (the
 * usual case, and linear overall); any other is rotated into place among
 * the earlier, already sorted ones, so no scratch memory is needed.
 */
static int parse_svcparams(struct sl_lex *lx, struct sl_wbuf *w)
{
	size_t base = w->len;
	int32_t max = -1;
	unsigned unsorted = 0;
	struct sl_tok t;
	int rc;

	while ((rc = sl_lex_next(lx, &t)) > 0) {
		const char *eq = memchr(t.s, '=', t.n);
		size_t klen = eq ? (size_t)(eq - t.s) : t.n;
		size_t start = w->len, ins = w->len;
		uint16_t key;
		bool generic;

		if (parse_svckey(t.s, klen, &key, &generic) != SL_OK)
			return sl_lex_fail(lx, SL_ESYNTAX, "unknown SvcParamKey");
		rc = sl_wb_put16(lx, w, key);
		if (rc == SL_OK)
			rc = sl_wb_put16(lx, w, 0);
		if (rc == SL_OK)
			rc = parse_svcvalue(lx, w, key, generic, eq ? eq + 1 : t.s + t.n,
					    eq ? t.n - klen - 1 : 0, eq != NULL);
		if (rc != SL_OK)
			return rc;
		sl_write_u16(w->p + start + 2, (uint16_t)(w->len - start - 4));
		if ((int32_t)key > max) {
			max = key;
			continue;
		}
		if (++unsorted > SVC_MAX_UNSORTED)
			return sl_lex_fail(lx, SL_ELIMIT, "too many SvcParams out of key order");
		for (size_t q = base; q < start; q += 4 + (size_t)sl_read_u16(w->p + q + 2)) {
			uint16_t k = sl_read_u16(w->p + q);

			if (k == key)
				return sl_lex_fail(lx, SL_ESYNTAX, "duplicate SvcParamKey");
			if (k > key) {
				ins = q;
				break;
			}
		}
		if (ins < start) {
			/* Rotate [ins, end) so that [start, end) comes first. */
			reverse(w->p + ins, start - ins);
			reverse(w->p + start, w->len - start);
			reverse(w->p + ins, w->len - ins);
		}
	}
	return rc < 0 ? rc : SL_OK;
}

/* ---- fields ---------------------------------------------------------------------- */

/* Parses one field of kind @p kind; rest kinds consume the remaining text. */
static int parse_field(struct sl_lex *lx, struct sl_wbuf *w, uint8_t kind, const uint8_t *origin)
{
	struct sl_tok t;
	uint64_t v;
	uint8_t buf[256];
	size_t n;
	int rc;

	/* Kinds that take the rest of the text, possibly nothing. */
	switch (kind) {
	case SL_RDF_STRS: {
		unsigned count = 0;

		while ((rc = sl_lex_next(lx, &t)) > 0) {
			rc = parse_str(lx, w, &t);
			if (rc != SL_OK)
				return rc;
			count++;
		}
		if (rc < 0)
			return rc;
		return count ? SL_OK : sl_lex_fail(lx, SL_ESYNTAX, "missing");
	}
	case SL_RDF_B64:
	case SL_RDF_B64NZ:
	case SL_RDF_HEX:
	case SL_RDF_DIGEST: {
		bool b64 = kind == SL_RDF_B64 || kind == SL_RDF_B64NZ;

		t = sl_lex_rest(lx);
		/* Short (but present) data is refused by the final validation. */
		if (t.n == 0 && (kind == SL_RDF_B64NZ || kind == SL_RDF_DIGEST))
			return sl_lex_fail(lx, SL_ESYNTAX, "missing");
		return sl_wb_decode(lx, w, b64 ? sl_base64_decode : sl_hex_decode, t.s, t.n, &n,
				    b64 ? "bad base64" : "bad hex");
	}
	case SL_RDF_PORTS:
		return parse_ports(lx, w);
	case SL_RDF_APL:
		return parse_apl(lx, w);
	/* Fields of several tokens. */
	case SL_RDF_LOC:
		return parse_loc(lx, w);
	case SL_RDF_IPSECGW:
		return parse_ipsecgw(lx, w, origin);
	case SL_RDF_BITMAP:
		return parse_bitmap(lx, w);
	case SL_RDF_SVCPARAMS:
		return parse_svcparams(lx, w);
	case SL_RDF_OPTIONS:
		return sl_lex_fail(lx, SL_ESYNTAX, "only the RFC 3597 \\# form is supported");
	default:
		break;
	}

	rc = sl_lex_need(lx, &t);
	if (rc != SL_OK)
		return rc;
	switch (kind) {
	case SL_RDF_U8:
	case SL_RDF_U16:
	case SL_RDF_U32:
	case SL_RDF_U48: {
		static const uint64_t max[] = {
			[SL_RDF_U8] = UINT8_MAX, [SL_RDF_U16] = UINT16_MAX,
			[SL_RDF_U32] = UINT32_MAX, [SL_RDF_U48] = (1ull << 48) - 1,
		};
		size_t width = kind == SL_RDF_U8 ? 1 : kind == SL_RDF_U16 ? 2 :
			       kind == SL_RDF_U32 ? 4 : 6;

		rc = sl_lex_uint(lx, t.s, t.n, max[kind], &v);
		if (rc != SL_OK)
			return rc;
		for (size_t i = 0; i < width; i++)
			buf[i] = (uint8_t)(v >> (8 * (width - 1 - i)));
		return sl_wb_put(lx, w, buf, width);
	}
	case SL_RDF_TTL:
	case SL_RDF_TIME:
		if (kind == SL_RDF_TTL)
			rc = sl_lex_ttl(lx, t.s, t.n, &v);
		else
			rc = sl_lex_time(lx, t.s, t.n, &v);
		if (rc != SL_OK)
			return rc;
		sl_write_u32(buf, (uint32_t)v);
		return sl_wb_put(lx, w, buf, 4);
	case SL_RDF_TYPE: {
		uint16_t type;

		if (sl_rrtype_from_text(t.s, t.n, &type) != SL_OK)
			return sl_lex_fail(lx, SL_ESYNTAX, "unknown type");
		return sl_wb_put16(lx, w, type);
	}
	case SL_RDF_A:
	case SL_RDF_AAAA:
		if (!sl_text_addr(kind == SL_RDF_A ? AF_INET : AF_INET6, t.s, t.n, buf))
			return sl_lex_fail(lx, SL_ESYNTAX,
					   kind == SL_RDF_A ? "bad IPv4 address"
							    : "bad IPv6 address");
		return sl_wb_put(lx, w, buf, kind == SL_RDF_A ? 4 : 16);
	case SL_RDF_NAME:
		return parse_name(lx, w, &t, origin);
	case SL_RDF_STR:
	case SL_RDF_CAATAG: /* its alphabet is enforced by the final validation */
		return parse_str(lx, w, &t);
	case SL_RDF_CAAVAL:
	case SL_RDF_URI:
		/* RFC 7553 §4.4: the URI is always quoted (BIND insists too). */
		if (kind == SL_RDF_URI && t.s[0] != '"')
			return sl_lex_fail(lx, SL_ESYNTAX, "expected a quoted string");
		/* One string, not limited to 255 octets (RFC 8659 §4.1.1). */
		return sl_wb_unescape(lx, w, t.s, t.n);
	case SL_RDF_SALT:
	case SL_RDF_HASH:
		if (kind == SL_RDF_SALT && t.n == 1 && t.s[0] == '-') {
			n = 0;
		} else {
			rc = (kind == SL_RDF_SALT ? sl_hex_decode : sl_base32hex_decode)(
				t.s, t.n, buf + 1, 255, &n);
			if (rc == SL_ESPACE)
				return sl_lex_fail(lx, SL_ESYNTAX, "longer than 255 octets");
			if (rc != SL_OK || n == 0)
				return sl_lex_fail(lx, SL_ESYNTAX,
						   kind == SL_RDF_SALT ? "bad hex"
								       : "bad base32hex");
		}
		buf[0] = (uint8_t)n;
		return sl_wb_put(lx, w, buf, n + 1);
	case SL_RDF_B64LEN:
		return parse_b64len(lx, w, &t);
	case SL_RDF_RCODE:
	case SL_RDF_CERTTYPE:
	case SL_RDF_ALG:
	case SL_RDF_PROTO: {
		/* A mnemonic, or the code in decimal. */
		bool wide = kind == SL_RDF_RCODE || kind == SL_RDF_CERTTYPE;
		enum sl_mnem_table table = kind == SL_RDF_RCODE ? SL_MNEM_RCODE :
					   kind == SL_RDF_CERTTYPE ? SL_MNEM_CERT :
					   kind == SL_RDF_ALG ? SL_MNEM_ALG : SL_MNEM_PROTO;
		uint16_t code;

		if (sl_mnem_code(table, t.s, t.n, &code)) {
			v = code;
		} else {
			rc = sl_lex_uint(lx, t.s, t.n, wide ? UINT16_MAX : UINT8_MAX, &v);
			if (rc != SL_OK)
				return rc;
		}
		if (wide)
			return sl_wb_put16(lx, w, (uint16_t)v);
		return sl_wb_put(lx, w, (uint8_t[]){ (uint8_t)v }, 1);
	}
	case SL_RDF_EUI48:
	case SL_RDF_EUI64:
		n = kind == SL_RDF_EUI48 ? 6 : 8;
		if (!parse_eui(t.s, t.n, buf, n))
			return sl_lex_fail(lx, SL_ESYNTAX, "expected hex pairs joined by '-'");
		return sl_wb_put(lx, w, buf, n);
	case SL_RDF_ILNP64:
		if (!parse_ilnp64(t.s, t.n, buf))
			return sl_lex_fail(lx, SL_ESYNTAX, "expected x:x:x:x (hex)");
		return sl_wb_put(lx, w, buf, 8);
	default:
		return sl_lex_fail(lx, SL_ESYNTAX, "unsupported field");
	}
}

/* RFC 3597 §5: "\# len hex...", length and data must agree. */
static int parse_generic(struct sl_lex *lx, struct sl_wbuf *w)
{
	struct sl_tok t;
	uint64_t len;
	size_t n;
	int rc;

	lx->field = "\\# length";
	rc = sl_lex_need(lx, &t);
	if (rc == SL_OK)
		rc = sl_lex_uint(lx, t.s, t.n, UINT16_MAX, &len);
	if (rc != SL_OK)
		return rc;
	lx->field = "\\# data";
	t = sl_lex_rest(lx);
	rc = sl_wb_decode(lx, w, sl_hex_decode, t.s, t.n, &n, "bad hex");
	if (rc != SL_OK)
		return rc;
	if (n != len)
		return sl_lex_fail(lx, SL_ESYNTAX, "length does not match data");
	return SL_OK;
}

int sl_rdata_from_text(uint16_t type, const char *text, size_t len, const uint8_t *origin,
		       uint8_t *out, size_t outcap, size_t *outlen, char *err, size_t errsize)
{
	const sl_rdata_desc_t *desc = sl_rdata_desc(type);
	struct sl_lex lx = { text, text + len, type, NULL, err, errsize };
	struct sl_wbuf w = { out, outcap, 0, false };
	struct sl_lex peek;
	struct sl_tok t;
	sl_error_t why; /* the wire check's reason */
	int rc;

	if (err && errsize)
		err[0] = '\0';
	if (outcap >= SL_RDATA_MAXLEN) {
		w.cap = SL_RDATA_MAXLEN;
		w.limited = true;
	}
	peek = lx;
	rc = sl_lex_next(&peek, &t);
	if (rc < 0)
		return rc;
	if (rc > 0 && t.n == 2 && t.s[0] == '\\' && t.s[1] == '#') {
		lx = peek;
		rc = parse_generic(&lx, &w);
		if (rc != SL_OK)
			return rc;
		lx.field = NULL;
		if (desc && sl_rdata_fields(desc, w.p, w.len, NULL, &why) != SL_OK) {
			char msg[SL_ERROR_MSG_MAX + 32];

			snprintf(msg, sizeof(msg), "\\# data is not valid RDATA (%s)", why.msg);
			return sl_lex_fail(&lx, SL_ESYNTAX, msg);
		}
		*outlen = w.len;
		return SL_OK;
	}
	if (!desc)
		return sl_lex_fail(&lx, SL_ESYNTAX, "unknown type: use the RFC 3597 \\# form");

	for (unsigned i = 0; i < SL_RDF_MAX && desc->f[i].kind != SL_RDF_END; i++) {
		lx.field = desc->f[i].name;
		rc = parse_field(&lx, &w, desc->f[i].kind, origin);
		if (rc != SL_OK)
			return rc;
	}
	lx.field = NULL;
	sl_lex_skip(&lx);
	if (lx.p != lx.end)
		return sl_lex_fail(&lx, SL_ESYNTAX, "unexpected trailing data");
	/* Rules that span fields (SVCB mandatory keys, CAA tag) live in the wire check. */
	if (sl_rdata_fields(desc, w.p, w.len, NULL, &why) != SL_OK)
		return sl_lex_fail(&lx, SL_ESYNTAX, why.msg);
	*outlen = w.len;
	return SL_OK;
}
