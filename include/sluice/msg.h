/*
 * Sluice — parsing DNS messages (RFC 1035 §4, RFC 6891 EDNS(0) and options).
 * SPDX-License-Identifier: MIT OR Apache-2.0
 *
 * sl_msg_parse() validates a whole message in one linear pass without
 * allocating: header counts are checked against the message length before
 * anything is walked, every RR header and name is bounds-checked, the OPT
 * and TSIG records are located, and the EDNS options the core understands
 * are decoded into sl_edns_t.
 */
#ifndef SLUICE_MSG_H
#define SLUICE_MSG_H

#include <sluice/common.h>
#include <sluice/name.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Size of the fixed DNS header. */
#define SL_HEADER_LEN 12
/** Largest DNS message (TCP framing limit). */
#define SL_MSG_MAXLEN 65535
/** Default EDNS UDP payload size we advertise and assume (DNS Flag Day 2020). */
#define SL_EDNS_DEFAULT_PAYLOAD 1232
/** UDP payload limit for clients without EDNS (RFC 1035). */
#define SL_UDP_CLASSIC_MAX 512
/** Smallest payload size a client may advertise; smaller values are treated as 512 (RFC 6891 §6.2.5). */
#define SL_EDNS_MIN_PAYLOAD 512

/** Header flag bits (in the 16-bit flags word). */
enum sl_flag {
	SL_FLAG_QR = 0x8000, /**< response */
	SL_FLAG_AA = 0x0400, /**< authoritative answer */
	SL_FLAG_TC = 0x0200, /**< truncated */
	SL_FLAG_RD = 0x0100, /**< recursion desired */
	SL_FLAG_RA = 0x0080, /**< recursion available */
	SL_FLAG_Z = 0x0040,  /**< reserved, must be zero */
	SL_FLAG_AD = 0x0020, /**< authentic data */
	SL_FLAG_CD = 0x0010, /**< checking disabled */
};

/** Extracts the opcode from a flags word. */
#define SL_FLAGS_OPCODE(flags) (((flags) >> 11) & 0xF)
/** Extracts the 4-bit header rcode from a flags word. */
#define SL_FLAGS_RCODE(flags) ((flags) & 0xF)

/** Opcodes. */
enum sl_opcode {
	SL_OPCODE_QUERY = 0,  /**< standard query */
	SL_OPCODE_IQUERY = 1, /**< obsolete inverse query */
	SL_OPCODE_STATUS = 2, /**< server status */
	SL_OPCODE_NOTIFY = 4, /**< RFC 1996 */
	SL_OPCODE_UPDATE = 5, /**< RFC 2136 */
};

/** Response codes, including the EDNS/TSIG extended ones. */
enum sl_rcode {
	SL_RCODE_NOERROR = 0,    /**< no error */
	SL_RCODE_FORMERR = 1,    /**< format error */
	SL_RCODE_SERVFAIL = 2,   /**< server failure */
	SL_RCODE_NXDOMAIN = 3,   /**< name does not exist */
	SL_RCODE_NOTIMP = 4,     /**< not implemented */
	SL_RCODE_REFUSED = 5,    /**< refused */
	SL_RCODE_YXDOMAIN = 6,   /**< name exists when it should not (RFC 2136) */
	SL_RCODE_YXRRSET = 7,    /**< RRset exists when it should not */
	SL_RCODE_NXRRSET = 8,    /**< RRset that should exist does not */
	SL_RCODE_NOTAUTH = 9,    /**< not authoritative / not authorized */
	SL_RCODE_NOTZONE = 10,   /**< name not in zone */
	SL_RCODE_BADVERS = 16,   /**< bad EDNS version (RFC 6891) */
	SL_RCODE_BADSIG = 16,    /**< TSIG signature failure (TSIG RR error field) */
	SL_RCODE_BADKEY = 17,    /**< key not recognised */
	SL_RCODE_BADTIME = 18,   /**< signature out of time window */
	SL_RCODE_BADCOOKIE = 23, /**< bad/missing server cookie (RFC 7873) */
};

/** Message sections, in order. */
enum sl_section {
	SL_SECTION_QUESTION = 0,   /**< question */
	SL_SECTION_ANSWER = 1,     /**< answer (UPDATE: prerequisite) */
	SL_SECTION_AUTHORITY = 2,  /**< authority (UPDATE: update) */
	SL_SECTION_ADDITIONAL = 3, /**< additional */
};

/** EDNS option codes the core knows. */
enum sl_edns_option {
	SL_EDNS_OPT_NSID = 3,       /**< RFC 5001 */
	SL_EDNS_OPT_ECS = 8,        /**< RFC 7871 client subnet */
	SL_EDNS_OPT_COOKIE = 10,    /**< RFC 7873 */
	SL_EDNS_OPT_KEEPALIVE = 11, /**< RFC 7828 */
	SL_EDNS_OPT_PADDING = 12,   /**< RFC 7830 */
	SL_EDNS_OPT_EDE = 15,       /**< RFC 8914 extended DNS error */
};

/** EDNS Client Subnet state (RFC 7871). */
typedef struct sl_ecs {
	bool present;          /**< a valid ECS option was received */
	uint16_t family;       /**< 1 = IPv4, 2 = IPv6 */
	uint8_t source_prefix; /**< SOURCE PREFIX-LENGTH from the client */
	uint8_t scope_prefix;  /**< SCOPE PREFIX-LENGTH to send back (0 in queries) */
	uint8_t addr[16];      /**< address, bits beyond source_prefix zero */
} sl_ecs_t;

/** DNS Cookie state (RFC 7873, RFC 9018). */
typedef struct sl_cookie {
	bool present;              /**< a COOKIE option was received */
	uint8_t client[8];         /**< client cookie */
	uint8_t server[32];        /**< server cookie as received */
	uint8_t server_len;        /**< 0, or 8..32 */
	bool server_valid;         /**< the server cookie is ours (RFC 9018 with our secret, timestamp
				    at most 1 hour old, 5 minutes ahead); false when absent,
				    invalid or cookies are off */
} sl_cookie_t;

/** EDNS(0) state of a parsed query. */
typedef struct sl_edns {
	bool present;         /**< the message had an OPT RR */
	uint8_t version;      /**< EDNS version (we implement 0) */
	bool do_bit;          /**< DNSSEC OK */
	uint16_t payload;     /**< advertised UDP payload, raised to at least 512 */
	uint8_t ext_rcode;    /**< upper 8 bits of the extended rcode */
	uint16_t flags;       /**< the 16 flag bits (DO is bit 15) */
	bool nsid;            /**< client asked for NSID */
	bool keepalive;       /**< client sent edns-tcp-keepalive */
	sl_ecs_t ecs;         /**< client subnet */
	sl_cookie_t cookie;   /**< cookies */
	size_t opt_pos;       /**< offset of the OPT RR's owner in the message */
} sl_edns_t;

/** A parsed message header. */
typedef struct sl_header {
	uint16_t id;       /**< transaction id */
	uint16_t flags;    /**< QR, opcode, AA, TC, RD, RA, Z, AD, CD, rcode */
	uint16_t qdcount;  /**< question count */
	uint16_t ancount;  /**< answer (prerequisite) count */
	uint16_t nscount;  /**< authority (update) count */
	uint16_t arcount;  /**< additional count */
} sl_header_t;

/**
 * A parsed message. Holds no pointers into memory it owns; @p wire points at
 * the caller's buffer, which must outlive the struct.
 */
typedef struct sl_msg {
	const uint8_t *wire;            /**< the message */
	size_t len;                     /**< its length */
	sl_header_t hdr;                /**< header */
	uint8_t qname[SL_NAME_MAXLEN];  /**< question name, case as received */
	size_t qname_len;               /**< its length; 0 when QDCOUNT is 0 */
	uint16_t qtype;                 /**< question type */
	uint16_t qclass;                /**< question class */
	size_t section_pos[4];          /**< offset where each section starts */
	size_t end_pos;                 /**< offset after the last RR parsed */
	size_t tsig_pos;                /**< offset of the TSIG RR's owner, 0 if none */
	sl_edns_t edns;                 /**< EDNS state */
	uint8_t rcode;                  /**< rcode to answer with when parsing failed */
	uint16_t ede;                   /**< RFC 8914 info code explaining rcode, 0 if none */
	const char *error;              /**< static description of the parse failure */
} sl_msg_t;

/**
 * Parses and validates a message.
 *
 * On success every section has been walked, at most one OPT (root owner, in
 * the additional section) and at most one TSIG (last RR of the additional
 * section) were found, and @p msg is filled. Trailing bytes after the last
 * RR are a FORMERR.
 *
 * Failure classes:
 *  - SL_EMALFORMED with msg->rcode = FORMERR: a reply is possible (the header
 *    was readable); msg->hdr is valid and, when the question parsed,
 *    msg->qname too.
 *  - SL_EMALFORMED with msg->rcode = 0: too short for a header; send nothing.
 *  - SL_OK with msg->rcode = BADVERS: EDNS version > 0 (RFC 6891 §6.1.3);
 *    answer BADVERS with an OPT of version 0.
 * The caller must also refuse to answer any message with QR set.
 *
 * ECS is validated strictly (RFC 7871 §6): family 1 or 2, source prefix
 * within the family's bits, address length exactly ceil(source/8), no bits
 * set beyond the prefix, scope 0 — anything else is FORMERR. Cookie lengths
 * must be 8 or 16..40 (FORMERR otherwise).
 *
 * @return SL_OK or SL_EMALFORMED
 */
SL_API int sl_msg_parse(const uint8_t *wire, size_t len, sl_msg_t *msg);

/**
 * The mnemonic of an rcode ("NOERROR", "NOTAUTH", ...; the TSIG errors
 * "BADSIG" .. "BADTRUNC" too), for messages and logs.
 * @return a static string, or NULL for a code without a mnemonic
 */
SL_API const char *sl_rcode_name(uint16_t rcode);

/** One RR as read from a message by sl_msg_rr_next(). */
typedef struct sl_rr {
	uint8_t owner[SL_NAME_MAXLEN]; /**< owner, uncompressed, case preserved */
	size_t owner_len;              /**< its length */
	uint16_t type;                 /**< type */
	uint16_t rclass;               /**< class */
	uint32_t ttl;                  /**< TTL */
	uint16_t rdlen;                /**< RDLENGTH */
	size_t rdata_pos;              /**< offset of the RDATA in the message */
} sl_rr_t;

/**
 * Reads the RR at *@p pos of a message (the question section's entries are
 * not RRs: start at msg->section_pos[SL_SECTION_ANSWER]), advancing *@p pos.
 * RDATA is not decoded: call sl_rdata_unpack() with rr->rdata_pos.
 * @return SL_OK or SL_EMALFORMED
 */
SL_API int sl_msg_rr_next(const uint8_t *wire, size_t len, size_t *pos, sl_rr_t *rr);

#ifdef __cplusplus
}
#endif
#endif /* SLUICE_MSG_H */
