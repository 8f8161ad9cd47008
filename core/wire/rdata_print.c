/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Sluice core — RDATA to presentation format (RFC 1035 §5.1, the per-type
 * RFCs, RFC 3597 §5 "\# len hex", RFC 9460 Appendix A for SvcParams).
 *
 * Driven by the layout table in rdata.c: each field kind has exactly one
 * printer here (and one parser in rdata_parse.c). Printing first validates
 * the RDATA with sl_rdata_fields() (the same walker the wire side uses), so
 * printers trust field boundaries.
 *
 * Output follows dig/knotc: one space between fields, names absolute,
 * strings quoted, hex upper case, base64 and hex unbroken (as knotc prints
 * them; dig splits long ones into 56-character chunks).
 */
#include <arpa/inet.h>
#include <stdio.h>

#include <sluice/name.h>

#include "rdata_text.h"

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

/* YYYYMMDDHHmmSS of a 32-bit time, taken as plain seconds since the epoch. */
static void tb_time(struct tbuf *t, uint32_t v)
{
	unsigned y, mo, d;
	char tmp[24];
	int n;

	sl_civil_from_days(v / 86400, &y, &mo, &d);
	n = snprintf(tmp, sizeof(tmp), "%04u%02u%02u%02u%02u%02u", y, mo, d,
		     (unsigned)(v % 86400 / 3600), (unsigned)(v % 3600 / 60), (unsigned)(v % 60));
	tb_put(t, tmp, (size_t)n);
}

/* ---- fields ------------------------------------------------------------------ */

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
static void tb_mnem(struct tbuf *t, enum sl_mnem_table table, uint16_t code)
{
	const char *name = sl_mnem_name(table, code);

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
	uint32_t alt = sl_read_u32(p + 12);
	bool below = alt < 10000000u;
	uint32_t cm = below ? 10000000u - alt : alt - 10000000u;
	char tmp[24];

	tb_loccoord(t, sl_read_u32(p + 4), "NS");
	tb_putc(t, ' ');
	tb_loccoord(t, sl_read_u32(p + 8), "EW");
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
		uint16_t afi = sl_read_u16(p + i);

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
			tb_svckey(t, sl_read_u16(v + i));
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
		tb_putu(t, sl_read_u16(v));
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
		tb_putu(t, sl_read_u16(p));
		break;
	case SL_RDF_U32:
	case SL_RDF_TTL:
		tb_putu(t, sl_read_u32(p));
		break;
	case SL_RDF_U48:
		tb_putu(t, (uint64_t)sl_read_u16(p) << 32 | sl_read_u32(p + 2));
		break;
	case SL_RDF_TYPE:
		tb_type(t, sl_read_u16(p));
		break;
	case SL_RDF_TIME:
		tb_time(t, sl_read_u32(p));
		break;
	case SL_RDF_RCODE:
		tb_mnem(t, SL_MNEM_RCODE, sl_read_u16(p));
		break;
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
		tb_mnem(t, SL_MNEM_CERT, sl_read_u16(p));
		break;
	case SL_RDF_ALG:
		tb_mnem(t, SL_MNEM_ALG, p[0]);
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

			snprintf(e, sizeof(e), "%s%x", i ? ":" : "", (unsigned)sl_read_u16(p + i));
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
		tb_putu(t, sl_read_u16(p));
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
		for (size_t i = 0; i < n; i += 4 + (size_t)sl_read_u16(p + i + 2)) {
			if (i)
				tb_putc(t, ' ');
			tb_svcparam(t, sl_read_u16(p + i), p + i + 4, sl_read_u16(p + i + 2));
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
