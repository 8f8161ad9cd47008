/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Sluice core — the building blocks of the RDATA presentation format (see
 * rdata_text.h): lexer, <character-string> escapes, wire output, numbers,
 * durations, times, addresses and mnemonics. Every helper that can fail
 * records its reason with sl_lex_fail().
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <strings.h>

#include "rdata_text.h"
#include <sluice/msg.h>

/* ---- lexer ------------------------------------------------------------------------- */

int sl_lex_fail(struct sl_lex *lx, int rc, const char *reason)
{
	char tname[16];

	if (lx->err && lx->errsize) {
		if (sl_rrtype_to_text(lx->type, tname, sizeof(tname)) < 0)
			tname[0] = '\0';
		if (lx->field)
			snprintf(lx->err, lx->errsize, "%s %s: %s", tname, lx->field, reason);
		else
			snprintf(lx->err, lx->errsize, "%s: %s", tname, reason);
	}
	return rc;
}

void sl_lex_skip(struct sl_lex *lx)
{
	while (lx->p < lx->end && sl_is_blank(*lx->p))
		lx->p++;
}

/*
 * The digits of \DDD are ordinary characters here. Quotes may open anywhere
 * in a token, as SvcParams need (alpn="h2,h3").
 */
int sl_lex_next(struct sl_lex *lx, struct sl_tok *t)
{
	bool quoted = false;

	sl_lex_skip(lx);
	if (lx->p == lx->end)
		return 0;
	t->s = lx->p;
	while (lx->p < lx->end) {
		char c = *lx->p;

		if (c == '\\') {
			if (lx->end - lx->p < 2)
				return sl_lex_fail(lx, SL_ESYNTAX, "backslash at end of text");
			lx->p += 2;
			continue;
		}
		if (c == '"')
			quoted = !quoted;
		else if (!quoted && sl_is_blank(c))
			break;
		lx->p++;
	}
	if (quoted)
		return sl_lex_fail(lx, SL_ESYNTAX, "unterminated quoted string");
	t->n = (size_t)(lx->p - t->s);
	return 1;
}

struct sl_tok sl_lex_rest(struct sl_lex *lx)
{
	struct sl_tok t;

	sl_lex_skip(lx);
	t.s = lx->p;
	t.n = (size_t)(lx->end - lx->p);
	while (t.n && sl_is_blank(t.s[t.n - 1]))
		t.n--;
	lx->p = lx->end;
	return t;
}

/* ---- <character-string> escapes ------------------------------------------------------ */

int sl_citer_next(struct sl_citer *it, uint8_t *c)
{
	for (;;) {
		char ch;
		size_t used;

		if (it->p >= it->end)
			return 0;
		ch = *it->p++;
		if (ch == '"')
			continue;
		if (ch != '\\') {
			*c = (uint8_t)ch;
			return 1;
		}
		used = sl_text_escape(it->p, (size_t)(it->end - it->p), c);
		if (used == 0)
			return SL_ESYNTAX;
		it->p += used;
		return 1;
	}
}

int sl_unescape(const char *s, size_t n, uint8_t *out, size_t cap, size_t *outlen)
{
	struct sl_citer it = { s, s + n };
	size_t o = 0;
	uint8_t c;
	int r;

	while ((r = sl_citer_next(&it, &c)) > 0) {
		if (o == cap)
			return SL_ESPACE;
		out[o++] = c;
	}
	if (r < 0)
		return SL_ESYNTAX;
	*outlen = o;
	return SL_OK;
}

/* ---- wire output --------------------------------------------------------------------- */

int sl_wb_full(struct sl_lex *lx, const struct sl_wbuf *w)
{
	if (w->limited)
		return sl_lex_fail(lx, SL_ELIMIT, "RDATA longer than 65535 octets");
	return sl_lex_fail(lx, SL_ESPACE, "output buffer too small");
}

int sl_wb_zero(struct sl_lex *lx, struct sl_wbuf *w, size_t n)
{
	if (n > w->cap - w->len)
		return sl_wb_full(lx, w);
	memset(w->p + w->len, 0, n);
	w->len += n;
	return SL_OK;
}

int sl_wb_unescape(struct sl_lex *lx, struct sl_wbuf *w, const char *s, size_t n)
{
	size_t len;
	int rc = sl_unescape(s, n, w->p + w->len, w->cap - w->len, &len);

	if (rc == SL_ESPACE)
		return sl_wb_full(lx, w);
	if (rc != SL_OK)
		return sl_lex_fail(lx, SL_ESYNTAX, "bad escape");
	w->len += len;
	return SL_OK;
}

int sl_wb_decode(struct sl_lex *lx, struct sl_wbuf *w, sl_decode_f fn, const char *s, size_t n,
		 size_t *outlen, const char *what)
{
	int rc = fn(s, n, w->p + w->len, w->cap - w->len, outlen);

	if (rc == SL_ESPACE)
		return sl_wb_full(lx, w);
	if (rc != SL_OK)
		return sl_lex_fail(lx, SL_ESYNTAX, what);
	w->len += *outlen;
	return SL_OK;
}

/* ---- numbers ----------------------------------------------------------------------- */

int sl_lex_uint(struct sl_lex *lx, const char *s, size_t n, uint64_t max, uint64_t *v)
{
	uint64_t acc = 0;

	if (n == 0)
		return sl_lex_fail(lx, SL_ESYNTAX, "not a number");
	for (size_t i = 0; i < n; i++) {
		if (!sl_is_digit(s[i]))
			return sl_lex_fail(lx, SL_ESYNTAX, "not a number");
		acc = acc * 10 + (uint64_t)(s[i] - '0');
		/* max < 2^48, so acc never overflows before this check trips */
		if (acc > max)
			return sl_lex_fail(lx, SL_ESYNTAX, "out of range");
	}
	*v = acc;
	return SL_OK;
}

/*
 * Units as BIND takes them, each number with its unit once units are used
 * ("1h30" is refused). The zone-file scanner reads record TTLs with this too.
 */
int sl_ttl_from_text(const char *text, size_t len, uint32_t max, uint32_t *ttl)
{
	uint64_t total = 0;
	bool units = false;
	size_t i = 0;

	if (len == 0)
		return SL_ESYNTAX;
	while (i < len) {
		uint64_t part = 0, mult;

		if (!sl_is_digit(text[i]))
			return SL_ESYNTAX;
		while (i < len && sl_is_digit(text[i])) {
			part = part * 10 + (uint64_t)(text[i++] - '0');
			if (part > max)
				return SL_ELIMIT;
		}
		if (i == len) {
			if (units)
				return SL_ESYNTAX;
			total = part;
			break;
		}
		switch (text[i++] | 0x20) {
		case 'w': mult = 604800; break;
		case 'd': mult = 86400; break;
		case 'h': mult = 3600; break;
		case 'm': mult = 60; break;
		case 's': mult = 1; break;
		default:
			return SL_ESYNTAX;
		}
		units = true;
		total += part * mult; /* part < 2^32 and total <= max: no overflow */
		if (total > max)
			return SL_ELIMIT;
	}
	*ttl = (uint32_t)total;
	return SL_OK;
}

int sl_lex_ttl(struct sl_lex *lx, const char *s, size_t n, uint64_t *v)
{
	uint32_t ttl;
	int rc = sl_ttl_from_text(s, n, UINT32_MAX, &ttl);

	if (rc == SL_ELIMIT)
		return sl_lex_fail(lx, SL_ESYNTAX, "out of range");
	if (rc != SL_OK)
		return sl_lex_fail(lx, SL_ESYNTAX, "not a number or duration");
	*v = ttl;
	return SL_OK;
}

/* ---- times (proleptic Gregorian calendar, UTC) ---------------------------------------- */

/* Days since 1970-01-01 of a civil date; year >= 1970 here, so no negative eras. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = y / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void sl_civil_from_days(int64_t z, unsigned *y, unsigned *m, unsigned *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = z / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = (unsigned)(yoe + era * 400 + (*m <= 2));
}

static unsigned days_in_month(unsigned y, unsigned m)
{
	static const uint8_t dim[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : dim[m - 1];
}

/* Exactly 14 digits are a date; any other length is seconds. */
int sl_lex_time(struct sl_lex *lx, const char *s, size_t n, uint64_t *v)
{
	unsigned f[6];
	static const uint8_t width[6] = { 4, 2, 2, 2, 2, 2 };
	int64_t secs;
	size_t i = 0;

	if (n != 14)
		return sl_lex_uint(lx, s, n, UINT32_MAX, v);
	for (unsigned k = 0; k < 6; k++) {
		f[k] = 0;
		for (unsigned j = 0; j < width[k]; j++, i++) {
			if (!sl_is_digit(s[i]))
				return sl_lex_fail(lx, SL_ESYNTAX, "not a time");
			f[k] = f[k] * 10 + (unsigned)(s[i] - '0');
		}
	}
	if (f[0] < 1970 || f[1] < 1 || f[1] > 12 || f[2] < 1 ||
	    f[2] > days_in_month(f[0], f[1]) || f[3] > 23 || f[4] > 59 || f[5] > 59)
		return sl_lex_fail(lx, SL_ESYNTAX, "not a valid date");
	secs = days_from_civil(f[0], f[1], f[2]) * 86400 + f[3] * 3600 + f[4] * 60 + f[5];
	/* The field holds plain 32-bit seconds: 1970-01-01 .. 2106-02-07T06:28:15. */
	if (secs > (int64_t)UINT32_MAX)
		return sl_lex_fail(lx, SL_ESYNTAX, "out of range");
	*v = (uint64_t)secs;
	return SL_OK;
}

/* ---- addresses ------------------------------------------------------------------------ */

bool sl_text_addr(int af, const char *s, size_t n, uint8_t *out)
{
	char tmp[INET6_ADDRSTRLEN];

	if (n >= sizeof(tmp))
		return false;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	return inet_pton(af, tmp, out) == 1;
}

/* ---- mnemonics ------------------------------------------------------------------------ */

struct mnemonic {
	uint16_t code;
	const char *name;
};

/* TSIG errors: the RCODEs and the TSIG/TKEY extensions (RFC 8945 §4.2, RFC 6895 §2.3). */
static const struct mnemonic rcodes[] = {
	{ 0, "NOERROR" },  { 1, "FORMERR" },  { 2, "SERVFAIL" }, { 3, "NXDOMAIN" },
	{ 4, "NOTIMP" },   { 5, "REFUSED" },  { 6, "YXDOMAIN" }, { 7, "YXRRSET" },
	{ 8, "NXRRSET" },  { 9, "NOTAUTH" },  { 10, "NOTZONE" }, { 16, "BADSIG" },
	{ 17, "BADKEY" },  { 18, "BADTIME" }, { 19, "BADMODE" }, { 20, "BADNAME" },
	{ 21, "BADALG" },  { 22, "BADTRUNC" },
};

/* CERT types (RFC 4398 §2.1). */
static const struct mnemonic cert_types[] = {
	{ 1, "PKIX" },    { 2, "SPKI" },   { 3, "PGP" },     { 4, "IPKIX" }, { 5, "ISPKI" },
	{ 6, "IPGP" },    { 7, "ACPKIX" }, { 8, "IACPKIX" }, { 253, "URI" }, { 254, "OID" },
};

/* DNSSEC algorithms as BIND names them (RFC 4034 Appendix A.1 and successors). */
static const struct mnemonic sec_algs[] = {
	{ 1, "RSAMD5" },           { 2, "DH" },           { 3, "DSA" },
	{ 5, "RSASHA1" },          { 6, "NSEC3DSA" },     { 7, "NSEC3RSASHA1" },
	{ 8, "RSASHA256" },        { 10, "RSASHA512" },   { 12, "ECCGOST" },
	{ 13, "ECDSAP256SHA256" }, { 14, "ECDSAP384SHA384" }, { 15, "ED25519" },
	{ 16, "ED448" },           { 252, "INDIRECT" },   { 253, "PRIVATEDNS" },
	{ 254, "PRIVATEOID" },
};

/*
 * Well-known services for WKS text (IANA port numbers). BIND asks the
 * system's services database; this fixed list keeps parsing independent of
 * the host. Ports always print as numbers, as dig prints them.
 */
static const struct mnemonic services[] = {
	{ 20, "ftp-data" }, { 21, "ftp" },    { 22, "ssh" },     { 23, "telnet" },
	{ 25, "smtp" },     { 53, "domain" }, { 80, "http" },    { 110, "pop3" },
	{ 119, "nntp" },    { 123, "ntp" },   { 143, "imap" },   { 161, "snmp" },
	{ 389, "ldap" },    { 443, "https" }, { 587, "submission" }, { 993, "imaps" },
	{ 995, "pop3s" },
};

/* WKS protocols by name; any other protocol is a number. */
static const struct mnemonic protocols[] = { { 6, "tcp" }, { 17, "udp" } };

#define TABLE(a) { (a), sizeof(a) / sizeof((a)[0]) }

static const struct {
	const struct mnemonic *m;
	size_t count;
} tables[] = {
	[SL_MNEM_RCODE] = TABLE(rcodes),     [SL_MNEM_CERT] = TABLE(cert_types),
	[SL_MNEM_ALG] = TABLE(sec_algs),     [SL_MNEM_SERVICE] = TABLE(services),
	[SL_MNEM_PROTO] = TABLE(protocols),
};

const char *sl_mnem_name(enum sl_mnem_table table, uint16_t code)
{
	for (size_t i = 0; i < tables[table].count; i++) {
		if (tables[table].m[i].code == code)
			return tables[table].m[i].name;
	}
	return NULL;
}

bool sl_mnem_code(enum sl_mnem_table table, const char *s, size_t n, uint16_t *code)
{
	for (size_t i = 0; i < tables[table].count; i++) {
		const struct mnemonic *m = &tables[table].m[i];

		if (strlen(m->name) == n && strncasecmp(m->name, s, n) == 0) {
			*code = m->code;
			return true;
		}
	}
	return false;
}

const char *sl_rcode_name(uint16_t rcode)
{
	return sl_mnem_name(SL_MNEM_RCODE, rcode);
}
