/*
 * Sluice — resource record types, classes and the RDATA codec.
 * SPDX-License-Identifier: MIT OR Apache-2.0
 *
 * RDATA is held in its uncompressed wire form ("canonical storage"): names
 * embedded in RDATA are stored as uncompressed wire names, case preserved.
 * The codec converts between that form, the compressed form found in
 * messages, and presentation text (RFC 1035 §5, the type's own RFC, and
 * RFC 3597 "\# len hex" for any type).
 */
#ifndef SLUICE_RR_H
#define SLUICE_RR_H

#include <sluice/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** RR type codes known by name to the codec (IANA "Resource Record (RR) TYPEs"). */
enum sl_rrtype {
	SL_TYPE_A = 1,            /**< RFC 1035 */
	SL_TYPE_NS = 2,           /**< RFC 1035 */
	SL_TYPE_CNAME = 5,        /**< RFC 1035 */
	SL_TYPE_SOA = 6,          /**< RFC 1035 */
	SL_TYPE_WKS = 11,         /**< RFC 1035 */
	SL_TYPE_PTR = 12,         /**< RFC 1035 */
	SL_TYPE_HINFO = 13,       /**< RFC 1035 */
	SL_TYPE_MX = 15,          /**< RFC 1035 */
	SL_TYPE_TXT = 16,         /**< RFC 1035 */
	SL_TYPE_SIG = 24,         /**< RFC 2535, RFC 2931 (SIG(0)) */
	SL_TYPE_KEY = 25,         /**< RFC 2535, RFC 3445 */
	SL_TYPE_AAAA = 28,        /**< RFC 3596 */
	SL_TYPE_LOC = 29,         /**< RFC 1876 */
	SL_TYPE_SRV = 33,         /**< RFC 2782 */
	SL_TYPE_NAPTR = 35,       /**< RFC 3403 */
	SL_TYPE_CERT = 37,        /**< RFC 4398 */
	SL_TYPE_DNAME = 39,       /**< RFC 6672 */
	SL_TYPE_OPT = 41,         /**< RFC 6891 (meta type) */
	SL_TYPE_APL = 42,         /**< RFC 3123 */
	SL_TYPE_DS = 43,          /**< RFC 4034 */
	SL_TYPE_SSHFP = 44,       /**< RFC 4255 */
	SL_TYPE_IPSECKEY = 45,    /**< RFC 4025 */
	SL_TYPE_RRSIG = 46,       /**< RFC 4034 */
	SL_TYPE_NSEC = 47,        /**< RFC 4034 */
	SL_TYPE_DNSKEY = 48,      /**< RFC 4034 */
	SL_TYPE_DHCID = 49,       /**< RFC 4701 */
	SL_TYPE_NSEC3 = 50,       /**< RFC 5155 */
	SL_TYPE_NSEC3PARAM = 51,  /**< RFC 5155 */
	SL_TYPE_TLSA = 52,        /**< RFC 6698 */
	SL_TYPE_SMIMEA = 53,      /**< RFC 8162 */
	SL_TYPE_CDS = 59,         /**< RFC 7344 */
	SL_TYPE_CDNSKEY = 60,     /**< RFC 7344 */
	SL_TYPE_OPENPGPKEY = 61,  /**< RFC 7929 */
	SL_TYPE_CSYNC = 62,       /**< RFC 7477 */
	SL_TYPE_ZONEMD = 63,      /**< RFC 8976 */
	SL_TYPE_SVCB = 64,        /**< RFC 9460 */
	SL_TYPE_HTTPS = 65,       /**< RFC 9460 */
	SL_TYPE_SPF = 99,         /**< RFC 7208 (obsolete, still in zones) */
	SL_TYPE_NID = 104,        /**< RFC 6742 */
	SL_TYPE_L32 = 105,        /**< RFC 6742 */
	SL_TYPE_L64 = 106,        /**< RFC 6742 */
	SL_TYPE_LP = 107,         /**< RFC 6742 */
	SL_TYPE_EUI48 = 108,      /**< RFC 7043 */
	SL_TYPE_EUI64 = 109,      /**< RFC 7043 */
	SL_TYPE_TSIG = 250,       /**< RFC 8945 (meta type) */
	SL_TYPE_IXFR = 251,       /**< RFC 1995 (query type) */
	SL_TYPE_AXFR = 252,       /**< RFC 5936 (query type) */
	SL_TYPE_ANY = 255,        /**< RFC 1035 / RFC 8482 (query type "*") */
	SL_TYPE_URI = 256,        /**< RFC 7553 */
	SL_TYPE_CAA = 257,        /**< RFC 8659 */
};

/** RR classes. */
enum sl_rrclass {
	SL_CLASS_IN = 1,    /**< Internet */
	SL_CLASS_CH = 3,    /**< Chaos */
	SL_CLASS_HS = 4,    /**< Hesiod */
	SL_CLASS_NONE = 254,/**< RFC 2136 "delete this RR" */
	SL_CLASS_ANY = 255, /**< RFC 2136 / query class "*" */
};

/** Longest RDATA a record may carry on the wire. */
#define SL_RDATA_MAXLEN 65535

/**
 * Writes the mnemonic of an RR type ("A", "NSEC3PARAM") or "TYPEnnn" for types
 * without one (RFC 3597 §5).
 * @return characters written (without NUL) or SL_ESPACE
 */
SL_API int sl_rrtype_to_text(uint16_t type, char *buf, size_t bufsize);

/**
 * Parses an RR type mnemonic (case-insensitive) or "TYPEnnn".
 * @return SL_OK or SL_ESYNTAX
 */
SL_API int sl_rrtype_from_text(const char *text, size_t len, uint16_t *type);

/** Writes "IN", "CH", "HS", "NONE", "ANY" or "CLASSnnn". @return length or SL_ESPACE */
SL_API int sl_rrclass_to_text(uint16_t rclass, char *buf, size_t bufsize);

/** Parses a class mnemonic (case-insensitive) or "CLASSnnn". @return SL_OK or SL_ESYNTAX */
SL_API int sl_rrclass_from_text(const char *text, size_t len, uint16_t *rclass);

/**
 * Parses a TTL or other duration: decimal seconds ("3600"), or units as
 * BIND writes them ("1w2d", "1h30m"; w d h m s in either case), where every
 * number needs its unit once one has a unit ("1h30" is refused).
 *
 * Record TTLs are at most 2^31 - 1 (RFC 2181 §8), which the zone-file
 * scanner asks for; 32-bit RDATA durations (SOA timers, RRSIG original TTL)
 * take the full range, UINT32_MAX.
 *
 * @param text  the text (need not be NUL-terminated)
 * @param len   its length
 * @param max   largest value accepted
 * @param ttl   receives the value in seconds
 * @return SL_OK, SL_ESYNTAX or SL_ELIMIT (above @p max)
 */
SL_API int sl_ttl_from_text(const char *text, size_t len, uint32_t max, uint32_t *ttl);

/**
 * True for meta and query types that never appear as zone data
 * (OPT, TSIG, IXFR, AXFR, MAILA, MAILB, ANY, and the 128..255 range).
 */
SL_API bool sl_rrtype_is_meta(uint16_t type);

/**
 * Decodes the RDATA of one RR from a message into uncompressed storage form.
 *
 * For types whose RDATA may carry compressed names (RFC 3597 §4: NS, CNAME,
 * SOA, PTR, MX, plus the obsolete MB/MD/MF/MG/MINFO/MR, and RP/AFSDB/RT/PX as
 * decoders must accept) the names are decompressed. For every known type the
 * RDATA is validated against the type's structure (field lengths, name
 * validity, exact total length); unknown types are copied as opaque data.
 *
 * @param type    RR type
 * @param msg     the whole message
 * @param msglen  its length
 * @param pos     offset of the RDATA in @p msg
 * @param rdlen   RDLENGTH from the RR header (already checked to fit msglen)
 * @param out     receives the RDATA
 * @param outcap  size of @p out (SL_RDATA_MAXLEN always suffices)
 * @param outlen  receives the RDATA length
 * @return SL_OK, SL_EMALFORMED, SL_ELOOP or SL_ESPACE
 */
SL_API int sl_rdata_unpack(uint16_t type, const uint8_t *msg, size_t msglen, size_t pos,
			   uint16_t rdlen, uint8_t *out, size_t outcap, size_t *outlen);

/**
 * Validates uncompressed RDATA for @p type (the checks of sl_rdata_unpack()
 * without decompression). @return SL_OK or SL_EMALFORMED
 */
SL_API int sl_rdata_check(uint16_t type, const uint8_t *rdata, size_t rdlen);

/**
 * Prints RDATA in presentation format, fields separated by one space, as
 * knotc/dig print them (e.g. SOA "ns. host. 1 7200 3600 1209600 3600",
 * TXT strings quoted, DNSKEY base64, RRSIG times as YYYYMMDDHHmmSS, NSEC3
 * hash base32hex, SVCB SvcParams as key=value). Unknown types and RDATA that
 * fails validation print in RFC 3597 form "\# len hex".
 *
 * @return characters written (without NUL), or SL_ESPACE
 */
SL_API int sl_rdata_to_text(uint16_t type, const uint8_t *rdata, size_t rdlen, char *buf,
			    size_t bufsize);

/**
 * Parses presentation-format RDATA into storage form.
 *
 * @p text holds the RDATA fields only (owner, TTL, class and type already
 * consumed), on one logical line: the zone-file reader has already joined
 * parenthesised continuation lines and stripped comments. Fields are
 * separated by blanks; quoted strings and `\X` / `\DDD` escapes are honoured.
 * "\# len hex..." (RFC 3597) is accepted for every type and validated for
 * known types. Relative names are completed with @p origin.
 *
 * @param type     RR type
 * @param text     the RDATA text (need not be NUL-terminated)
 * @param len      its length
 * @param origin   wire name for relative names, or NULL (relative names fail)
 * @param out      receives the RDATA
 * @param outcap   size of @p out
 * @param outlen   receives the RDATA length
 * @param err      receives a one-line reason on failure (may be NULL)
 * @param errsize  size of @p err
 * @return SL_OK, SL_ESYNTAX, SL_ELIMIT or SL_ESPACE
 */
SL_API int sl_rdata_from_text(uint16_t type, const char *text, size_t len, const uint8_t *origin,
			      uint8_t *out, size_t outcap, size_t *outlen, char *err,
			      size_t errsize);

/** Maximum number of names embedded in the RDATA of any known type. */
#define SL_RDATA_MAX_NAMES 2

/**
 * Where the domain names embedded in a record's RDATA are.
 * Used by the response builder (compression) and by DNSSEC (canonical
 * lower-casing, RFC 4034 §6.2 as amended by RFC 6840 §5.1).
 */
typedef struct sl_rdata_names {
	unsigned count;                         /**< number of names found */
	uint16_t offset[SL_RDATA_MAX_NAMES];    /**< offset of each name in RDATA */
	bool compressible;                      /**< names may be compressed on output (RFC 3597 §4) */
	bool canonical_lower;                   /**< names are lower-cased in canonical form */
} sl_rdata_names_t;

/**
 * Locates the names in valid storage-form RDATA of @p type.
 * Types without embedded names report count 0. RRSIG's signer name and
 * NSEC's next name are reported (not compressible).
 * @return SL_OK or SL_EMALFORMED
 */
SL_API int sl_rdata_names(uint16_t type, const uint8_t *rdata, size_t rdlen,
			  sl_rdata_names_t *names);

#ifdef __cplusplus
}
#endif
#endif /* SLUICE_RR_H */
