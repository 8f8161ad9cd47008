/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * dnssec-signer keys for the key tool (sluice-keys): the parts of keys.c the
 * tool needs beyond what the plugin uses — reading the state file without
 * loading the keys, adding one key to a zone, file names, DS with SHA-384 —
 * and BIND's key files (bindkey.c: K<name>+<alg>+<tag>.key / .private).
 */
#ifndef SL_DNSSEC_KEYSTORE_H
#define SL_DNSSEC_KEYSTORE_H

#include "signer.h"

/** Largest key file read (state, PEM, BIND .key/.private). */
#define DK_FILE_MAX (64 * 1024)

/** "ksk", "zsk" or "csk". */
const char *dk_role_name(enum sk_role role);

/** The role of "ksk", "zsk" or "csk". @return 0 if unknown */
enum sk_role dk_role_from_text(const char *text);

/** A new key of @p alg (RSA 2048 bits for RSASHA256). @return NULL on failure */
EVP_PKEY *dk_keygen(uint8_t alg);

/**
 * Fills @p k's DNSKEY RDATA (flags 257 for KSK/CSK, 256 for ZSK) and key tag
 * from its pkey, role and alg. @return SL_OK, or SL_ECONFIG (not a key of alg)
 */
int dk_key_init(skey_t *k, sl_error_t *err);

/** "<dir>/<zone>.<role>.pem", the PEM file the signer reads. @return SL_OK or SL_ECONFIG */
int dk_key_path(const char *dir, const uint8_t *apex, enum sk_role role, char *out, size_t cap,
		sl_error_t *err);

/** "<dir>/<zone>.state.json". @return SL_OK or SL_ECONFIG */
int dk_state_path(const char *dir, const uint8_t *apex, char *out, size_t cap, sl_error_t *err);

/**
 * Reads a PEM private key as the signer does: refused when group or others
 * may read the file, when it is not a regular file, is a symlink or is over
 * 64 KiB. @return SL_OK, SL_EIO or SL_ECONFIG with @p err set
 */
int dk_read_key(const char *path, EVP_PKEY **out, sl_error_t *err);

/**
 * DS RDATA (RFC 4034 §5.1.4) of @p dnskey at @p owner with digest type
 * @p digest_type: 2 (SHA-256) or 4 (SHA-384, RFC 6605). @p out needs 4 plus
 * the digest's length (52 octets cover both).
 * @return SL_OK, SL_EINVAL (other digest, short RDATA) or SL_ENOMEM
 */
int dk_ds_digest(const uint8_t *owner, const uint8_t *dnskey, size_t dlen, uint8_t digest_type,
		 uint8_t *out, size_t cap, size_t *len);

/**
 * Parses a key state file (@p text, @p len bytes; @p label names it in
 * errors) into @p ks: each key's role, algorithm, key tag and creation time,
 * without loading the key (pkey stays NULL). One or two keys: a KSK and a
 * ZSK, or a CSK. @return SL_OK or SL_ECONFIG with @p err set
 */
int dk_state_parse(const char *text, size_t len, const char *label, keyset_t *ks,
		   sl_error_t *err);

/**
 * Reads "<dir>/<zone>.state.json" with dk_state_parse().
 * @return SL_OK, SL_ENOTFOUND (no state file), SL_EIO or SL_ECONFIG
 */
int dk_state_read(const char *dir, const uint8_t *apex, keyset_t *ks, sl_error_t *err);

/**
 * Adds key @p k (role, alg, created and pkey set) to zone @p apex in @p dir:
 * writes its PEM file (mode 0600, never over an existing file) and the state
 * file with it added. Refused when the zone already has a key of that role,
 * when a CSK would sit next to a KSK or ZSK, or when the zone's other key
 * has another algorithm. Fills k->dnskey and k->tag; @p k keeps its pkey.
 * @return SL_OK, SL_EIO or SL_ECONFIG with @p err set
 */
int dk_state_add(const char *dir, const uint8_t *apex, skey_t *k, sl_error_t *err);

/* ---- BIND key files (bindkey.c) ---------------------------------------------- */

/**
 * Reads a whole small file (at most DK_FILE_MAX - 1 octets) into @p buf, NUL
 * terminated. @return SL_OK, SL_EIO or SL_ECONFIG (too big) with @p err set
 */
int bk_file_read(const char *path, char *buf, size_t cap, size_t *len, sl_error_t *err);

/**
 * Parses BIND's private key format (Private-key-format v1.2 or v1.3, as
 * dnssec-keygen and ldns-keygen write it) for algorithms 8 (RSA 1024-4096
 * bits), 13, 14, 15 and 16. @p created gets the Created: time (Unix
 * seconds) or 0. The key is checked for consistency (the RSA fields belong
 * together; an ECDSA scalar lies in 1..n-1).
 * @return SL_OK or SL_ECONFIG with @p err set (a line number when it helps)
 */
int bk_private_parse(const char *text, size_t len, uint8_t *alg, EVP_PKEY **pkey,
		     int64_t *created, sl_error_t *err);

/**
 * Writes @p pk in BIND's Private-key-format v1.3 (with Created, Publish and
 * Activate set to @p created). @return the length written or SL_ESPACE/SL_EINVAL
 */
int bk_private_format(EVP_PKEY *pk, uint8_t alg, int64_t created, char *out, size_t cap);

/**
 * Parses a BIND public key file: comments (";") and blank lines, then one
 * record "owner [TTL] [class] KEY|DNSKEY flags protocol algorithm key"
 * (parentheses may span lines). @p owner gets the absolute wire name
 * (SL_NAME_MAXLEN octets), @p rdata (@p cap octets) the RDATA.
 * @return SL_OK or SL_ECONFIG with @p err set
 */
int bk_key_parse(const char *text, size_t len, uint8_t *owner, uint16_t *type, uint8_t *rdata,
		 size_t cap, size_t *rdlen, sl_error_t *err);

/**
 * Splits a BIND key file name ("[dir/]K<name>+<alg>+<tag>[.key|.private]")
 * into the owner (wire, SL_NAME_MAXLEN octets), algorithm and key tag.
 * @return SL_OK or SL_ESYNTAX (not such a name)
 */
int bk_name_parse(const char *path, uint8_t *owner, uint8_t *alg, uint16_t *tag);

#endif
