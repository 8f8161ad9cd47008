/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Sluice core — RDATA wire side: the per-type layout table, structural
 * validation, decompression of names from messages (RFC 3597 §4) and the
 * location of embedded names.
 *
 * One walker does all of it. It reads fields described by the table from a
 * source (a message, or storage-form RDATA), validates each field, and
 * optionally copies it to an output, expanding compressed names on the way.
 * sl_rdata_check(), sl_rdata_names(), sl_rdata_fields() (used by the text
 * side) and sl_rdata_unpack() are thin wrappers, so what is "valid" is
 * decided in exactly one place.
 */
#include <string.h>

#include <sluice/name.h>
#include <sluice/rr.h>

#include "encoding.h"

/* Obsolete or rare types the codec knows but rr.h has no constants for. */
enum {
	TYPE_MD = 3,
	TYPE_MF = 4,
	TYPE_MB = 7,
	TYPE_MG = 8,
	TYPE_MR = 9,
	TYPE_MINFO = 14,
	TYPE_RP = 17,
	TYPE_AFSDB = 18,
	TYPE_RT = 21,
	TYPE_PX = 26,
	TYPE_KX = 36,
};

#define F(kind, name) { SL_RDF_##kind, name }

/* RFC 1035 types whose names may be compressed in both directions. */
#define CL (SL_RDD_COMPRESS | SL_RDD_LOWER)
/* RFC 3597 §4: decompress on input, never compress on output. */
#define DL (SL_RDD_DECOMPRESS | SL_RDD_LOWER)

/* RRSIG and SIG share a layout (RFC 4034 §3.1, RFC 2535 §4.1). */
#define SIG_FIELDS                                                                    \
	F(TYPE, "type covered"), F(U8, "algorithm"), F(U8, "labels"),                 \
	F(U32, "original TTL"), F(TIME, "expiration"), F(TIME, "inception"),          \
	F(U16, "key tag"), F(NAME, "signer"), F(B64, "signature")
/* DNSKEY, CDNSKEY and KEY (RFC 4034 §2.1, RFC 2535 §3.1). */
#define KEY_FIELDS F(U16, "flags"), F(U8, "protocol"), F(U8, "algorithm"), F(B64, "public key")
/* DS and CDS (RFC 4034 §5.1). */
#define DS_FIELDS F(U16, "key tag"), F(U8, "algorithm"), F(U8, "digest type"), F(HEX, "digest")
/* SVCB and HTTPS (RFC 9460 §2.2). */
#define SVCB_FIELDS F(U16, "priority"), F(NAME, "target"), F(SVCPARAMS, "SvcParams")
/* TLSA and SMIMEA (RFC 6698 §2.1, RFC 8162 §2). */
#define TLSA_FIELDS F(U8, "usage"), F(U8, "selector"), F(U8, "matching type"), F(HEX, "data")

/* Sorted by type for binary search. */
static const sl_rdata_desc_t descs[] = {
	{ SL_TYPE_A, 0, { F(A, "address") } },
	{ SL_TYPE_NS, CL, { F(NAME, "nsdname") } },
	{ TYPE_MD, CL, { F(NAME, "madname") } },
	{ TYPE_MF, CL, { F(NAME, "madname") } },
	{ SL_TYPE_CNAME, CL, { F(NAME, "cname") } },
	{ SL_TYPE_SOA, CL, { F(NAME, "mname"), F(NAME, "rname"), F(U32, "serial"),
			     F(TTL, "refresh"), F(TTL, "retry"), F(TTL, "expire"),
			     F(TTL, "minimum") } },
	{ TYPE_MB, CL, { F(NAME, "madname") } },
	{ TYPE_MG, CL, { F(NAME, "mgmname") } },
	{ TYPE_MR, CL, { F(NAME, "newname") } },
	{ SL_TYPE_WKS, 0, { F(A, "address"), F(PROTO, "protocol"), F(PORTS, "services") } },
	{ SL_TYPE_PTR, CL, { F(NAME, "ptrdname") } },
	{ SL_TYPE_HINFO, 0, { F(STR, "cpu"), F(STR, "os") } },
	{ TYPE_MINFO, CL, { F(NAME, "rmailbx"), F(NAME, "emailbx") } },
	{ SL_TYPE_MX, CL, { F(U16, "preference"), F(NAME, "exchange") } },
	{ SL_TYPE_TXT, 0, { F(STRS, "text") } },
	{ TYPE_RP, DL, { F(NAME, "mbox"), F(NAME, "txtdname") } },
	{ TYPE_AFSDB, DL, { F(U16, "subtype"), F(NAME, "hostname") } },
	{ TYPE_RT, DL, { F(U16, "preference"), F(NAME, "intermediate") } },
	{ SL_TYPE_SIG, SL_RDD_LOWER, { SIG_FIELDS } },
	{ SL_TYPE_KEY, 0, { KEY_FIELDS } },
	{ TYPE_PX, DL, { F(U16, "preference"), F(NAME, "map822"), F(NAME, "mapx400") } },
	{ SL_TYPE_AAAA, 0, { F(AAAA, "address") } },
	{ SL_TYPE_LOC, 0, { F(LOC, "location") } },
	{ SL_TYPE_SRV, SL_RDD_LOWER, { F(U16, "priority"), F(U16, "weight"), F(U16, "port"),
				       F(NAME, "target") } },
	{ SL_TYPE_NAPTR, SL_RDD_LOWER, { F(U16, "order"), F(U16, "preference"),
					 F(STR, "flags"), F(STR, "services"),
					 F(STR, "regexp"), F(NAME, "replacement") } },
	{ TYPE_KX, SL_RDD_LOWER, { F(U16, "preference"), F(NAME, "exchanger") } },
	{ SL_TYPE_CERT, 0, { F(CERTTYPE, "type"), F(U16, "key tag"), F(ALG, "algorithm"),
			     F(B64NZ, "certificate") } },
	{ SL_TYPE_DNAME, SL_RDD_LOWER, { F(NAME, "target") } },
	{ SL_TYPE_OPT, SL_RDD_GENERIC, { F(OPTIONS, "options") } },
	{ SL_TYPE_APL, 0, { F(APL, "items") } },
	{ SL_TYPE_DS, 0, { DS_FIELDS } },
	{ SL_TYPE_SSHFP, 0, { F(U8, "algorithm"), F(U8, "fp type"), F(HEX, "fingerprint") } },
	/* RFC 4025 §2.5: the gateway name is never compressed. */
	{ SL_TYPE_IPSECKEY, 0, { F(U8, "precedence"), F(IPSECGW, "gateway"),
				 F(B64NZ, "public key") } },
	{ SL_TYPE_RRSIG, SL_RDD_LOWER, { SIG_FIELDS } },
	/* RFC 6840 §5.1: the NSEC next name keeps its case. */
	{ SL_TYPE_NSEC, 0, { F(NAME, "next name"), F(BITMAP, "type bitmap") } },
	{ SL_TYPE_DNSKEY, 0, { KEY_FIELDS } },
	{ SL_TYPE_DHCID, 0, { F(B64NZ, "digest") } },
	{ SL_TYPE_NSEC3, 0, { F(U8, "algorithm"), F(U8, "flags"), F(U16, "iterations"),
			      F(SALT, "salt"), F(HASH, "next hashed owner"),
			      F(BITMAP, "type bitmap") } },
	{ SL_TYPE_NSEC3PARAM, 0, { F(U8, "algorithm"), F(U8, "flags"), F(U16, "iterations"),
				   F(SALT, "salt") } },
	{ SL_TYPE_TLSA, 0, { TLSA_FIELDS } },
	{ SL_TYPE_SMIMEA, 0, { TLSA_FIELDS } },
	{ SL_TYPE_CDS, 0, { DS_FIELDS } },
	{ SL_TYPE_CDNSKEY, 0, { KEY_FIELDS } },
	{ SL_TYPE_OPENPGPKEY, 0, { F(B64NZ, "public key") } },
	{ SL_TYPE_CSYNC, 0, { F(U32, "serial"), F(U16, "flags"), F(BITMAP, "type bitmap") } },
	{ SL_TYPE_ZONEMD, 0, { F(U32, "serial"), F(U8, "scheme"), F(U8, "hash algorithm"),
			       F(DIGEST, "digest") } },
	{ SL_TYPE_SVCB, 0, { SVCB_FIELDS } },
	{ SL_TYPE_HTTPS, 0, { SVCB_FIELDS } },
	{ SL_TYPE_SPF, 0, { F(STRS, "text") } },
	{ SL_TYPE_NID, 0, { F(U16, "preference"), F(ILNP64, "node id") } },
	{ SL_TYPE_L32, 0, { F(U16, "preference"), F(A, "locator") } },
	{ SL_TYPE_L64, 0, { F(U16, "preference"), F(ILNP64, "locator") } },
	/* RFC 6742 §2.4: the name is never compressed. */
	{ SL_TYPE_LP, 0, { F(U16, "preference"), F(NAME, "fqdn") } },
	{ SL_TYPE_EUI48, 0, { F(EUI48, "address") } },
	{ SL_TYPE_EUI64, 0, { F(EUI64, "address") } },
	/* RFC 8945 §4.2: the algorithm name is never compressed. */
	{ SL_TYPE_TSIG, 0, { F(NAME, "algorithm"), F(U48, "time signed"), F(U16, "fudge"),
			     F(B64LEN, "MAC"), F(U16, "original id"), F(RCODE, "error"),
			     F(B64LEN, "other data") } },
	{ SL_TYPE_URI, 0, { F(U16, "priority"), F(U16, "weight"), F(URI, "target") } },
	{ SL_TYPE_CAA, 0, { F(U8, "flags"), F(CAATAG, "tag"), F(CAAVAL, "value") } },
};

#undef F
#undef CL
#undef DL

const sl_rdata_desc_t *sl_rdata_desc(uint16_t type)
{
	size_t lo = 0;
	size_t hi = sizeof(descs) / sizeof(descs[0]);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (descs[mid].type == type)
			return &descs[mid];
		if (descs[mid].type < type)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* ---- SvcParams (RFC 9460) ------------------------------------------------- */

static const struct {
	const char *name;
	enum sl_svc_kind kind;
} svc_keys[] = {
	{ "mandatory", SL_SVC_MANDATORY },
	{ "alpn", SL_SVC_ALPN },
	{ "no-default-alpn", SL_SVC_FLAG },
	{ "port", SL_SVC_PORT },
	{ "ipv4hint", SL_SVC_IPV4 },
	{ "ech", SL_SVC_B64 },
	{ "ipv6hint", SL_SVC_IPV6 },
};
#define SVC_NKEYS (sizeof(svc_keys) / sizeof(svc_keys[0]))

const char *sl_svc_key_name(uint16_t key)
{
	return key < SVC_NKEYS ? svc_keys[key].name : NULL;
}

bool sl_svc_key_from_name(const char *name, size_t len, uint16_t *key)
{
	for (size_t k = 0; k < SVC_NKEYS; k++) {
		if (strlen(svc_keys[k].name) == len && memcmp(svc_keys[k].name, name, len) == 0) {
			*key = (uint16_t)k;
			return true;
		}
	}
	return false;
}

enum sl_svc_kind sl_svc_key_kind(uint16_t key)
{
	return key < SVC_NKEYS ? svc_keys[key].kind : SL_SVC_OPAQUE;
}

/* Checks one SvcParam value against the rules of its key; NULL when valid. */
static const char *svc_value_check(uint16_t key, const uint8_t *val, size_t len)
{
	switch (sl_svc_key_kind(key)) {
	case SL_SVC_MANDATORY:
		if (len == 0 || len % 2)
			return "mandatory: bad length";
		for (size_t i = 0; i < len; i += 2) {
			uint16_t k = sl_read_u16(val + i);

			/* RFC 9460 §8: sorted, no duplicates, never lists itself. */
			if (k == 0)
				return "mandatory: lists itself";
			if (i > 0 && k <= sl_read_u16(val + i - 2))
				return "mandatory: keys not strictly increasing";
		}
		return NULL;
	case SL_SVC_ALPN:
		if (len == 0)
			return "alpn: empty";
		for (size_t i = 0; i < len; i += 1 + (size_t)val[i]) {
			if (val[i] == 0)
				return "alpn: empty protocol id";
			if (val[i] > len - i - 1)
				return "alpn: protocol id overruns value";
		}
		return NULL;
	case SL_SVC_FLAG:
		return len == 0 ? NULL : "no-default-alpn: value not empty";
	case SL_SVC_PORT:
		return len == 2 ? NULL : "port: bad length";
	case SL_SVC_IPV4:
		return len > 0 && len % 4 == 0 ? NULL : "ipv4hint: bad length";
	case SL_SVC_IPV6:
		return len > 0 && len % 16 == 0 ? NULL : "ipv6hint: bad length";
	case SL_SVC_B64:
	case SL_SVC_OPAQUE:
		break;
	}
	return NULL;
}

/*
 * Whole SvcParams block: keys strictly increasing (RFC 9460 §2.2), each
 * value valid for its key, and every key named by "mandatory" present
 * (§8). Both lists are sorted, so one merge pass checks the last rule.
 */
static const char *svcparams_check(const uint8_t *p, size_t len)
{
	const uint8_t *mand = NULL;
	size_t mlen = 0;
	size_t mi = 0;
	int32_t prev = -1;

	for (size_t i = 0; i < len;) {
		uint16_t key, vlen;
		const char *why;

		if (len - i < 4)
			return "SvcParam truncated";
		key = sl_read_u16(p + i);
		vlen = sl_read_u16(p + i + 2);
		i += 4;
		if (vlen > len - i)
			return "SvcParam value overruns RDATA";
		if ((int32_t)key <= prev)
			return "SvcParam keys not strictly increasing";
		if (key == SL_SVC_KEY_INVALID)
			return "SvcParam key 65535 is reserved";
		why = svc_value_check(key, p + i, vlen);
		if (why)
			return why;
		if (key == 0) {
			mand = p + i;
			mlen = vlen;
		}
		/* A mandatory key below this one was skipped over: it is absent. */
		if (mi < mlen && sl_read_u16(mand + mi) < key)
			return "mandatory key missing";
		if (mi < mlen && sl_read_u16(mand + mi) == key)
			mi += 2;
		prev = key;
		i += vlen;
	}
	return mi < mlen ? "mandatory key missing" : NULL;
}

/* EDNS options (RFC 6891 §6.1.2): code, length, data, exactly filling RDATA. */
static const char *options_check(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len;) {
		size_t olen;

		if (len - i < 4)
			return "option truncated";
		olen = sl_read_u16(p + i + 2);
		i += 4;
		if (olen > len - i)
			return "option overruns RDATA";
		i += olen;
	}
	return NULL;
}

/*
 * Type bitmap (RFC 4034 §4.1.2): windows in strictly increasing order, each
 * with a 1..32 octet bitmap. Bitmaps with trailing zero octets are accepted
 * as the RFC only asks senders to avoid them.
 */
static const char *bitmap_check(const uint8_t *p, size_t len)
{
	int prev = -1;

	for (size_t i = 0; i < len;) {
		uint8_t win, blen;

		if (len - i < 2)
			return "bitmap window truncated";
		win = p[i];
		blen = p[i + 1];
		i += 2;
		if ((int)win <= prev)
			return "bitmap windows not increasing";
		if (blen == 0 || blen > 32)
			return "bitmap window length not 1..32";
		if (blen > len - i)
			return "bitmap window overruns RDATA";
		prev = win;
		i += blen;
	}
	return NULL;
}

/*
 * LOC version 0 (RFC 1876 §2): each precision octet is a decimal mantissa
 * and power of ten (0x00 meaning zero is tolerated, as BIND does), and the
 * coordinates stay within ±90° / ±180° of the 2^31 equator and meridian.
 * Other versions have no defined layout, so they are refused.
 */
static const char *loc_check(const uint8_t *p)
{
	const uint32_t equator = 0x80000000u;
	uint32_t lat = sl_read_u32(p + 4);
	uint32_t lon = sl_read_u32(p + 8);

	if (p[0] != 0)
		return "LOC version not 0";
	for (unsigned i = 1; i <= 3; i++) {
		if (p[i] != 0 && ((p[i] >> 4) == 0 || (p[i] >> 4) > 9 || (p[i] & 15) > 9))
			return "LOC precision not a decimal mantissa and exponent";
	}
	if (lat < equator - 90u * 3600000 || lat > equator + 90u * 3600000)
		return "LOC latitude out of range";
	if (lon < equator - 180u * 3600000 || lon > equator + 180u * 3600000)
		return "LOC longitude out of range";
	return NULL;
}

/*
 * IPSECKEY gateway type, algorithm and gateway (RFC 4025 §2.3-2.5); the
 * gateway's form depends on its type. @return its length, or 0 with *why
 */
static size_t ipsecgw_len(const uint8_t *p, size_t avail, const char **why)
{
	int n;

	if (avail < 2) {
		*why = "truncated";
		return 0;
	}
	switch (p[0]) {
	case 0:
		return 2;
	case 1:
	case 2:
		if (avail - 2 < (p[0] == 1 ? 4u : 16u)) {
			*why = "gateway address truncated";
			return 0;
		}
		return p[0] == 1 ? 6 : 18;
	case 3:
		n = sl_name_check(p + 2, avail - 2);
		if (n < 0) {
			*why = "bad or compressed gateway name";
			return 0;
		}
		return 2 + (size_t)n;
	default:
		*why = "unknown gateway type";
		return 0;
	}
}

/*
 * APL items (RFC 3123 §4): family, prefix length, negation bit and address
 * length, then the address without trailing zero octets. Families other
 * than IPv4 and IPv6 have no presentation form, so they are refused.
 */
static const char *apl_check(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len;) {
		uint16_t afi;
		size_t n;

		if (len - i < 4)
			return "APL item truncated";
		afi = sl_read_u16(p + i);
		n = p[i + 3] & 0x7f;
		if (n > len - i - 4)
			return "APL address overruns RDATA";
		if (afi != 1 && afi != 2)
			return "APL address family not 1 or 2";
		if (p[i + 2] > (afi == 1 ? 32 : 128) || n > (afi == 1 ? 4u : 16u))
			return "APL prefix or address too long";
		if (n > 0 && p[i + 4 + n - 1] == 0)
			return "APL address has a trailing zero octet";
		i += 4 + n;
	}
	return NULL;
}

/* ---- the walker ------------------------------------------------------------ */

/* Where fields are read from. */
struct src {
	const uint8_t *msg; /* whole message, or the RDATA itself */
	size_t pos;         /* cursor */
	size_t end;         /* end of the RDATA */
	bool decompress;    /* names may carry compression pointers */
};

/* Where fields are copied to; out == NULL only measures. */
struct dst {
	uint8_t *out;
	size_t cap;
	size_t len;
	bool full; /* something did not fit; validation still runs to the end */
};

static void emit(struct dst *d, const uint8_t *p, size_t n)
{
	if (d->out && !d->full) {
		if (n > d->cap - d->len) {
			d->full = true;
		} else {
			memcpy(d->out + d->len, p, n);
		}
	}
	d->len += n;
}

/* Length of a fixed-size field kind, or 0 for variable ones. */
static size_t fixed_len(uint8_t kind)
{
	switch (kind) {
	case SL_RDF_U8:
	case SL_RDF_ALG:
	case SL_RDF_PROTO:
		return 1;
	case SL_RDF_U16:
	case SL_RDF_TYPE:
	case SL_RDF_RCODE:
	case SL_RDF_CERTTYPE:
		return 2;
	case SL_RDF_U32:
	case SL_RDF_TTL:
	case SL_RDF_TIME:
	case SL_RDF_A:
		return 4;
	case SL_RDF_U48:
	case SL_RDF_EUI48:
		return 6;
	case SL_RDF_EUI64:
	case SL_RDF_ILNP64:
		return 8;
	case SL_RDF_AAAA:
		return 16;
	default:
		return 0;
	}
}

static bool is_alnum(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/*
 * Reads one name at s->pos. With decompression it expands pointers via
 * sl_name_unpack(), reading no further than the RDATA end; otherwise a
 * pointer is malformed (sl_name_check() rejects it).
 */
static int walk_name(struct src *s, struct dst *d, const char **why)
{
	if (s->decompress) {
		uint8_t name[SL_NAME_MAXLEN];
		size_t p = s->pos;
		size_t n;
		int rc = sl_name_unpack(s->msg, s->end, &p, name, &n);

		if (rc != SL_OK) {
			*why = rc == SL_ELOOP ? "compression loop" : "bad name";
			return rc == SL_ELOOP ? SL_ELOOP : SL_EMALFORMED;
		}
		s->pos = p;
		emit(d, name, n);
	} else {
		int n = sl_name_check(s->msg + s->pos, s->end - s->pos);

		if (n < 0) {
			*why = "bad or compressed name";
			return SL_EMALFORMED;
		}
		emit(d, s->msg + s->pos, (size_t)n);
		s->pos += (size_t)n;
	}
	return SL_OK;
}

/*
 * Length of a variable-size field starting at p (avail octets left). A set
 * *why means the field is invalid, whatever the length returned.
 */
static size_t var_len(uint8_t kind, const uint8_t *p, size_t avail, const char **why)
{
	size_t n;

	switch (kind) {
	case SL_RDF_STR:
	case SL_RDF_SALT:
	case SL_RDF_HASH:
	case SL_RDF_CAATAG:
		if (avail < 1 || p[0] > avail - 1) {
			*why = "string overruns RDATA";
			return 0;
		}
		n = p[0];
		if (kind == SL_RDF_HASH && n == 0) {
			*why = "empty hash";
			return 0;
		}
		if (kind == SL_RDF_CAATAG) {
			if (n == 0) {
				*why = "empty CAA tag";
				return 0;
			}
			for (size_t i = 1; i <= n; i++) {
				if (!is_alnum(p[i])) {
					*why = "CAA tag not alphanumeric";
					return 0;
				}
			}
		}
		return 1 + n;
	case SL_RDF_B64LEN:
		if (avail < 2 || sl_read_u16(p) > avail - 2) {
			*why = "data overruns RDATA";
			return 0;
		}
		return 2 + (size_t)sl_read_u16(p);
	case SL_RDF_STRS:
		if (avail == 0) {
			*why = "no strings";
			return 0;
		}
		for (n = 0; n < avail; n += 1 + (size_t)p[n]) {
			if (p[n] > avail - n - 1) {
				*why = "string overruns RDATA";
				return 0;
			}
		}
		return avail;
	case SL_RDF_BITMAP:
		*why = bitmap_check(p, avail);
		return *why ? 0 : avail;
	case SL_RDF_SVCPARAMS:
		*why = svcparams_check(p, avail);
		return *why ? 0 : avail;
	case SL_RDF_OPTIONS:
		*why = options_check(p, avail);
		return *why ? 0 : avail;
	case SL_RDF_B64NZ:
	case SL_RDF_URI:
		if (avail == 0)
			*why = kind == SL_RDF_URI ? "empty URI target" : "no data";
		return avail;
	case SL_RDF_DIGEST:
		/* RFC 8976 §2.2.4: shorter digests are refused whatever the algorithm. */
		if (avail < 12)
			*why = "digest shorter than 12 octets";
		return avail;
	case SL_RDF_LOC:
		if (avail < 16) {
			*why = "truncated";
			return 0;
		}
		*why = loc_check(p);
		return 16;
	case SL_RDF_IPSECGW:
		return ipsecgw_len(p, avail, why);
	case SL_RDF_PORTS:
		if (avail > 8192)
			*why = "port bitmap longer than 8192 octets";
		return avail;
	case SL_RDF_APL:
		*why = apl_check(p, avail);
		return avail;
	default: /* SL_RDF_B64, SL_RDF_HEX, SL_RDF_CAAVAL: any octets */
		return avail;
	}
}

/*
 * Walks all fields of @p desc. Rest kinds may be empty, so a variable field
 * reports its length separately from success (@p why stays NULL).
 */
static int walk(const sl_rdata_desc_t *desc, struct src *s, struct dst *d,
		sl_rdf_span_t *spans, const char **why)
{
	const char *dummy;

	if (!why)
		why = &dummy;
	*why = NULL;
	for (unsigned i = 0; i < SL_RDF_MAX && desc->f[i].kind != SL_RDF_END; i++) {
		uint8_t kind = desc->f[i].kind;
		size_t start = d->len;
		size_t avail = s->end - s->pos;
		size_t n;

		if (kind == SL_RDF_NAME) {
			int rc = walk_name(s, d, why);

			if (rc != SL_OK)
				return rc;
		} else {
			n = fixed_len(kind);
			if (n > 0) {
				if (avail < n) {
					*why = "truncated";
					return SL_EMALFORMED;
				}
			} else {
				n = var_len(kind, s->msg + s->pos, avail, why);
				if (*why)
					return SL_EMALFORMED;
			}
			emit(d, s->msg + s->pos, n);
			s->pos += n;
		}
		if (spans) {
			/* Storage form never exceeds 65535 octets once validated. */
			spans[i].off = (uint16_t)start;
			spans[i].len = (uint16_t)(d->len - start);
		}
	}
	if (s->pos != s->end) {
		*why = "trailing data";
		return SL_EMALFORMED;
	}
	return SL_OK;
}

/*
 * The field walk of sl_rdata_fields() without the error detail: what the
 * answer path runs per RR (sl_rdata_names()), kept small enough to inline.
 */
static inline int fields(const sl_rdata_desc_t *desc, const uint8_t *rdata, size_t rdlen,
			 sl_rdf_span_t *spans, const char **why)
{
	struct src s = { rdata, 0, rdlen, false };
	struct dst d = { NULL, 0, 0, false };

	if (rdlen > SL_RDATA_MAXLEN) {
		if (why)
			*why = "RDATA too long";
		return SL_EMALFORMED;
	}
	return walk(desc, &s, &d, spans, why) == SL_OK ? SL_OK : SL_EMALFORMED;
}

int sl_rdata_fields(const sl_rdata_desc_t *desc, const uint8_t *rdata, size_t rdlen,
		    sl_rdf_span_t *spans, sl_error_t *err)
{
	const char *why = NULL;

	if (fields(desc, rdata, rdlen, spans, err ? &why : NULL) == SL_OK)
		return SL_OK;
	return sl_error_set(err, SL_EMALFORMED, "%s", why ? why : "invalid RDATA");
}

/* ---- public API ------------------------------------------------------------ */

int sl_rdata_check(uint16_t type, const uint8_t *rdata, size_t rdlen)
{
	const sl_rdata_desc_t *desc = sl_rdata_desc(type);

	if (!desc)
		return rdlen <= SL_RDATA_MAXLEN ? SL_OK : SL_EMALFORMED;
	return fields(desc, rdata, rdlen, NULL, NULL);
}

int sl_rdata_unpack(uint16_t type, const uint8_t *msg, size_t msglen, size_t pos,
		    uint16_t rdlen, uint8_t *out, size_t outcap, size_t *outlen)
{
	const sl_rdata_desc_t *desc = sl_rdata_desc(type);
	struct src s;
	struct dst d = { out, outcap, 0, false };
	int rc;

	/* The caller promised this; re-checking costs nothing and keeps us in bounds. */
	if (pos > msglen || rdlen > msglen - pos)
		return SL_EMALFORMED;
	if (!desc) {
		if (rdlen > outcap)
			return SL_ESPACE;
		memcpy(out, msg + pos, rdlen);
		*outlen = rdlen;
		return SL_OK;
	}
	s.msg = msg;
	s.pos = pos;
	s.end = pos + rdlen;
	s.decompress = (desc->flags & (SL_RDD_COMPRESS | SL_RDD_DECOMPRESS)) != 0;
	rc = walk(desc, &s, &d, NULL, NULL);
	if (rc != SL_OK)
		return rc;
	if (d.full)
		return SL_ESPACE;
	*outlen = d.len;
	return SL_OK;
}

int sl_rdata_names(uint16_t type, const uint8_t *rdata, size_t rdlen, sl_rdata_names_t *names)
{
	const sl_rdata_desc_t *desc = sl_rdata_desc(type);
	sl_rdf_span_t spans[SL_RDF_MAX];
	int rc;

	names->count = 0;
	names->compressible = false;
	names->canonical_lower = false;
	if (!desc)
		return rdlen <= SL_RDATA_MAXLEN ? SL_OK : SL_EMALFORMED;
	rc = fields(desc, rdata, rdlen, spans, NULL);
	if (rc != SL_OK)
		return rc;
	for (unsigned i = 0; i < SL_RDF_MAX && desc->f[i].kind != SL_RDF_END; i++) {
		uint16_t off = spans[i].off;

		/* An IPSECKEY gateway of type 3 is a name after the type and algorithm. */
		if (desc->f[i].kind == SL_RDF_IPSECGW && rdata[off] == 3)
			off += 2;
		else if (desc->f[i].kind != SL_RDF_NAME)
			continue;
		if (names->count < SL_RDATA_MAX_NAMES)
			names->offset[names->count++] = off;
	}
	/* The bound makes the response builder's shortcut exact. */
	names->compressible = (desc->flags & SL_RDD_COMPRESS) != 0 &&
			      type <= SL_RDATA_LAST_COMPRESSIBLE_TYPE;
	names->canonical_lower = (desc->flags & SL_RDD_LOWER) != 0;
	return SL_OK;
}
