/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Sluice core — RDATA presentation format (RFC 1035 §5.1, the per-type RFCs,
 * RFC 3597 §5 "\# len hex", RFC 9460 Appendix A for SvcParams).
 *
 * Both directions are driven by the layout table in rdata.c: a type is a list
 * of field kinds, and each kind has exactly one parser and one printer here.
 * Printing first validates the RDATA with sl_rdata_fields() (the same walker
 * the wire side uses), so printers trust field boundaries; parsing ends by
 * running that validation on what it produced, so text can never yield RDATA
 * that the wire side would refuse.
 *
 * Output follows dig/knotc: one space between fields, names absolute,
 * strings quoted, hex upper case, base64 and hex unbroken (as knotc prints
 * them; dig splits long ones into 56-character chunks).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <sluice/name.h>
#include <sluice/rr.h>

#include "encoding.h"

/* ---- text output ----------------------------------------------------------- */

/* Output text buffer; keeps room for the NUL and latches "full" on overflow. */
struct tbuf {
	char *buf;
	size_t cap;
	size_t len;
	bool full;
};

/* Returns where @p n characters may be written, or NULL (and latches full). */
static char *tb_room(struct tbuf *t, size_t n)
{
	if (t->full || t->cap - t->len <= n) {
		t->full = true;
		return NULL;
	}
	return t->buf + t->len;
}

static void tb_put(struct tbuf *t, const char *s, size_t n)
{
	char *r = tb_room(t, n);

	if (r) {
		memcpy(r, s, n);
		t->len += n;
	}
}

static void tb_puts(struct tbuf *t, const char *s)
{
	tb_put(t, s, strlen(s));
}

static void tb_putc(struct tbuf *t, char c)
{
	tb_put(t, &c, 1);
}

static void tb_putu(struct tbuf *t, uint64_t v)
{
	char tmp[24];
	int n = snprintf(tmp, sizeof(tmp), "%llu", (unsigned long long)v);

	tb_put(t, tmp, (size_t)n);
}

static void tb_base64(struct tbuf *t, const uint8_t *p, size_t n)
{
	char *r = tb_room(t, SL_BASE64_LEN(n));

	if (r)
		t->len += (size_t)sl_base64_encode(p, n, r, SL_BASE64_LEN(n));
}

static void tb_hex(struct tbuf *t, const uint8_t *p, size_t n)
{
	char *r = tb_room(t, SL_HEX_LEN(n));

	if (r)
		t->len += (size_t)sl_hex_encode(p, n, r, SL_HEX_LEN(n));
}

static void tb_base32hex(struct tbuf *t, const uint8_t *p, size_t n)
{
	char *r = tb_room(t, SL_BASE32HEX_LEN(n));

	if (r)
		t->len += (size_t)sl_base32hex_encode(p, n, r, SL_BASE32HEX_LEN(n));
}

static void tb_name(struct tbuf *t, const uint8_t *name)
{
	char tmp[SL_NAME_TEXT_MAX];
	int n = sl_name_to_text(name, tmp, sizeof(tmp));

	if (n < 0)
		t->full = true; /* cannot happen for a validated name */
	else
		tb_put(t, tmp, (size_t)n);
}

static void tb_type(struct tbuf *t, uint16_t type)
{
	char tmp[16];
	int n = sl_rrtype_to_text(type, tmp, sizeof(tmp));

	if (n < 0)
		t->full = true;
	else
		tb_put(t, tmp, (size_t)n);
}

/*
 * Content of a quoted <character-string>: '"' and '\' escaped, bytes outside
 * printable ASCII as \DDD (what dig and knotc do). With @p vlist, ',' and
 * '\' are first escaped for an RFC 9460 value-list, which the string level
 * then escapes again ("a,b" -> a\\,b).
 */
static void tb_strbody(struct tbuf *t, const uint8_t *p, size_t n, bool vlist)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];
		char e[8];

		if (vlist && (c == ',' || c == '\\')) {
			tb_put(t, c == ',' ? "\\\\," : "\\\\\\\\", c == ',' ? 3 : 4);
		} else if (c == '"' || c == '\\') {
			e[0] = '\\';
			e[1] = (char)c;
			tb_put(t, e, 2);
		} else if (c < 0x20 || c >= 0x7f) {
			snprintf(e, sizeof(e), "\\%03u", (unsigned)c);
			tb_put(t, e, 4);
		} else {
			tb_putc(t, (char)c);
		}
	}
}

static void tb_qstr(struct tbuf *t, const uint8_t *p, size_t n)
{
	tb_putc(t, '"');
	tb_strbody(t, p, n, false);
	tb_putc(t, '"');
}

/* ---- calendar (proleptic Gregorian, UTC) ------------------------------------ */

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

static void civil_from_days(int64_t z, unsigned *y, unsigned *m, unsigned *d)
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

/* YYYYMMDDHHmmSS of a 32-bit time, taken as plain seconds since the epoch. */
static void tb_time(struct tbuf *t, uint32_t v)
{
	unsigned y, mo, d;
	char tmp[24];
	int n;

	civil_from_days(v / 86400, &y, &mo, &d);
	n = snprintf(tmp, sizeof(tmp), "%04u%02u%02u%02u%02u%02u", y, mo, d,
		     (unsigned)(v % 86400 / 3600), (unsigned)(v % 3600 / 60), (unsigned)(v % 60));
	tb_put(t, tmp, (size_t)n);
}

/* ---- TSIG error codes (RFC 8945 §4.2, RFC 6895 §2.3) --------------------------- */

static const char *const rcode_names[] = {
	[0] = "NOERROR",   [1] = "FORMERR",  [2] = "SERVFAIL", [3] = "NXDOMAIN",
	[4] = "NOTIMP",    [5] = "REFUSED",  [6] = "YXDOMAIN", [7] = "YXRRSET",
	[8] = "NXRRSET",   [9] = "NOTAUTH",  [10] = "NOTZONE", [16] = "BADSIG",
	[17] = "BADKEY",   [18] = "BADTIME", [19] = "BADMODE", [20] = "BADNAME",
	[21] = "BADALG",   [22] = "BADTRUNC",
};
#define NRCODES (sizeof(rcode_names) / sizeof(rcode_names[0]))

/* ---- other mnemonics ----------------------------------------------------------- */

struct mnemonic {
	uint16_t code;
	const char *name;
};

#define NMNEM(a) (sizeof(a) / sizeof((a)[0]))

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

static const char *mnem_name(const struct mnemonic *m, size_t count, uint16_t code)
{
	for (size_t i = 0; i < count; i++) {
		if (m[i].code == code)
			return m[i].name;
	}
	return NULL;
}

/* Case-insensitive lookup of s[0..n). */
static bool mnem_code(const struct mnemonic *m, size_t count, const char *s, size_t n,
		      uint16_t *code)
{
	for (size_t i = 0; i < count; i++) {
		if (strlen(m[i].name) == n && strncasecmp(m[i].name, s, n) == 0) {
			*code = m[i].code;
			return true;
		}
	}
	return false;
}

/* ---- printing ---------------------------------------------------------------- */

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void tb_addr(struct tbuf *t, int af, const uint8_t *p)
{
	char tmp[INET6_ADDRSTRLEN];

	if (!inet_ntop(af, p, tmp, sizeof(tmp)))
		t->full = true;
	else
		tb_puts(t, tmp);
}

/* Types present in a valid bitmap, in ascending order. */
static void tb_bitmap(struct tbuf *t, const uint8_t *p, size_t n)
{
	bool first = true;

	for (size_t i = 0; i < n; i += 2 + (size_t)p[i + 1]) {
		for (unsigned b = 0; b < p[i + 1] * 8u; b++) {
			if (!(p[i + 2 + b / 8] & (0x80 >> (b % 8))))
				continue;
			if (!first)
				tb_putc(t, ' ');
			first = false;
			tb_type(t, (uint16_t)(p[i] * 256u + b));
		}
	}
}

/* A code as its mnemonic, or in decimal when it has none. */
static void tb_mnem(struct tbuf *t, const struct mnemonic *m, size_t count, uint16_t code)
{
	const char *name = mnem_name(m, count, code);

	if (name)
		tb_puts(t, name);
	else
		tb_putu(t, code);
}

/* Octets as lower-case hex pairs joined by @p sep (EUI48/EUI64, RFC 7043 §3.2). */
static void tb_hexjoin(struct tbuf *t, const uint8_t *p, size_t n, char sep)
{
	for (size_t i = 0; i < n; i++) {
		char e[4];

		if (i)
			tb_putc(t, sep);
		snprintf(e, sizeof(e), "%02x", p[i]);
		tb_put(t, e, 2);
	}
}

/* LOC size or precision: mantissa * 10^exponent centimetres, as BIND prints it. */
static void tb_locprec(struct tbuf *t, uint8_t v)
{
	static const uint32_t pow10[10] = { 1,      10,      100,      1000,      10000,
					     100000, 1000000, 10000000, 100000000, 1000000000 };
	unsigned m = v >> 4, e = v & 15;
	char tmp[24];

	if (e > 1)
		snprintf(tmp, sizeof(tmp), "%lum", (unsigned long)m * pow10[e - 2]);
	else
		snprintf(tmp, sizeof(tmp), "0.%02lum", (unsigned long)m * pow10[e]);
	tb_puts(t, tmp);
}

/* One LOC coordinate: "d m s.fff H", relative to 2^31 (RFC 1876 §3). */
static void tb_loccoord(struct tbuf *t, uint32_t v, const char *hemi)
{
	bool pos = v >= 0x80000000u;
	uint32_t ms = pos ? v - 0x80000000u : 0x80000000u - v;
	char tmp[40];

	snprintf(tmp, sizeof(tmp), "%u %u %u.%03u %c", (unsigned)(ms / 3600000),
		 (unsigned)(ms / 60000 % 60), (unsigned)(ms / 1000 % 60), (unsigned)(ms % 1000),
		 hemi[pos ? 0 : 1]);
	tb_puts(t, tmp);
}

/* A validated LOC version 0 RDATA, exactly as BIND's totext_loc prints it. */
static void tb_loc(struct tbuf *t, const uint8_t *p)
{
	uint32_t alt = get32(p + 12);
	bool below = alt < 10000000u;
	uint32_t cm = below ? 10000000u - alt : alt - 10000000u;
	char tmp[24];

	tb_loccoord(t, get32(p + 4), "NS");
	tb_putc(t, ' ');
	tb_loccoord(t, get32(p + 8), "EW");
	snprintf(tmp, sizeof(tmp), " %s%u.%02um", below ? "-" : "", (unsigned)(cm / 100),
		 (unsigned)(cm % 100));
	tb_puts(t, tmp);
	for (unsigned i = 1; i <= 3; i++) {
		tb_putc(t, ' ');
		tb_locprec(t, p[i]);
	}
}

/* IPSECKEY "type algorithm gateway" (RFC 4025 §3.1); the gateway is validated. */
static void tb_ipsecgw(struct tbuf *t, const uint8_t *p)
{
	tb_putu(t, p[0]);
	tb_putc(t, ' ');
	tb_putu(t, p[1]);
	tb_putc(t, ' ');
	if (p[0] == 0)
		tb_putc(t, '.');
	else if (p[0] == 3)
		tb_name(t, p + 2);
	else
		tb_addr(t, p[0] == 1 ? AF_INET : AF_INET6, p + 2);
}

/* WKS services: the ports whose bits are set, ascending, in decimal. */
static void tb_ports(struct tbuf *t, const uint8_t *p, size_t n)
{
	bool first = true;

	for (size_t i = 0; i < n; i++) {
		for (unsigned b = 0; p[i] && b < 8; b++) {
			if (!(p[i] & (0x80 >> b)))
				continue;
			if (!first)
				tb_putc(t, ' ');
			first = false;
			tb_putu(t, i * 8 + b);
		}
	}
}

/* APL items "[!]afi:address/prefix", the address zero-padded to full length. */
static void tb_apl(struct tbuf *t, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i += 4 + (size_t)(p[i + 3] & 0x7f)) {
		uint8_t addr[16] = { 0 };
		uint16_t afi = get16(p + i);

		if (i)
			tb_putc(t, ' ');
		if (p[i + 3] & 0x80)
			tb_putc(t, '!');
		tb_putu(t, afi);
		tb_putc(t, ':');
		memcpy(addr, p + i + 4, p[i + 3] & 0x7f);
		tb_addr(t, afi == 1 ? AF_INET : AF_INET6, addr);
		tb_putc(t, '/');
		tb_putu(t, p[i + 2]);
	}
}

static void tb_svckey(struct tbuf *t, uint16_t key)
{
	const char *name = sl_svc_key_name(key);

	if (name) {
		tb_puts(t, name);
	} else {
		tb_puts(t, "key");
		tb_putu(t, key);
	}
}

/* One SvcParam as key[=value], dig style (RFC 9460 Appendix A). */
static void tb_svcparam(struct tbuf *t, uint16_t key, const uint8_t *v, size_t n)
{
	tb_svckey(t, key);
	if (n == 0)
		return; /* no-default-alpn, and empty opaque values, print bare */
	tb_putc(t, '=');
	switch (sl_svc_key_kind(key)) {
	case SL_SVC_MANDATORY:
		for (size_t i = 0; i < n; i += 2) {
			if (i)
				tb_putc(t, ',');
			tb_svckey(t, get16(v + i));
		}
		break;
	case SL_SVC_ALPN:
		tb_putc(t, '"');
		for (size_t i = 0; i < n; i += 1 + (size_t)v[i]) {
			if (i)
				tb_putc(t, ',');
			tb_strbody(t, v + i + 1, v[i], true);
		}
		tb_putc(t, '"');
		break;
	case SL_SVC_PORT:
		tb_putu(t, get16(v));
		break;
	case SL_SVC_IPV4:
	case SL_SVC_IPV6: {
		bool v4 = sl_svc_key_kind(key) == SL_SVC_IPV4;
		size_t step = v4 ? 4 : 16;

		for (size_t i = 0; i < n; i += step) {
			if (i)
				tb_putc(t, ',');
			tb_addr(t, v4 ? AF_INET : AF_INET6, v + i);
		}
		break;
	}
	case SL_SVC_B64:
		tb_base64(t, v, n);
		break;
	case SL_SVC_FLAG: /* non-empty is invalid and never reaches here */
	case SL_SVC_OPAQUE:
		tb_qstr(t, v, n);
		break;
	}
}

/* Prints one validated field. */
static void print_field(struct tbuf *t, uint8_t kind, const uint8_t *p, size_t n)
{
	switch (kind) {
	case SL_RDF_U8:
		tb_putu(t, p[0]);
		break;
	case SL_RDF_U16:
		tb_putu(t, get16(p));
		break;
	case SL_RDF_U32:
	case SL_RDF_TTL:
		tb_putu(t, get32(p));
		break;
	case SL_RDF_U48:
		tb_putu(t, (uint64_t)get16(p) << 32 | get32(p + 2));
		break;
	case SL_RDF_TYPE:
		tb_type(t, get16(p));
		break;
	case SL_RDF_TIME:
		tb_time(t, get32(p));
		break;
	case SL_RDF_RCODE: {
		uint16_t rc = get16(p);

		if (rc < NRCODES && rcode_names[rc])
			tb_puts(t, rcode_names[rc]);
		else
			tb_putu(t, rc);
		break;
	}
	case SL_RDF_A:
		tb_addr(t, AF_INET, p);
		break;
	case SL_RDF_AAAA:
		tb_addr(t, AF_INET6, p);
		break;
	case SL_RDF_NAME:
		tb_name(t, p);
		break;
	case SL_RDF_STR:
		tb_qstr(t, p + 1, p[0]);
		break;
	case SL_RDF_STRS:
		for (size_t i = 0; i < n; i += 1 + (size_t)p[i]) {
			if (i)
				tb_putc(t, ' ');
			tb_qstr(t, p + i + 1, p[i]);
		}
		break;
	case SL_RDF_CAATAG: /* letters and digits only, checked */
		tb_put(t, (const char *)p + 1, p[0]);
		break;
	case SL_RDF_CAAVAL:
	case SL_RDF_URI:
		tb_qstr(t, p, n);
		break;
	case SL_RDF_CERTTYPE:
		tb_mnem(t, cert_types, NMNEM(cert_types), get16(p));
		break;
	case SL_RDF_ALG:
		tb_mnem(t, sec_algs, NMNEM(sec_algs), p[0]);
		break;
	case SL_RDF_PROTO:
		tb_putu(t, p[0]);
		break;
	case SL_RDF_EUI48:
	case SL_RDF_EUI64:
		tb_hexjoin(t, p, n, '-');
		break;
	case SL_RDF_ILNP64:
		for (size_t i = 0; i < 8; i += 2) {
			char e[8];

			snprintf(e, sizeof(e), "%s%x", i ? ":" : "", (unsigned)get16(p + i));
			tb_puts(t, e);
		}
		break;
	case SL_RDF_LOC:
		tb_loc(t, p);
		break;
	case SL_RDF_IPSECGW:
		tb_ipsecgw(t, p);
		break;
	case SL_RDF_PORTS:
		tb_ports(t, p, n);
		break;
	case SL_RDF_APL:
		tb_apl(t, p, n);
		break;
	case SL_RDF_SALT:
		if (p[0] == 0)
			tb_putc(t, '-');
		else
			tb_hex(t, p + 1, p[0]);
		break;
	case SL_RDF_HASH:
		tb_base32hex(t, p + 1, p[0]);
		break;
	case SL_RDF_B64LEN:
		tb_putu(t, get16(p));
		if (n > 2) {
			tb_putc(t, ' ');
			tb_base64(t, p + 2, n - 2);
		}
		break;
	case SL_RDF_B64:
	case SL_RDF_B64NZ:
		tb_base64(t, p, n);
		break;
	case SL_RDF_HEX:
	case SL_RDF_DIGEST:
		tb_hex(t, p, n);
		break;
	case SL_RDF_BITMAP:
		tb_bitmap(t, p, n);
		break;
	case SL_RDF_SVCPARAMS:
		for (size_t i = 0; i < n; i += 4 + (size_t)get16(p + i + 2)) {
			if (i)
				tb_putc(t, ' ');
			tb_svcparam(t, get16(p + i), p + i + 4, get16(p + i + 2));
		}
		break;
	default: /* SL_RDF_OPTIONS: such types print generically */
		t->full = true;
		break;
	}
}

/* True for a valid field whose presentation is empty. */
static bool prints_nothing(uint8_t kind, const uint8_t *p, size_t n)
{
	switch (kind) {
	case SL_RDF_B64:
	case SL_RDF_HEX:
	case SL_RDF_SVCPARAMS:
	case SL_RDF_APL:
		return n == 0;
	case SL_RDF_PORTS:
		for (size_t i = 0; i < n; i++) {
			if (p[i])
				return false;
		}
		return true;
	case SL_RDF_BITMAP:
		/* Windows may be present yet list no type (zero octets are tolerated). */
		for (size_t i = 0; i < n; i += 2 + (size_t)p[i + 1]) {
			for (size_t k = 0; k < p[i + 1]; k++) {
				if (p[i + 2 + k])
					return false;
			}
		}
		return true;
	default:
		return false;
	}
}

static void print_generic(struct tbuf *t, const uint8_t *rdata, size_t rdlen)
{
	tb_puts(t, "\\# ");
	tb_putu(t, rdlen);
	if (rdlen) {
		tb_putc(t, ' ');
		tb_hex(t, rdata, rdlen);
	}
}

int sl_rdata_to_text(uint16_t type, const uint8_t *rdata, size_t rdlen, char *buf,
		     size_t bufsize)
{
	const sl_rdata_desc_t *desc = sl_rdata_desc(type);
	sl_rdf_span_t spans[SL_RDF_MAX];
	struct tbuf t = { buf, bufsize, 0, false };

	if (bufsize == 0)
		return SL_ESPACE; /* there must be room for the NUL, even for an empty APL */
	if (!desc || (desc->flags & SL_RDD_GENERIC) ||
	    sl_rdata_fields(desc, rdata, rdlen, spans, NULL) != SL_OK) {
		print_generic(&t, rdata, rdlen);
	} else {
		for (unsigned i = 0; i < SL_RDF_MAX && desc->f[i].kind != SL_RDF_END; i++) {
			uint8_t kind = desc->f[i].kind;

			/* Empty rest fields (no key data, no types) print nothing, no blank. */
			if (prints_nothing(kind, rdata + spans[i].off, spans[i].len))
				continue;
			if (i)
				tb_putc(&t, ' ');
			print_field(&t, kind, rdata + spans[i].off, spans[i].len);
		}
	}
	if (t.full) {
		if (bufsize)
			buf[0] = '\0';
		return SL_ESPACE;
	}
	buf[t.len] = '\0';
	return (int)t.len;
}

/* ---- text input ---------------------------------------------------------------- */

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* The text being parsed and where to report problems. */
struct lex {
	const char *p;
	const char *end;
	uint16_t type;
	const char *field; /* field being parsed, for messages; NULL for the whole RDATA */
	char *err;
	size_t errsize;
};

/* One blank-separated token, raw (quotes and escapes still in place). */
struct tok {
	const char *s;
	size_t n;
};

/* Records "<TYPE> <field>: <reason>" and returns @p rc. */
static int fail(struct lex *lx, int rc, const char *reason)
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

static void skip_blanks(struct lex *lx)
{
	while (lx->p < lx->end && is_blank(*lx->p))
		lx->p++;
}

/*
 * Next token. A token ends at a blank outside double quotes; a backslash
 * protects the next character (so "\ " and "\"" do not end or open anything;
 * the digits of \DDD are ordinary characters here). Quotes may open anywhere
 * in a token, as SvcParams need (alpn="h2,h3").
 * @return 1 with a token, 0 at the end of the text, or SL_ESYNTAX
 */
static int lex_next(struct lex *lx, struct tok *t)
{
	bool quoted = false;

	skip_blanks(lx);
	if (lx->p == lx->end)
		return 0;
	t->s = lx->p;
	while (lx->p < lx->end) {
		char c = *lx->p;

		if (c == '\\') {
			if (lx->end - lx->p < 2)
				return fail(lx, SL_ESYNTAX, "backslash at end of text");
			lx->p += 2;
			continue;
		}
		if (c == '"')
			quoted = !quoted;
		else if (!quoted && is_blank(c))
			break;
		lx->p++;
	}
	if (quoted)
		return fail(lx, SL_ESYNTAX, "unterminated quoted string");
	t->n = (size_t)(lx->p - t->s);
	return 1;
}

/* Next token of a required field. @return SL_OK or SL_ESYNTAX ("missing"). */
static int need_token(struct lex *lx, struct tok *t)
{
	int rc = lex_next(lx, t);

	if (rc == 0)
		return fail(lx, SL_ESYNTAX, "missing");
	return rc < 0 ? rc : SL_OK;
}

/* Iterates the octets a <character-string> token stands for. */
struct citer {
	const char *p;
	const char *end;
};

/* @return 1 with *c, 0 at the end, -1 on a bad escape. Unescaped quotes are delimiters. */
static int cnext(struct citer *it, uint8_t *c)
{
	for (;;) {
		char ch;

		if (it->p >= it->end)
			return 0;
		ch = *it->p++;
		if (ch == '"')
			continue;
		if (ch != '\\') {
			*c = (uint8_t)ch;
			return 1;
		}
		if (it->p >= it->end)
			return -1;
		if (is_digit(*it->p)) {
			unsigned v;

			/* \DDD: exactly three decimal digits, at most 255. */
			if (it->end - it->p < 3 || !is_digit(it->p[1]) || !is_digit(it->p[2]))
				return -1;
			v = (unsigned)(it->p[0] - '0') * 100 + (unsigned)(it->p[1] - '0') * 10 +
			    (unsigned)(it->p[2] - '0');
			if (v > 255)
				return -1;
			it->p += 3;
			*c = (uint8_t)v;
			return 1;
		}
		*c = (uint8_t)*it->p++;
		return 1;
	}
}

/*
 * Decodes a <character-string> token into @p out.
 * @return SL_OK, SL_ESYNTAX (bad escape) or SL_ESPACE (more than @p cap octets)
 */
static int unescape(const char *s, size_t n, uint8_t *out, size_t cap, size_t *outlen)
{
	struct citer it = { s, s + n };
	size_t o = 0;
	uint8_t c;
	int r;

	while ((r = cnext(&it, &c)) > 0) {
		if (o == cap)
			return SL_ESPACE;
		out[o++] = c;
	}
	if (r < 0)
		return SL_ESYNTAX;
	*outlen = o;
	return SL_OK;
}

/* Wire output under construction. */
struct wbuf {
	uint8_t *p;
	size_t cap;   /* min(outcap, 65535) */
	size_t len;
	bool limited; /* cap is the RDATA limit rather than the caller's buffer */
};

static int w_full(struct lex *lx, const struct wbuf *w)
{
	if (w->limited)
		return fail(lx, SL_ELIMIT, "RDATA longer than 65535 octets");
	return fail(lx, SL_ESPACE, "output buffer too small");
}

static int w_put(struct lex *lx, struct wbuf *w, const void *p, size_t n)
{
	if (n > w->cap - w->len)
		return w_full(lx, w);
	memcpy(w->p + w->len, p, n);
	w->len += n;
	return SL_OK;
}

static int w_put16(struct lex *lx, struct wbuf *w, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	return w_put(lx, w, b, 2);
}

static void put16_at(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/*
 * Plain decimal: digits only (no sign, no blanks), at most @p max.
 * @return SL_OK or SL_ESYNTAX with the reason recorded
 */
static int parse_uint(struct lex *lx, const char *s, size_t n, uint64_t max, uint64_t *v)
{
	uint64_t acc = 0;

	if (n == 0)
		return fail(lx, SL_ESYNTAX, "not a number");
	for (size_t i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return fail(lx, SL_ESYNTAX, "not a number");
		acc = acc * 10 + (uint64_t)(s[i] - '0');
		/* max < 2^48, so acc never overflows before this check trips */
		if (acc > max)
			return fail(lx, SL_ESYNTAX, "out of range");
	}
	*v = acc;
	return SL_OK;
}

/* A 32-bit TTL-style duration: plain seconds or units as BIND takes them ("1w2d", "1h30m"). */
static int parse_ttl(struct lex *lx, const char *s, size_t n, uint64_t *v)
{
	uint64_t total = 0;
	size_t i = 0;
	bool units = false;

	for (size_t k = 0; k < n; k++) {
		if (!is_digit(s[k]))
			units = true;
	}
	if (!units)
		return parse_uint(lx, s, n, UINT32_MAX, v);
	while (i < n) {
		uint64_t part = 0, mult;
		size_t start = i;

		while (i < n && is_digit(s[i])) {
			part = part * 10 + (uint64_t)(s[i] - '0');
			if (part > UINT32_MAX)
				return fail(lx, SL_ESYNTAX, "out of range");
			i++;
		}
		/* Every part needs digits and a unit once units are used ("1h30" is refused). */
		if (i == start || i == n)
			return fail(lx, SL_ESYNTAX, "not a number or duration");
		switch (s[i++] | 0x20) {
		case 'w': mult = 604800; break;
		case 'd': mult = 86400; break;
		case 'h': mult = 3600; break;
		case 'm': mult = 60; break;
		case 's': mult = 1; break;
		default:
			return fail(lx, SL_ESYNTAX, "not a number or duration");
		}
		total += part * mult;
		if (total > UINT32_MAX)
			return fail(lx, SL_ESYNTAX, "out of range");
	}
	*v = total;
	return SL_OK;
}

/* RRSIG times: YYYYMMDDHHmmSS (exactly 14 digits) or seconds since the epoch. */
static int parse_time(struct lex *lx, const char *s, size_t n, uint64_t *v)
{
	unsigned f[6];
	static const uint8_t width[6] = { 4, 2, 2, 2, 2, 2 };
	int64_t secs;
	size_t i = 0;

	if (n != 14)
		return parse_uint(lx, s, n, UINT32_MAX, v);
	for (unsigned k = 0; k < 6; k++) {
		f[k] = 0;
		for (unsigned j = 0; j < width[k]; j++, i++) {
			if (!is_digit(s[i]))
				return fail(lx, SL_ESYNTAX, "not a time");
			f[k] = f[k] * 10 + (unsigned)(s[i] - '0');
		}
	}
	if (f[0] < 1970 || f[1] < 1 || f[1] > 12 || f[2] < 1 ||
	    f[2] > days_in_month(f[0], f[1]) || f[3] > 23 || f[4] > 59 || f[5] > 59)
		return fail(lx, SL_ESYNTAX, "not a valid date");
	secs = days_from_civil(f[0], f[1], f[2]) * 86400 + f[3] * 3600 + f[4] * 60 + f[5];
	/* The field holds plain 32-bit seconds: 1970-01-01 .. 2106-02-07T06:28:15. */
	if (secs > (int64_t)UINT32_MAX)
		return fail(lx, SL_ESYNTAX, "out of range");
	*v = (uint64_t)secs;
	return SL_OK;
}

static int parse_rcode(struct lex *lx, const char *s, size_t n, uint64_t *v)
{
	for (size_t k = 0; k < NRCODES; k++) {
		if (rcode_names[k] && strlen(rcode_names[k]) == n &&
		    strncasecmp(rcode_names[k], s, n) == 0) {
			*v = k;
			return SL_OK;
		}
	}
	return parse_uint(lx, s, n, UINT16_MAX, v);
}

/* inet_pton() on a token; the address text is never quoted or escaped. */
static bool parse_addr(int af, const char *s, size_t n, uint8_t *out)
{
	char tmp[INET6_ADDRSTRLEN];

	if (n >= sizeof(tmp))
		return false;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	return inet_pton(af, tmp, out) == 1;
}

static int parse_name(struct lex *lx, struct wbuf *w, const struct tok *t, const uint8_t *origin)
{
	uint8_t name[SL_NAME_MAXLEN];
	size_t n;
	int rc;

	if (t->s[0] == '"')
		return fail(lx, SL_ESYNTAX, "expected a domain name");
	rc = sl_name_from_text(t->s, t->n, origin, name, &n);
	if (rc == SL_ELIMIT)
		return fail(lx, SL_ELIMIT, "name too long");
	if (rc != SL_OK)
		return fail(lx, SL_ESYNTAX, origin ? "bad domain name" :
				     "bad domain name or relative name without origin");
	return w_put(lx, w, name, n);
}

/* A length-prefixed <character-string> (at most 255 octets). */
static int parse_str(struct lex *lx, struct wbuf *w, const struct tok *t)
{
	uint8_t s[256];
	size_t n;
	int rc = unescape(t->s, t->n, s + 1, 255, &n);

	if (rc == SL_ESPACE)
		return fail(lx, SL_ELIMIT, "string longer than 255 octets");
	if (rc != SL_OK)
		return fail(lx, SL_ESYNTAX, "bad escape");
	s[0] = (uint8_t)n;
	return w_put(lx, w, s, n + 1);
}

/* The rest of the text, blanks trimmed at both ends; consumes it. */
static struct tok take_rest(struct lex *lx)
{
	struct tok t;

	skip_blanks(lx);
	t.s = lx->p;
	t.n = (size_t)(lx->end - lx->p);
	while (t.n && is_blank(t.s[t.n - 1]))
		t.n--;
	lx->p = lx->end;
	return t;
}

typedef int (*decode_fn)(const char *in, size_t len, uint8_t *out, size_t outcap,
			 size_t *outlen);

/* Decodes text straight into the output; @p what names the encoding for messages. */
static int parse_encoded(struct lex *lx, struct wbuf *w, decode_fn fn, const char *s, size_t n,
			 size_t *outlen, const char *what)
{
	int rc = fn(s, n, w->p + w->len, w->cap - w->len, outlen);

	if (rc == SL_ESPACE)
		return w_full(lx, w);
	if (rc != SL_OK)
		return fail(lx, SL_ESYNTAX, what);
	w->len += *outlen;
	return SL_OK;
}

/*
 * TSIG MAC / other data: a length token, then (if non-zero) base64 that may
 * be split into several tokens and must decode to exactly that length.
 */
static int parse_b64len(struct lex *lx, struct wbuf *w, const struct tok *t)
{
	uint64_t len;
	size_t want, have = 0, got;
	const char *start = NULL, *stop = NULL;
	int rc = parse_uint(lx, t->s, t->n, UINT16_MAX, &len);

	if (rc != SL_OK)
		return rc;
	rc = w_put16(lx, w, (uint16_t)len);
	if (rc != SL_OK || len == 0)
		return rc;
	/* Gather tokens until they hold as many base64 characters as len needs. */
	want = SL_BASE64_LEN(len);
	while (have < want) {
		struct tok b;

		rc = need_token(lx, &b);
		if (rc != SL_OK)
			return rc;
		if (!start)
			start = b.s;
		stop = b.s + b.n;
		have += b.n;
	}
	if (have != want)
		return fail(lx, SL_ESYNTAX, "base64 longer than the stated length");
	rc = parse_encoded(lx, w, sl_base64_decode, start, (size_t)(stop - start), &got,
			   "bad base64");
	if (rc == SL_OK && got != len)
		return fail(lx, SL_ESYNTAX, "base64 does not match the stated length");
	return rc;
}

/*
 * Type bitmap from a list of types in any order. Only the windows that types
 * fall in are touched (cleared on first use, then encoded), so the cost is
 * proportional to the types listed rather than to all 256 windows.
 */
static int parse_bitmap(struct lex *lx, struct wbuf *w)
{
	uint8_t bits[256][32]; /* window w is initialised once its bit in used[] is set */
	uint64_t used[4] = { 0, 0, 0, 0 };
	struct tok t;
	int rc;

	while ((rc = lex_next(lx, &t)) > 0) {
		uint16_t type;
		unsigned win;

		if (sl_rrtype_from_text(t.s, t.n, &type) != SL_OK)
			return fail(lx, SL_ESYNTAX, "unknown type");
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
			rc = w_put(lx, w, hdr, 2);
			if (rc == SL_OK)
				rc = w_put(lx, w, bits[win], len);
			if (rc != SL_OK)
				return rc;
		}
	}
	return SL_OK;
}

/* A token spelled exactly as one of the letters in @p set ("NS"), case-sensitive as in BIND. */
static int one_of(const struct tok *t, const char *set)
{
	if (t->n == 1 && (t->s[0] == set[0] || t->s[0] == set[1]))
		return t->s[0] == set[0] ? 1 : -1;
	return 0;
}

/*
 * A LOC decimal "[sign]digits[.frac][m]" (RFC 1876 Appendix A): at most
 * @p fdigits fraction digits (none and no '.' when 0), scaled so *frac is in
 * units of 10^-fdigits. Leading or trailing digits may be absent (".5",
 * "5."), as BIND takes them, but not both.
 */
static bool loc_number(const struct tok *t, unsigned fdigits, bool sign, bool unit, bool *neg,
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
	for (; i < n && is_digit(s[i]); i++, digits++) {
		*ip = *ip * 10 + (uint64_t)(s[i] - '0');
		if (*ip > UINT32_MAX)
			return false; /* beyond every range; also keeps *ip from overflowing */
	}
	if (fdigits && i < n && s[i] == '.') {
		for (i++; i < n && is_digit(s[i]); i++, k++, digits++) {
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
static int parse_loccoord(struct lex *lx, unsigned maxdeg, const char *hemi, uint32_t *out)
{
	uint32_t part[3] = { 0, 0, 0 }; /* degrees, minutes, milliseconds */
	int side = 0;
	struct tok t;

	for (unsigned k = 0; k < 4; k++) {
		static const uint32_t max[3] = { 180, 59, 59999 };
		uint64_t ip;
		uint32_t frac;
		bool neg;
		int rc = need_token(lx, &t);

		if (rc != SL_OK)
			return rc;
		if (k > 0 && (side = one_of(&t, hemi)) != 0)
			break;
		if (k == 3)
			return fail(lx, SL_ESYNTAX, hemi[0] == 'N' ? "expected N or S" :
								  "expected E or W");
		if (!loc_number(&t, k == 2 ? 3 : 0, false, false, &neg, &ip, &frac))
			return fail(lx, SL_ESYNTAX, "not a number");
		part[k] = (uint32_t)(k == 2 ? ip * 1000 + frac : ip);
		if (ip > UINT32_MAX / 1000 || part[k] > (k == 0 ? maxdeg : max[k]))
			return fail(lx, SL_ESYNTAX, "out of range");
	}
	if (part[0] == maxdeg && (part[1] || part[2]))
		return fail(lx, SL_ESYNTAX, "out of range");
	part[2] += (part[0] * 3600 + part[1] * 60) * 1000;
	*out = side > 0 ? 0x80000000u + part[2] : 0x80000000u - part[2];
	return SL_OK;
}

/*
 * LOC (RFC 1876 Appendix A): "d1 [m1 [s1]] {N|S} d2 [m2 [s2]] {E|W}
 * alt[m] [siz[m] [hp[m] [vp[m]]]]". Sizes become mantissa and exponent by
 * truncation, as BIND encodes them ("15m" is stored, and printed, as 10m).
 */
static int parse_loc(struct lex *lx, struct wbuf *w)
{
	static const uint32_t pow10[8] = { 1, 10, 100, 1000, 10000, 100000, 1000000, 10000000 };
	uint8_t out[16] = { 0, 0x12, 0x16, 0x13 }; /* version 0; 1m, 10000m, 10m */
	uint32_t v[3];
	struct tok t;
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
	rc = need_token(lx, &t);
	if (rc != SL_OK)
		return rc;
	if (!loc_number(&t, 2, true, true, &neg, &ip, &frac))
		return fail(lx, SL_ESYNTAX, "not a number");
	/* Stored in centimetres above 100000 m below the WGS 84 spheroid. */
	cm = ip * 100 + frac;
	if (neg ? cm > 10000000u : cm > UINT32_MAX - 10000000u)
		return fail(lx, SL_ESYNTAX, "out of range");
	v[2] = (uint32_t)(neg ? 10000000u - cm : 10000000u + cm);
	for (unsigned k = 0; k < 3; k++) {
		static const char *const names[3] = { "size", "horizontal precision",
						      "vertical precision" };
		unsigned man, e = 0;

		lx->field = names[k];
		rc = lex_next(lx, &t);
		if (rc <= 0)
			break;
		if (!loc_number(&t, 2, false, true, &neg, &ip, &frac))
			return fail(lx, SL_ESYNTAX, "not a number");
		if (ip > 90000000)
			return fail(lx, SL_ESYNTAX, "out of range");
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
	for (unsigned k = 0; k < 3; k++) {
		out[4 + 4 * k] = (uint8_t)(v[k] >> 24);
		out[5 + 4 * k] = (uint8_t)(v[k] >> 16);
		out[6 + 4 * k] = (uint8_t)(v[k] >> 8);
		out[7 + 4 * k] = (uint8_t)v[k];
	}
	return w_put(lx, w, out, sizeof(out));
}

/* IPSECKEY "gateway-type algorithm gateway" (RFC 4025 §3.1). */
static int parse_ipsecgw(struct lex *lx, struct wbuf *w, const uint8_t *origin)
{
	uint8_t addr[16];
	uint64_t gtype, alg;
	struct tok t;
	int rc;

	lx->field = "gateway type";
	rc = need_token(lx, &t);
	if (rc == SL_OK)
		rc = parse_uint(lx, t.s, t.n, 3, &gtype);
	if (rc != SL_OK)
		return rc;
	lx->field = "algorithm";
	rc = need_token(lx, &t);
	if (rc == SL_OK)
		rc = parse_uint(lx, t.s, t.n, UINT8_MAX, &alg);
	if (rc == SL_OK)
		rc = w_put(lx, w, (uint8_t[]){ (uint8_t)gtype, (uint8_t)alg }, 2);
	if (rc != SL_OK)
		return rc;
	lx->field = "gateway";
	rc = need_token(lx, &t);
	if (rc != SL_OK)
		return rc;
	switch (gtype) {
	case 0:
		if (t.n != 1 || t.s[0] != '.')
			return fail(lx, SL_ESYNTAX, "must be \".\" for gateway type 0");
		return SL_OK;
	case 1:
	case 2:
		if (!parse_addr(gtype == 1 ? AF_INET : AF_INET6, t.s, t.n, addr))
			return fail(lx, SL_ESYNTAX, gtype == 1 ? "bad IPv4 address" :
								  "bad IPv6 address");
		return w_put(lx, w, addr, gtype == 1 ? 4 : 16);
	default:
		return parse_name(lx, w, &t, origin);
	}
}

/* Appends @p n zero octets. */
static int w_zero(struct lex *lx, struct wbuf *w, size_t n)
{
	if (n > w->cap - w->len)
		return w_full(lx, w);
	memset(w->p + w->len, 0, n);
	w->len += n;
	return SL_OK;
}

/*
 * WKS services: port numbers or well-known names, any order. The bitmap is
 * built in place and grows to the highest port only (RFC 1035 §3.4.2).
 */
static int parse_ports(struct lex *lx, struct wbuf *w)
{
	size_t start = w->len;
	struct tok t;
	int rc;

	while ((rc = lex_next(lx, &t)) > 0) {
		uint16_t port;
		uint64_t v;

		if (!mnem_code(services, NMNEM(services), t.s, t.n, &port)) {
			if (!is_digit(t.s[0]))
				return fail(lx, SL_ESYNTAX, "unknown service");
			rc = parse_uint(lx, t.s, t.n, UINT16_MAX, &v);
			if (rc != SL_OK)
				return rc;
			port = (uint16_t)v;
		}
		if (port / 8u >= w->len - start) {
			rc = w_zero(lx, w, port / 8u + 1 - (w->len - start));
			if (rc != SL_OK)
				return rc;
		}
		w->p[start + port / 8u] |= (uint8_t)(0x80 >> (port % 8));
	}
	return rc < 0 ? rc : SL_OK;
}

/* APL items "[!]afi:address/prefix" (RFC 3123 §5), addresses stored without trailing zeros. */
static int parse_apl(struct lex *lx, struct wbuf *w)
{
	struct tok t;
	int rc;

	while ((rc = lex_next(lx, &t)) > 0) {
		const char *s = t.s, *end = t.s + t.n, *colon, *slash;
		uint8_t item[4 + 16];
		uint64_t afi, prefix;
		bool neg = s[0] == '!';
		size_t alen;

		s += neg;
		colon = memchr(s, ':', (size_t)(end - s));
		slash = colon ? memchr(colon, '/', (size_t)(end - colon)) : NULL;
		if (!slash)
			return fail(lx, SL_ESYNTAX, "expected [!]afi:address/prefix");
		rc = parse_uint(lx, s, (size_t)(colon - s), UINT16_MAX, &afi);
		if (rc != SL_OK)
			return rc;
		if (afi != 1 && afi != 2)
			return fail(lx, SL_ESYNTAX, "address family not 1 or 2");
		alen = afi == 1 ? 4 : 16;
		if (!parse_addr(afi == 1 ? AF_INET : AF_INET6, colon + 1,
				(size_t)(slash - colon - 1), item + 4))
			return fail(lx, SL_ESYNTAX, afi == 1 ? "bad IPv4 address" :
							     "bad IPv6 address");
		rc = parse_uint(lx, slash + 1, (size_t)(end - slash - 1), alen * 8, &prefix);
		if (rc != SL_OK)
			return rc;
		while (alen > 0 && item[4 + alen - 1] == 0)
			alen--;
		put16_at(item, (uint16_t)afi);
		item[2] = (uint8_t)prefix;
		item[3] = (uint8_t)((neg ? 0x80 : 0) | alen);
		rc = w_put(lx, w, item, 4 + alen);
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

static int hex_digit(char c)
{
	if (is_digit(c))
		return c - '0';
	c = (char)(c | 0x20);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* NID/L64 "x:x:x:x", groups of 1-4 hex digits (RFC 6742 §2.1). */
static bool parse_ilnp64(const char *s, size_t len, uint8_t *out)
{
	size_t i = 0;

	for (unsigned g = 0; g < 4; g++) {
		unsigned v = 0, digits = 0;

		for (; i < len && digits < 5 && hex_digit(s[i]) >= 0; i++, digits++)
			v = v << 4 | (unsigned)hex_digit(s[i]);
		if (digits == 0 || digits > 4)
			return false;
		put16_at(out + 2 * g, (uint16_t)v);
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
	int k = sl_svc_key_from_name(s, n);
	uint32_t v = 0;

	if (generic)
		*generic = k < 0;
	if (k >= 0) {
		*key = (uint16_t)k;
		return SL_OK;
	}
	if (n < 4 || n > 8 || memcmp(s, "key", 3) != 0 || (s[3] == '0' && n > 4))
		return SL_ESYNTAX;
	for (size_t i = 3; i < n; i++) {
		if (!is_digit(s[i]))
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
static int vlist_next(struct citer *it, bool *done, uint8_t *item, size_t cap, size_t *n)
{
	uint8_t c;
	int r;

	if (*done)
		return 0;
	*n = 0;
	while ((r = cnext(it, &c)) > 0) {
		if (c == ',')
			return 1;
		if (c == '\\') {
			r = cnext(it, &c);
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
		uint16_t k = get16(p + i);
		size_t j = i;

		while (j > 0 && get16(p + j - 2) > k) {
			memcpy(p + j, p + j - 2, 2);
			j -= 2;
		}
		put16_at(p + j, k);
		if (j > 0 && get16(p + j - 2) == k)
			return false;
	}
	return true;
}

/*
 * Encodes the value of one SvcParam after its 4-octet header. A key written
 * in the generic keyNNNNN form takes its value as raw wire octets even when
 * the key is registered (key3="\001\187" is port=443), as BIND does.
 */
static int parse_svcvalue(struct lex *lx, struct wbuf *w, uint16_t key, bool generic,
			  const char *s, size_t n, bool has_value)
{
	enum sl_svc_kind kind = generic ? SL_SVC_OPAQUE : sl_svc_key_kind(key);
	struct citer it = { s, s + n };
	bool done = false;
	uint8_t item[256];
	size_t len, start = w->len;
	int r, rc;

	if (!has_value) {
		/* Only keys whose value may be empty stand alone. */
		if (kind == SL_SVC_FLAG || kind == SL_SVC_OPAQUE || kind == SL_SVC_B64)
			return SL_OK;
		return fail(lx, SL_ESYNTAX, "value required");
	}
	switch (kind) {
	case SL_SVC_OPAQUE:
	case SL_SVC_FLAG: /* a non-empty value is refused by the final check */
		rc = unescape(s, n, w->p + w->len, w->cap - w->len, &len);
		if (rc == SL_ESPACE)
			return w_full(lx, w);
		if (rc != SL_OK)
			return fail(lx, SL_ESYNTAX, "bad escape");
		w->len += len;
		return SL_OK;
	case SL_SVC_B64:
		/* Unescape into the output, then decode in place: base64 only shrinks. */
		rc = unescape(s, n, w->p + w->len, w->cap - w->len, &len);
		if (rc == SL_ESPACE)
			return w_full(lx, w);
		if (rc != SL_OK)
			return fail(lx, SL_ESYNTAX, "bad escape");
		if (sl_base64_decode((const char *)w->p + w->len, len, w->p + w->len, len, &len))
			return fail(lx, SL_ESYNTAX, "ech: bad base64");
		w->len += len;
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
				return fail(lx, SL_ESYNTAX, "mandatory: bad key");
			rc = w_put16(lx, w, k);
			break;
		case SL_SVC_ALPN:
			if (len == 0)
				return fail(lx, SL_ESYNTAX, "alpn: empty protocol id");
			rc = w_put(lx, w, (uint8_t[]){ (uint8_t)len }, 1);
			if (rc == SL_OK)
				rc = w_put(lx, w, item, len);
			break;
		case SL_SVC_PORT:
			if (w->len != start)
				return fail(lx, SL_ESYNTAX, "port: one port only");
			rc = parse_uint(lx, (const char *)item, len, UINT16_MAX, &port);
			if (rc == SL_OK)
				rc = w_put16(lx, w, (uint16_t)port);
			break;
		case SL_SVC_IPV4:
		case SL_SVC_IPV6: {
			bool v4 = kind == SL_SVC_IPV4;

			if (!parse_addr(v4 ? AF_INET : AF_INET6, (const char *)item, len, addr))
				return fail(lx, SL_ESYNTAX, v4 ? "ipv4hint: bad address" :
							       "ipv6hint: bad address");
			rc = w_put(lx, w, addr, v4 ? 4 : 16);
			break;
		}
		default:
			rc = fail(lx, SL_ESYNTAX, "unexpected value");
			break;
		}
		if (rc != SL_OK)
			return rc;
	}
	if (r == SL_ELIMIT)
		return fail(lx, SL_ESYNTAX, "list item too long");
	if (r < 0)
		return fail(lx, SL_ESYNTAX, "bad escape");
	if (kind == SL_SVC_MANDATORY && !sort_keys(w->p + start, w->len - start))
		return fail(lx, SL_ESYNTAX, "mandatory: duplicate key");
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
static int parse_svcparams(struct lex *lx, struct wbuf *w)
{
	size_t base = w->len;
	int32_t max = -1;
	unsigned unsorted = 0;
	struct tok t;
	int rc;

	while ((rc = lex_next(lx, &t)) > 0) {
		const char *eq = memchr(t.s, '=', t.n);
		size_t klen = eq ? (size_t)(eq - t.s) : t.n;
		size_t start = w->len, ins = w->len;
		uint16_t key;
		bool generic;

		if (parse_svckey(t.s, klen, &key, &generic) != SL_OK)
			return fail(lx, SL_ESYNTAX, "unknown SvcParamKey");
		rc = w_put16(lx, w, key);
		if (rc == SL_OK)
			rc = w_put16(lx, w, 0);
		if (rc == SL_OK)
			rc = parse_svcvalue(lx, w, key, generic, eq ? eq + 1 : t.s + t.n,
					    eq ? t.n - klen - 1 : 0, eq != NULL);
		if (rc != SL_OK)
			return rc;
		put16_at(w->p + start + 2, (uint16_t)(w->len - start - 4));
		if ((int32_t)key > max) {
			max = key;
			continue;
		}
		if (++unsorted > SVC_MAX_UNSORTED)
			return fail(lx, SL_ELIMIT, "too many SvcParams out of key order");
		for (size_t q = base; q < start; q += 4 + (size_t)get16(w->p + q + 2)) {
			uint16_t k = get16(w->p + q);

			if (k == key)
				return fail(lx, SL_ESYNTAX, "duplicate SvcParamKey");
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
static int parse_field(struct lex *lx, struct wbuf *w, uint8_t kind, const uint8_t *origin)
{
	struct tok t;
	uint64_t v;
	uint8_t buf[256];
	size_t n;
	int rc;

	/* Kinds that take the rest of the text, possibly nothing. */
	switch (kind) {
	case SL_RDF_STRS: {
		unsigned count = 0;

		while ((rc = lex_next(lx, &t)) > 0) {
			rc = parse_str(lx, w, &t);
			if (rc != SL_OK)
				return rc;
			count++;
		}
		if (rc < 0)
			return rc;
		return count ? SL_OK : fail(lx, SL_ESYNTAX, "missing");
	}
	case SL_RDF_B64:
	case SL_RDF_B64NZ:
	case SL_RDF_HEX:
	case SL_RDF_DIGEST: {
		bool b64 = kind == SL_RDF_B64 || kind == SL_RDF_B64NZ;

		t = take_rest(lx);
		/* Short (but present) data is refused by the final validation. */
		if (t.n == 0 && (kind == SL_RDF_B64NZ || kind == SL_RDF_DIGEST))
			return fail(lx, SL_ESYNTAX, "missing");
		return parse_encoded(lx, w, b64 ? sl_base64_decode : sl_hex_decode, t.s, t.n, &n,
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
		return fail(lx, SL_ESYNTAX, "only the RFC 3597 \\# form is supported");
	default:
		break;
	}

	rc = need_token(lx, &t);
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

		rc = parse_uint(lx, t.s, t.n, max[kind], &v);
		if (rc != SL_OK)
			return rc;
		for (size_t i = 0; i < width; i++)
			buf[i] = (uint8_t)(v >> (8 * (width - 1 - i)));
		return w_put(lx, w, buf, width);
	}
	case SL_RDF_TTL:
	case SL_RDF_TIME:
		if (kind == SL_RDF_TTL)
			rc = parse_ttl(lx, t.s, t.n, &v);
		else
			rc = parse_time(lx, t.s, t.n, &v);
		if (rc != SL_OK)
			return rc;
		buf[0] = (uint8_t)(v >> 24);
		buf[1] = (uint8_t)(v >> 16);
		buf[2] = (uint8_t)(v >> 8);
		buf[3] = (uint8_t)v;
		return w_put(lx, w, buf, 4);
	case SL_RDF_TYPE: {
		uint16_t type;

		if (sl_rrtype_from_text(t.s, t.n, &type) != SL_OK)
			return fail(lx, SL_ESYNTAX, "unknown type");
		return w_put16(lx, w, type);
	}
	case SL_RDF_RCODE:
		rc = parse_rcode(lx, t.s, t.n, &v);
		return rc != SL_OK ? rc : w_put16(lx, w, (uint16_t)v);
	case SL_RDF_A:
	case SL_RDF_AAAA:
		if (!parse_addr(kind == SL_RDF_A ? AF_INET : AF_INET6, t.s, t.n, buf))
			return fail(lx, SL_ESYNTAX, kind == SL_RDF_A ? "bad IPv4 address" :
								     "bad IPv6 address");
		return w_put(lx, w, buf, kind == SL_RDF_A ? 4 : 16);
	case SL_RDF_NAME:
		return parse_name(lx, w, &t, origin);
	case SL_RDF_STR:
	case SL_RDF_CAATAG: /* its alphabet is enforced by the final validation */
		return parse_str(lx, w, &t);
	case SL_RDF_CAAVAL:
	case SL_RDF_URI:
		/* RFC 7553 §4.4: the URI is always quoted (BIND insists too). */
		if (kind == SL_RDF_URI && t.s[0] != '"')
			return fail(lx, SL_ESYNTAX, "expected a quoted string");
		/* One string, not limited to 255 octets (RFC 8659 §4.1.1). */
		rc = unescape(t.s, t.n, w->p + w->len, w->cap - w->len, &n);
		if (rc == SL_ESPACE)
			return w_full(lx, w);
		if (rc != SL_OK)
			return fail(lx, SL_ESYNTAX, "bad escape");
		w->len += n;
		return SL_OK;
	case SL_RDF_SALT:
	case SL_RDF_HASH:
		if (kind == SL_RDF_SALT && t.n == 1 && t.s[0] == '-') {
			n = 0;
		} else {
			rc = (kind == SL_RDF_SALT ? sl_hex_decode : sl_base32hex_decode)(
				t.s, t.n, buf + 1, 255, &n);
			if (rc == SL_ESPACE)
				return fail(lx, SL_ESYNTAX, "longer than 255 octets");
			if (rc != SL_OK || n == 0)
				return fail(lx, SL_ESYNTAX, kind == SL_RDF_SALT ? "bad hex" :
										 "bad base32hex");
		}
		buf[0] = (uint8_t)n;
		return w_put(lx, w, buf, n + 1);
	case SL_RDF_B64LEN:
		return parse_b64len(lx, w, &t);
	case SL_RDF_CERTTYPE:
	case SL_RDF_ALG:
	case SL_RDF_PROTO: {
		uint16_t code;
		bool named;

		if (kind == SL_RDF_CERTTYPE)
			named = mnem_code(cert_types, NMNEM(cert_types), t.s, t.n, &code);
		else if (kind == SL_RDF_ALG)
			named = mnem_code(sec_algs, NMNEM(sec_algs), t.s, t.n, &code);
		else
			named = mnem_code((const struct mnemonic[]){ { 6, "tcp" }, { 17, "udp" } },
					  2, t.s, t.n, &code);
		if (named) {
			v = code;
		} else {
			uint64_t max = kind == SL_RDF_CERTTYPE ? UINT16_MAX : UINT8_MAX;

			rc = parse_uint(lx, t.s, t.n, max, &v);
			if (rc != SL_OK)
				return rc;
		}
		if (kind == SL_RDF_CERTTYPE)
			return w_put16(lx, w, (uint16_t)v);
		return w_put(lx, w, (uint8_t[]){ (uint8_t)v }, 1);
	}
	case SL_RDF_EUI48:
	case SL_RDF_EUI64:
		n = kind == SL_RDF_EUI48 ? 6 : 8;
		if (!parse_eui(t.s, t.n, buf, n))
			return fail(lx, SL_ESYNTAX, "expected hex pairs joined by '-'");
		return w_put(lx, w, buf, n);
	case SL_RDF_ILNP64:
		if (!parse_ilnp64(t.s, t.n, buf))
			return fail(lx, SL_ESYNTAX, "expected x:x:x:x (hex)");
		return w_put(lx, w, buf, 8);
	default:
		return fail(lx, SL_ESYNTAX, "unsupported field");
	}
}

/* RFC 3597 §5: "\# len hex...", length and data must agree. */
static int parse_generic(struct lex *lx, struct wbuf *w)
{
	struct tok t;
	uint64_t len;
	size_t n;
	int rc;

	lx->field = "\\# length";
	rc = need_token(lx, &t);
	if (rc == SL_OK)
		rc = parse_uint(lx, t.s, t.n, UINT16_MAX, &len);
	if (rc != SL_OK)
		return rc;
	lx->field = "\\# data";
	t = take_rest(lx);
	rc = parse_encoded(lx, w, sl_hex_decode, t.s, t.n, &n, "bad hex");
	if (rc != SL_OK)
		return rc;
	if (n != len)
		return fail(lx, SL_ESYNTAX, "length does not match data");
	return SL_OK;
}

int sl_rdata_from_text(uint16_t type, const char *text, size_t len, const uint8_t *origin,
		       uint8_t *out, size_t outcap, size_t *outlen, char *err, size_t errsize)
{
	const sl_rdata_desc_t *desc = sl_rdata_desc(type);
	struct lex lx = { text, text + len, type, NULL, err, errsize };
	struct wbuf w = { out, outcap, 0, false };
	struct lex peek;
	struct tok t;
	const char *why = NULL;
	int rc;

	if (err && errsize)
		err[0] = '\0';
	if (outcap >= SL_RDATA_MAXLEN) {
		w.cap = SL_RDATA_MAXLEN;
		w.limited = true;
	}
	peek = lx;
	rc = lex_next(&peek, &t);
	if (rc < 0)
		return rc;
	if (rc > 0 && t.n == 2 && t.s[0] == '\\' && t.s[1] == '#') {
		lx = peek;
		rc = parse_generic(&lx, &w);
		if (rc != SL_OK)
			return rc;
		lx.field = NULL;
		if (desc && sl_rdata_fields(desc, w.p, w.len, NULL, &why) != SL_OK) {
			char msg[96];

			snprintf(msg, sizeof(msg), "\\# data is not valid RDATA (%s)",
				 why ? why : "invalid");
			return fail(&lx, SL_ESYNTAX, msg);
		}
		*outlen = w.len;
		return SL_OK;
	}
	if (!desc)
		return fail(&lx, SL_ESYNTAX, "unknown type: use the RFC 3597 \\# form");

	for (unsigned i = 0; i < SL_RDF_MAX && desc->f[i].kind != SL_RDF_END; i++) {
		lx.field = desc->f[i].name;
		rc = parse_field(&lx, &w, desc->f[i].kind, origin);
		if (rc != SL_OK)
			return rc;
	}
	lx.field = NULL;
	skip_blanks(&lx);
	if (lx.p != lx.end)
		return fail(&lx, SL_ESYNTAX, "unexpected trailing data");
	/* Rules that span fields (SVCB mandatory keys, CAA tag) live in the wire check. */
	if (sl_rdata_fields(desc, w.p, w.len, NULL, &why) != SL_OK)
		return fail(&lx, SL_ESYNTAX, why ? why : "invalid RDATA");
	*outlen = w.len;
	return SL_OK;
}
