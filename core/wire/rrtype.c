/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Sluice — RR type and class mnemonics (IANA "Domain Name System (DNS)
 * Parameters" registry) and the RFC 3597 §5 "TYPEnnn" / "CLASSnnn" forms.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <sluice/rr.h>

struct sl_mnemonic {
	uint16_t code;
	const char *name;
};

/*
 * Sorted by code so that to_text can binary-search. The ANY type (255) is
 * "*" in the IANA registry but is written "ANY" in zone files and by dig.
 */
static const struct sl_mnemonic sl_types[] = {
	{ 1, "A" },
	{ 2, "NS" },
	{ 3, "MD" },
	{ 4, "MF" },
	{ 5, "CNAME" },
	{ 6, "SOA" },
	{ 7, "MB" },
	{ 8, "MG" },
	{ 9, "MR" },
	{ 10, "NULL" },
	{ 11, "WKS" },
	{ 12, "PTR" },
	{ 13, "HINFO" },
	{ 14, "MINFO" },
	{ 15, "MX" },
	{ 16, "TXT" },
	{ 17, "RP" },
	{ 18, "AFSDB" },
	{ 19, "X25" },
	{ 20, "ISDN" },
	{ 21, "RT" },
	{ 22, "NSAP" },
	{ 23, "NSAP-PTR" },
	{ 24, "SIG" },
	{ 25, "KEY" },
	{ 26, "PX" },
	{ 27, "GPOS" },
	{ 28, "AAAA" },
	{ 29, "LOC" },
	{ 30, "NXT" },
	{ 31, "EID" },
	{ 32, "NIMLOC" },
	{ 33, "SRV" },
	{ 34, "ATMA" },
	{ 35, "NAPTR" },
	{ 36, "KX" },
	{ 37, "CERT" },
	{ 38, "A6" },
	{ 39, "DNAME" },
	{ 40, "SINK" },
	{ 41, "OPT" },
	{ 42, "APL" },
	{ 43, "DS" },
	{ 44, "SSHFP" },
	{ 45, "IPSECKEY" },
	{ 46, "RRSIG" },
	{ 47, "NSEC" },
	{ 48, "DNSKEY" },
	{ 49, "DHCID" },
	{ 50, "NSEC3" },
	{ 51, "NSEC3PARAM" },
	{ 52, "TLSA" },
	{ 53, "SMIMEA" },
	{ 55, "HIP" },
	{ 56, "NINFO" },
	{ 57, "RKEY" },
	{ 58, "TALINK" },
	{ 59, "CDS" },
	{ 60, "CDNSKEY" },
	{ 61, "OPENPGPKEY" },
	{ 62, "CSYNC" },
	{ 63, "ZONEMD" },
	{ 64, "SVCB" },
	{ 65, "HTTPS" },
	{ 99, "SPF" },
	{ 100, "UINFO" },
	{ 101, "UID" },
	{ 102, "GID" },
	{ 103, "UNSPEC" },
	{ 104, "NID" },
	{ 105, "L32" },
	{ 106, "L64" },
	{ 107, "LP" },
	{ 108, "EUI48" },
	{ 109, "EUI64" },
	{ 249, "TKEY" },
	{ 250, "TSIG" },
	{ 251, "IXFR" },
	{ 252, "AXFR" },
	{ 253, "MAILB" },
	{ 254, "MAILA" },
	{ 255, "ANY" },
	{ 256, "URI" },
	{ 257, "CAA" },
	{ 258, "AVC" },
	{ 259, "DOA" },
	{ 260, "AMTRELAY" },
	{ 261, "RESINFO" },
	{ 262, "WALLET" },
	{ 32768, "TA" },
	{ 32769, "DLV" },
};

/*
 * The same mnemonics sorted by name (upper case, byte order) so that
 * from_text can binary-search instead of scanning: NSEC bitmaps make it one
 * of the hottest functions of zone loading. check_name's round trip of all
 * 65536 codes proves the two tables agree.
 */
static const struct sl_mnemonic sl_types_by_name[] = {
	{ 1, "A" }, { 38, "A6" }, { 28, "AAAA" }, { 18, "AFSDB" }, { 260, "AMTRELAY" },
	{ 255, "ANY" }, { 42, "APL" }, { 34, "ATMA" }, { 258, "AVC" }, { 252, "AXFR" },
	{ 257, "CAA" }, { 60, "CDNSKEY" }, { 59, "CDS" }, { 37, "CERT" }, { 5, "CNAME" },
	{ 62, "CSYNC" }, { 49, "DHCID" }, { 32769, "DLV" }, { 39, "DNAME" }, { 48, "DNSKEY" },
	{ 259, "DOA" }, { 43, "DS" }, { 31, "EID" }, { 108, "EUI48" }, { 109, "EUI64" },
	{ 102, "GID" }, { 27, "GPOS" }, { 13, "HINFO" }, { 55, "HIP" }, { 65, "HTTPS" },
	{ 45, "IPSECKEY" }, { 20, "ISDN" }, { 251, "IXFR" }, { 25, "KEY" }, { 36, "KX" },
	{ 105, "L32" }, { 106, "L64" }, { 29, "LOC" }, { 107, "LP" }, { 254, "MAILA" },
	{ 253, "MAILB" }, { 7, "MB" }, { 3, "MD" }, { 4, "MF" }, { 8, "MG" }, { 14, "MINFO" },
	{ 9, "MR" }, { 15, "MX" }, { 35, "NAPTR" }, { 104, "NID" }, { 32, "NIMLOC" },
	{ 56, "NINFO" }, { 2, "NS" }, { 22, "NSAP" }, { 23, "NSAP-PTR" }, { 47, "NSEC" },
	{ 50, "NSEC3" }, { 51, "NSEC3PARAM" }, { 10, "NULL" }, { 30, "NXT" }, { 61, "OPENPGPKEY" },
	{ 41, "OPT" }, { 12, "PTR" }, { 26, "PX" }, { 261, "RESINFO" }, { 57, "RKEY" },
	{ 17, "RP" }, { 46, "RRSIG" }, { 21, "RT" }, { 24, "SIG" }, { 40, "SINK" },
	{ 53, "SMIMEA" }, { 6, "SOA" }, { 99, "SPF" }, { 33, "SRV" }, { 44, "SSHFP" },
	{ 64, "SVCB" }, { 32768, "TA" }, { 58, "TALINK" }, { 249, "TKEY" }, { 52, "TLSA" },
	{ 250, "TSIG" }, { 16, "TXT" }, { 101, "UID" }, { 100, "UINFO" }, { 103, "UNSPEC" },
	{ 256, "URI" }, { 262, "WALLET" }, { 11, "WKS" }, { 19, "X25" }, { 63, "ZONEMD" },
};

/* Aliases are accepted on input only; the first entry per code is printed. */
static const struct sl_mnemonic sl_classes[] = {
	{ 1, "IN" },
	{ 3, "CH" },
	{ 3, "CHAOS" },
	{ 4, "HS" },
	{ 4, "HESIOD" },
	{ 254, "NONE" },
	{ 255, "ANY" },
};

#define SL_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *sl_type_name(uint16_t type)
{
	size_t lo = 0;
	size_t hi = SL_ARRAY_SIZE(sl_types);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (sl_types[mid].code == type)
			return sl_types[mid].name;
		if (sl_types[mid].code < type)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static const char *sl_class_name(uint16_t rclass)
{
	for (size_t i = 0; i < SL_ARRAY_SIZE(sl_classes); i++) {
		if (sl_classes[i].code == rclass)
			return sl_classes[i].name;
	}
	return NULL;
}

/* Writes @p name, or @p prefix followed by @p code in decimal when name is NULL. */
static int sl_code_to_text(const char *name, const char *prefix, uint16_t code, char *buf,
			   size_t bufsize)
{
	int n;

	if (bufsize == 0)
		return SL_ESPACE;
	if (name)
		n = snprintf(buf, bufsize, "%s", name);
	else
		n = snprintf(buf, bufsize, "%s%u", prefix, (unsigned)code);
	if (n < 0 || (size_t)n >= bufsize)
		return SL_ESPACE;
	return n;
}

/* Exact-length, ASCII case-insensitive match of text[0..len) against a C string. */
static bool sl_text_is(const char *text, size_t len, const char *name)
{
	size_t i;

	for (i = 0; i < len; i++) {
		char a = text[i];
		char b = name[i];

		if (b == '\0')
			return false;
		if (a >= 'a' && a <= 'z')
			a = (char)(a - 'a' + 'A');
		if (b >= 'a' && b <= 'z')
			b = (char)(b - 'a' + 'A');
		if (a != b)
			return false;
	}
	return name[i] == '\0';
}

/*
 * Parses "<prefix><decimal>" (prefix case-insensitive, e.g. "TYPE"): one or
 * more digits only, value 0..65535. Leading zeros are accepted.
 */
static bool sl_parse_generic(const char *text, size_t len, const char *prefix, uint16_t *out)
{
	size_t plen = 0;
	uint32_t v = 0;

	while (prefix[plen])
		plen++;
	if (len <= plen || !sl_text_is(text, plen, prefix))
		return false;
	for (size_t i = plen; i < len; i++) {
		if (text[i] < '0' || text[i] > '9')
			return false;
		v = v * 10 + (uint32_t)(text[i] - '0');
		if (v > 65535)
			return false;
	}
	*out = (uint16_t)v;
	return true;
}

int sl_rrtype_to_text(uint16_t type, char *buf, size_t bufsize)
{
	return sl_code_to_text(sl_type_name(type), "TYPE", type, buf, bufsize);
}

/* Longest type mnemonic ("NSEC3PARAM", "OPENPGPKEY") is 10 characters. */
#define SL_TYPE_NAME_MAX 16

int sl_rrtype_from_text(const char *text, size_t len, uint16_t *type)
{
	char key[SL_TYPE_NAME_MAX];
	size_t lo = 0;
	size_t hi = SL_ARRAY_SIZE(sl_types_by_name);

	/* Fold once, then compare bytes: names are upper-case ASCII. */
	if (len == 0 || len >= sizeof(key))
		goto generic;
	for (size_t i = 0; i < len; i++) {
		char c = text[i];

		if (c == '\0')
			return SL_ESYNTAX; /* would end the key early: "A\0" is not "A" */
		key[i] = c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
	}
	key[len] = '\0';
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int cmp = strcmp(key, sl_types_by_name[mid].name);

		if (cmp == 0) {
			*type = sl_types_by_name[mid].code;
			return SL_OK;
		}
		if (cmp > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
generic:
	return sl_parse_generic(text, len, "TYPE", type) ? SL_OK : SL_ESYNTAX;
}

int sl_rrclass_to_text(uint16_t rclass, char *buf, size_t bufsize)
{
	return sl_code_to_text(sl_class_name(rclass), "CLASS", rclass, buf, bufsize);
}

int sl_rrclass_from_text(const char *text, size_t len, uint16_t *rclass)
{
	for (size_t i = 0; i < SL_ARRAY_SIZE(sl_classes); i++) {
		if (sl_text_is(text, len, sl_classes[i].name)) {
			*rclass = sl_classes[i].code;
			return SL_OK;
		}
	}
	return sl_parse_generic(text, len, "CLASS", rclass) ? SL_OK : SL_ESYNTAX;
}

/*
 * Meta and query types (RFC 6895 §3.1) never appear as zone data:
 *  - OPT (41), the only meta type assigned outside the reserved range;
 *  - the whole 128..255 range, which RFC 6895 reserves for Q-types and
 *    meta-types: TKEY (249), TSIG (250), IXFR (251), AXFR (252), MAILB (253),
 *    MAILA (254), ANY (255) and any future or unassigned code there.
 * Type 0 (reserved) and the private-use range are not meta types.
 */
bool sl_rrtype_is_meta(uint16_t type)
{
	return type == SL_TYPE_OPT || (type >= 128 && type <= 255);
}
