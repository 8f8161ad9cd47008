/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Sluice core — the RDATA layout
 * descriptors shared by the wire codec (rdata.c) and the text codec
 * (rdata_parse.c, rdata_print.c), so that both read one description of
 * each type. The binary-to-text encodings these formats use are public, in
 * sluice/codec.h.
 */
#ifndef SL_CORE_ENCODING_H
#define SL_CORE_ENCODING_H

#include <sluice/codec.h>
#include <sluice/common.h>
#include <sluice/error.h>

/** The blanks that separate presentation-format tokens and that decoders skip. */
static inline bool sl_is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/** The value of hex digit @p c, either case. @return false for any other character */
bool sl_hex_digit(char c, unsigned *v);

/* ---- RDATA layout descriptors -------------------------------------------- */

/**
 * Kinds of RDATA fields. Each kind has one wire layout (checked in rdata.c)
 * and one presentation form (parsed in rdata_parse.c, printed in
 * rdata_print.c). "Rest"
 * kinds take everything up to the end of the RDATA and must come last.
 */
enum sl_rdf_kind {
	SL_RDF_END = 0,   /**< terminates a descriptor's field list */
	SL_RDF_U8,        /**< 8-bit unsigned, decimal */
	SL_RDF_U16,       /**< 16-bit unsigned, decimal */
	SL_RDF_U32,       /**< 32-bit unsigned, decimal */
	SL_RDF_TTL,       /**< 32-bit; text also accepts units ("1h30m"), prints decimal */
	SL_RDF_U48,       /**< 48-bit unsigned, decimal (TSIG time signed) */
	SL_RDF_TYPE,      /**< 16-bit RR type, as mnemonic (RRSIG type covered) */
	SL_RDF_TIME,      /**< 32-bit seconds since the epoch, YYYYMMDDHHmmSS */
	SL_RDF_RCODE,     /**< 16-bit TSIG error, as mnemonic (RFC 8945) */
	SL_RDF_A,         /**< IPv4 address, 4 octets */
	SL_RDF_AAAA,      /**< IPv6 address, 16 octets */
	SL_RDF_NAME,      /**< domain name; compression rules come from the type's flags */
	SL_RDF_STR,       /**< one <character-string> */
	SL_RDF_STRS,      /**< rest: one or more <character-string>s */
	SL_RDF_CAATAG,    /**< CAA tag: length octet, 1+ ASCII letters/digits, printed bare */
	SL_RDF_CAAVAL,    /**< rest: CAA value, printed as one quoted string */
	SL_RDF_SALT,      /**< length octet + octets, hex or "-" when empty (NSEC3) */
	SL_RDF_HASH,      /**< length octet + 1..255 octets, base32hex (NSEC3) */
	SL_RDF_B64LEN,    /**< 16-bit length + octets; text: length then base64 (TSIG) */
	SL_RDF_B64,       /**< rest: octets, base64 (may be split by blanks in text) */
	SL_RDF_HEX,       /**< rest: octets, hex (may be split by blanks in text) */
	SL_RDF_BITMAP,    /**< rest: NSEC/NSEC3 type bitmap (RFC 4034 §4.1.2) */
	SL_RDF_SVCPARAMS, /**< rest: SVCB/HTTPS SvcParams (RFC 9460 §2.2) */
	SL_RDF_OPTIONS,   /**< rest: EDNS options (RFC 6891 §6.1.2); text only as "\#" */
	SL_RDF_B64NZ,     /**< rest: one or more octets, base64 (CERT, DHCID, OPENPGPKEY) */
	SL_RDF_DIGEST,    /**< rest: 12 or more octets, hex (ZONEMD, RFC 8976 §2.2.4) */
	SL_RDF_URI,       /**< rest: one or more octets, one quoted string (RFC 7553 §4.5) */
	SL_RDF_CERTTYPE,  /**< 16-bit CERT type, mnemonic or decimal (RFC 4398 §2.1) */
	SL_RDF_ALG,       /**< 8-bit DNSSEC algorithm, mnemonic or decimal (CERT) */
	SL_RDF_EUI48,     /**< 6 octets, xx-xx-xx-xx-xx-xx (RFC 7043) */
	SL_RDF_EUI64,     /**< 8 octets, xx-xx-xx-xx-xx-xx-xx-xx (RFC 7043) */
	SL_RDF_ILNP64,    /**< 8 octets, x:x:x:x in hex (NID, L64; RFC 6742 §2.1) */
	SL_RDF_LOC,       /**< 16 octets, version 0 (RFC 1876); text "d m s N d m s E alt..." */
	SL_RDF_IPSECGW,   /**< gateway type, algorithm, gateway (IPSECKEY, RFC 4025 §2) */
	SL_RDF_PROTO,     /**< 8-bit IP protocol; text also "tcp"/"udp", prints decimal */
	SL_RDF_PORTS,     /**< rest: WKS port bitmap, at most 8192 octets (RFC 1035 §3.4.2) */
	SL_RDF_APL,       /**< rest: APL items, "[!]afi:address/prefix" (RFC 3123 §4) */
};

/** Most fields any known type has (RRSIG/SIG: 9). */
#define SL_RDF_MAX 10

/** Descriptor flags. */
enum sl_rdd_flag {
	/** Names may be compressed on output and are decompressed on input (RFC 3597 §4). */
	SL_RDD_COMPRESS = 1u << 0,
	/** Names are decompressed on input but never compressed on output (RP, AFSDB, RT, PX). */
	SL_RDD_DECOMPRESS = 1u << 1,
	/** Names are lower-cased in DNSSEC canonical form (RFC 4034 §6.2, RFC 6840 §5.1). */
	SL_RDD_LOWER = 1u << 2,
	/** Presentation form is always RFC 3597 "\#" (OPT). */
	SL_RDD_GENERIC = 1u << 3,
};

/** One field: its kind, and the name used in error messages ("serial"). */
typedef struct sl_rdf {
	uint8_t kind;     /**< enum sl_rdf_kind */
	const char *name; /**< field name for messages */
} sl_rdf_t;

/** The RDATA layout of one known type. */
typedef struct sl_rdata_desc {
	uint16_t type;            /**< RR type */
	uint8_t flags;            /**< enum sl_rdd_flag */
	sl_rdf_t f[SL_RDF_MAX];   /**< fields, terminated by SL_RDF_END */
} sl_rdata_desc_t;

/** The highest type that may be compressed (MX; RFC 3597 §4 closes the list). */
#define SL_RDATA_LAST_COMPRESSIBLE_TYPE 15

/** Returns the descriptor of @p type, or NULL for types handled as opaque data. */
const sl_rdata_desc_t *sl_rdata_desc(uint16_t type);

/** Where one field of a valid RDATA lies. */
typedef struct sl_rdf_span {
	uint16_t off; /**< offset of the field */
	uint16_t len; /**< its length in octets (for rest kinds, possibly 0) */
} sl_rdf_span_t;

/**
 * Validates storage-form RDATA against @p desc and records where each field
 * lies (sl_rdata_check() with field positions). @p spans has room for
 * SL_RDF_MAX entries; @p err, when not NULL, receives the reason on
 * failure as its message ("bad name", "trailing data"; its place untouched).
 * @return SL_OK or SL_EMALFORMED
 */
int sl_rdata_fields(const sl_rdata_desc_t *desc, const uint8_t *rdata, size_t rdlen,
		    sl_rdf_span_t *spans, sl_error_t *err);

/** How the value of one SvcParam is written (RFC 9460 §7). */
enum sl_svc_kind {
	SL_SVC_OPAQUE = 0, /**< unknown key: any octets, printed as a quoted string */
	SL_SVC_MANDATORY,  /**< strictly increasing list of 16-bit keys */
	SL_SVC_ALPN,       /**< list of non-empty length-prefixed protocol ids */
	SL_SVC_FLAG,       /**< must be empty (no-default-alpn) */
	SL_SVC_PORT,       /**< 16-bit port */
	SL_SVC_IPV4,       /**< one or more IPv4 addresses */
	SL_SVC_B64,        /**< opaque, printed as base64 (ech) */
	SL_SVC_IPV6,       /**< one or more IPv6 addresses */
};

/** SvcParamKey 65535 is reserved as "invalid key" (RFC 9460 §14.3.2). */
#define SL_SVC_KEY_INVALID 65535

/** Returns the registered name of SvcParamKey @p key, or NULL ("keyNNNNN" form). */
const char *sl_svc_key_name(uint16_t key);

/** Looks up the key named @p name (exact, lower case). @return true with *@p key */
bool sl_svc_key_from_name(const char *name, size_t len, uint16_t *key);

/** Returns how the value of @p key is encoded. */
enum sl_svc_kind sl_svc_key_kind(uint16_t key);

#endif /* SL_CORE_ENCODING_H */
