/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * dnssec-signer: shared declarations of its parts — keys (keys.c: making,
 * storing and loading them, DNSKEY, key tag, DS, signing octets) and zone
 * signing (zsign.c: DNSKEY RRset, NSEC chain, RRSIGs through the zone
 * store's signer hook; nsec3.c: the NSEC3 chain; internals in zsign.h).
 */
#ifndef SL_DNSSEC_SIGNER_H
#define SL_DNSSEC_SIGNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/evp.h>

#include <sluice/error.h>
#include <sluice/name.h>
#include <sluice/zone.h>

/* DNSSEC algorithm numbers (IANA; RFC 5702, 6605, 8080). */
enum { SK_RSASHA256 = 8, SK_ECDSAP256 = 13, SK_ECDSAP384 = 14, SK_ED25519 = 15, SK_ED448 = 16 };

/* Key roles. */
enum sk_role { SK_KSK = 1, SK_ZSK = 2, SK_CSK = 3 };

/* Longest DNSKEY RDATA we make (RSA 4096: 4 + 1 + 3 + 512). */
#define SK_DNSKEY_MAX 600
/* Longest signature (RSA 4096). */
#define SK_SIG_MAX 512

/* One key of a zone. */
typedef struct skey {
	enum sk_role role;
	uint8_t alg;
	uint16_t tag;
	int64_t created;
	EVP_PKEY *pkey;
	uint8_t dnskey[SK_DNSKEY_MAX];
	uint16_t dnskey_len;
} skey_t;

/* The keys of a zone: a KSK and a ZSK, or one CSK. */
typedef struct keyset {
	skey_t k[2];
	unsigned n;
} keyset_t;

/** The algorithm number of a config spelling ("ecdsap256sha256"...). @return 0 if unknown */
uint8_t dk_alg_from_text(const char *text);

/** The config spelling of an algorithm number, or "unknown". */
const char *dk_alg_name(uint8_t alg);

/** RFC 4034 Appendix B key tag of DNSKEY RDATA. */
uint16_t dk_key_tag(const uint8_t *rdata, size_t len);

/**
 * DNSKEY RDATA (flags, protocol 3, algorithm, public key in the algorithm's
 * DNS form: RFC 3110, RFC 6605 X||Y, RFC 8080 raw) of @p pk.
 * @return SL_OK, or SL_EINVAL (key not of @p alg, or too big)
 */
int dk_dnskey_rdata(EVP_PKEY *pk, uint8_t alg, uint16_t flags, uint8_t *out, size_t cap,
		    size_t *len);

/**
 * DS RDATA (RFC 4034 §5.1.4) with digest type 2 (SHA-256) for the DNSKEY
 * @p dnskey at @p owner. @p out needs 36 octets. @return SL_OK or SL_EINVAL
 */
int dk_ds_rdata(const uint8_t *owner, const uint8_t *dnskey, size_t dlen, uint8_t out[36]);

/**
 * Signs @p data with @p k in the algorithm's DNSSEC form (RSA PKCS#1 v1.5,
 * ECDSA r||s, EdDSA raw). @return SL_OK or SL_EINVAL
 */
int dk_sign(const skey_t *k, const uint8_t *data, size_t len, uint8_t *sig, size_t cap,
	    size_t *siglen);

/**
 * Loads the keys of zone @p apex from @p dir (its state file and PEM
 * files), or — when the directory holds no state for the zone and
 * @p may_create — makes new ones (KSK + ZSK, or a CSK) of @p alg and
 * stores them (PEM mode 0600, state file). A key file that group or
 * others may read, a malformed file or keys of another algorithm are
 * errors. *@p created tells whether new keys were made.
 * @return SL_OK, SL_ENOTFOUND (no keys and !may_create), SL_EIO or SL_ECONFIG with @p err set
 */
int dk_load_or_create(const char *dir, const uint8_t *apex, uint8_t alg, bool csk,
		      bool may_create, keyset_t *ks, bool *created, sl_error_t *err);

/** Writes the DS records of the key-signing keys to "<dir>/<zone>ds" and logs them. */
int dk_publish_ds(const char *dir, const uint8_t *apex, const keyset_t *ks, const char *label,
		  sl_error_t *err);

/**
 * dk_publish_ds() with one DS per key-signing key and digest type of
 * @p digests (2: SHA-256, 4: SHA-384), in that order.
 */
int dk_publish_ds_digests(const char *dir, const uint8_t *apex, const keyset_t *ks,
			  const char *label, const uint8_t *digests, size_t ndigests,
			  sl_error_t *err);

/**
 * DS RDATA (RFC 4034 §5.1.4) of @p dnskey at @p owner with digest type
 * @p digest_type: 2 (SHA-256) or 4 (SHA-384, RFC 6605). @p out needs 4 plus
 * the digest's length (52 octets cover both).
 * @return SL_OK, SL_EINVAL (other digest, short RDATA) or SL_ENOMEM
 */
int dk_ds_digest(const uint8_t *owner, const uint8_t *dnskey, size_t dlen, uint8_t digest_type,
		 uint8_t *out, size_t cap, size_t *len);

/** Frees the keys. */
void dk_free(keyset_t *ks);

/** Authenticated denial of existence. */
enum zs_denial { ZS_NSEC = 0, ZS_NSEC3 = 1 };

/** What zone signing needs. */
typedef struct zsign_cfg {
	const keyset_t *keys;
	uint32_t lifetime;          /* signature validity, seconds */
	time_t now;
	enum zs_denial denial;      /* NSEC or NSEC3 */
	uint16_t nsec3_iterations;  /* extra hash iterations (RFC 9276: 0) */
	uint8_t nsec3_saltlen;      /* salt octets (RFC 9276: none) */
	uint8_t nsec3_salt[255];
	bool nsec3_opt_out;         /* insecure delegations left out of the NSEC3 chain */
	bool cds;                   /* publish CDS and CDNSKEY for the key-signing keys */
	uint8_t cds_digest;         /* CDS digest type: 2 (SHA-256) or 4 (SHA-384) */
	uint32_t jitter;            /* expirations moved earlier by 0..jitter s, per RRset */
} zsign_cfg_t;

/** How the SOA serial moves when the signer raises it (serial.c). */
enum zs_serial { ZS_SERIAL_INCREMENT = 0, ZS_SERIAL_UNIXTIME, ZS_SERIAL_DATESERIAL };

/** RFC 1982 serial arithmetic: @p a is greater than @p b. */
bool zs_serial_gt(uint32_t a, uint32_t b);

/**
 * The serial after @p old under @p policy at time @p now: old + 1, the
 * Unix time, or YYYYMMDD00 of today (UTC) — each raised to old + 1 when
 * not greater than @p old (RFC 1982), and never 0.
 */
uint32_t zs_serial_next(uint32_t old, enum zs_serial policy, time_t now);

/**
 * Raises the serial of the SOA at @p apex in @p txn per @p policy
 * (zs_serial_next()); *@p old and *@p next get the serials.
 * @return SL_OK, SL_EINVAL (no SOA) or the transaction's error
 */
int zs_bump_serial(sl_zone_txn_t *txn, const uint8_t *apex, enum zs_serial policy, time_t now,
		   uint32_t *old, uint32_t *next);

/**
 * Signs version @p to of the zone @p apex into @p am (a transaction based
 * on it): drops the DNSSEC records it has (DNSKEY, RRSIG, NSEC, NSEC3,
 * NSEC3PARAM), then adds the DNSKEY RRset, the NSEC chain (or NSEC3PARAM
 * and the NSEC3 chain) and an RRSIG over every authoritative RRset.
 * *@p earliest (when not NULL) gets the earliest signature expiration. @return SL_OK or an error with @p err set
 */
int zs_sign_version(const zsign_cfg_t *cfg, const uint8_t *apex, const sl_zone_version_t *to,
		    sl_zone_txn_t *am, uint32_t *earliest, sl_error_t *err);

#endif
