/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * dnssec-signer keys: making them with OpenSSL 3, storing them as PEM
 * files only their owner can read plus a JSON state file, loading them
 * back, and the DNS forms of a key (DNSKEY RDATA, key tag, DS).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/pem.h>

#include <sluice/log.h>
#include <sluice/rr.h>

#include "signer.h"
#include "keystore.h"

/* ---- algorithms ------------------------------------------------------------ */

static const struct {
	uint8_t alg;
	const char *name;
} algs[] = {
	{ SK_RSASHA256, "rsasha256" },   { SK_ECDSAP256, "ecdsap256sha256" },
	{ SK_ECDSAP384, "ecdsap384sha384" }, { SK_ED25519, "ed25519" },
	{ SK_ED448, "ed448" },
};

uint8_t dk_alg_from_text(const char *text)
{
	for (size_t i = 0; text && i < sizeof(algs) / sizeof(algs[0]); i++) {
		if (strcmp(text, algs[i].name) == 0)
			return algs[i].alg;
	}
	return 0;
}

const char *dk_alg_name(uint8_t alg)
{
	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		if (algs[i].alg == alg)
			return algs[i].name;
	}
	return "unknown";
}

/* ECDSA coordinate size (RFC 6605), 0 for the others. */
static size_t ec_size(uint8_t alg)
{
	return alg == SK_ECDSAP256 ? 32 : alg == SK_ECDSAP384 ? 48 : 0;
}

static const EVP_MD *alg_md(uint8_t alg)
{
	switch (alg) {
	case SK_RSASHA256:
	case SK_ECDSAP256:
		return EVP_sha256();
	case SK_ECDSAP384:
		return EVP_sha384();
	default:
		return NULL;   /* EdDSA: no separate digest */
	}
}

/* ---- DNS forms --------------------------------------------------------------- */

uint16_t dk_key_tag(const uint8_t *rdata, size_t len)
{
	uint32_t ac = 0;

	for (size_t i = 0; i < len; i++)
		ac += (i & 1) ? rdata[i] : (uint32_t)rdata[i] << 8;
	ac += (ac >> 16) & 0xFFFF;
	return (uint16_t)(ac & 0xFFFF);
}

/* The public key in its DNS form. */
static int pub_dns(EVP_PKEY *pk, uint8_t alg, uint8_t *out, size_t cap, size_t *len)
{
	uint8_t buf[SK_DNSKEY_MAX];
	size_t n = 0;

	if (alg == SK_RSASHA256) {
		BIGNUM *nn = NULL, *e = NULL;
		int rc = SL_EINVAL;

		if (EVP_PKEY_is_a(pk, "RSA") &&
		    EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_N, &nn) == 1 &&
		    EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_E, &e) == 1) {
			size_t el = (size_t)BN_num_bytes(e), ml = (size_t)BN_num_bytes(nn);
			size_t hl = el < 256 ? 1 : 3;

			if (el > 0 && hl + el + ml <= cap) {
				if (hl == 1) {
					out[0] = (uint8_t)el;
				} else {
					out[0] = 0;
					out[1] = (uint8_t)(el >> 8);
					out[2] = (uint8_t)el;
				}
				BN_bn2bin(e, out + hl);
				BN_bn2bin(nn, out + hl + el);
				*len = hl + el + ml;
				rc = SL_OK;
			}
		}
		BN_free(nn);
		BN_free(e);
		return rc;
	}
	if (ec_size(alg)) {
		if (!EVP_PKEY_is_a(pk, "EC") ||
		    EVP_PKEY_get_octet_string_param(pk, OSSL_PKEY_PARAM_PUB_KEY, buf, sizeof(buf),
						    &n) != 1 ||
		    n != 1 + 2 * ec_size(alg) || buf[0] != 0x04 || n - 1 > cap)
			return SL_EINVAL;
		memcpy(out, buf + 1, n - 1);   /* RFC 6605 §4: X || Y, no 0x04 prefix */
		*len = n - 1;
		return SL_OK;
	}
	if ((alg == SK_ED25519 && EVP_PKEY_is_a(pk, "ED25519")) ||
	    (alg == SK_ED448 && EVP_PKEY_is_a(pk, "ED448"))) {
		if (EVP_PKEY_get_raw_public_key(pk, NULL, &n) != 1 || n > cap ||
		    EVP_PKEY_get_raw_public_key(pk, out, &n) != 1)
			return SL_EINVAL;
		*len = n;
		return SL_OK;
	}
	return SL_EINVAL;
}

int dk_dnskey_rdata(EVP_PKEY *pk, uint8_t alg, uint16_t flags, uint8_t *out, size_t cap,
		    size_t *len)
{
	size_t pl;

	if (cap < 4 || pub_dns(pk, alg, out + 4, cap - 4, &pl) != SL_OK)
		return SL_EINVAL;
	out[0] = (uint8_t)(flags >> 8);
	out[1] = (uint8_t)flags;
	out[2] = 3;
	out[3] = alg;
	*len = 4 + pl;
	return SL_OK;
}

int dk_ds_rdata(const uint8_t *owner, const uint8_t *dnskey, size_t dlen, uint8_t out[36])
{
	size_t len;
	int rc = dk_ds_digest(owner, dnskey, dlen, 2, out, 36, &len);

	return rc == SL_OK && len == 36 ? SL_OK : SL_EINVAL;
}

/* ---- signing ----------------------------------------------------------------- */

int dk_sign(const skey_t *k, const uint8_t *data, size_t len, uint8_t *sig, size_t cap,
	    size_t *siglen)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	uint8_t der[SK_SIG_MAX + 16];
	size_t dl = sizeof(der);
	int rc = SL_EINVAL;

	if (!ctx)
		return SL_ENOMEM;
	if (EVP_DigestSignInit(ctx, NULL, alg_md(k->alg), NULL, k->pkey) != 1 ||
	    EVP_DigestSign(ctx, NULL, &dl, data, len) != 1 || dl > sizeof(der) ||
	    EVP_DigestSign(ctx, der, &dl, data, len) != 1)
		goto out;
	if (ec_size(k->alg)) {
		/* DER SEQUENCE { r, s } to r || s, each left-padded (RFC 6605 §4). */
		const unsigned char *p = der;
		ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)dl);
		size_t cs = ec_size(k->alg);

		if (es && cap >= 2 * cs &&
		    BN_bn2binpad(ECDSA_SIG_get0_r(es), sig, (int)cs) == (int)cs &&
		    BN_bn2binpad(ECDSA_SIG_get0_s(es), sig + cs, (int)cs) == (int)cs) {
			*siglen = 2 * cs;
			rc = SL_OK;
		}
		ECDSA_SIG_free(es);
	} else if (dl <= cap) {
		memcpy(sig, der, dl);
		*siglen = dl;
		rc = SL_OK;
	}
out:
	EVP_MD_CTX_free(ctx);
	return rc;
}

/* ---- files ------------------------------------------------------------------- */

static const char *role_name(enum sk_role r)
{
	return r == SK_KSK ? "ksk" : r == SK_ZSK ? "zsk" : "csk";
}

static enum sk_role role_from(const char *s)
{
	return !s ? 0 : !strcmp(s, "ksk") ? SK_KSK : !strcmp(s, "zsk") ? SK_ZSK
						   : !strcmp(s, "csk") ? SK_CSK : 0;
}

/* "<dir>/<zone><suffix>", the zone as text with its final dot ("root." for the root). */
static int zone_path(const char *dir, const uint8_t *apex, const char *suffix, char *out,
		     size_t cap, sl_error_t *err)
{
	char zt[SL_NAME_TEXT_MAX];
	uint8_t lower[SL_NAME_MAXLEN];

	memcpy(lower, apex, sl_name_len(apex));
	sl_name_tolower(lower);
	if (apex[0] == 0) {
		snprintf(zt, sizeof(zt), "root.");
	} else if (sl_name_to_text(lower, zt, sizeof(zt)) < 0 || strchr(zt, '/') ||
		   strchr(zt, '\\')) {
		return sl_error_set(err, SL_ECONFIG,
				    "the zone name cannot be used in a key file name");
	}
	if ((size_t)snprintf(out, cap, "%s/%s%s", dir, zt, suffix) >= cap)
		return sl_error_set(err, SL_ECONFIG, "key_dir path too long");
	return SL_OK;
}

/* Reads a private key, refusing a file group or others may read. */
static int read_key(const char *path, EVP_PKEY **out, sl_error_t *err)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	FILE *f;

	*out = NULL;
	if (fd < 0)
		return sl_error_set(err, SL_EIO, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return sl_error_set(err, SL_EIO, "%s: not a regular file", path);
	}
	if (st.st_mode & 077) {
		close(fd);
		return sl_error_set(err, SL_ECONFIG,
				    "%s: key file is accessible by group or others (mode %04o): "
				    "refusing it; chmod 600 it",
				    path, (unsigned)(st.st_mode & 07777));
	}
	if (st.st_size > 64 * 1024) {
		close(fd);
		return sl_error_set(err, SL_ECONFIG, "%s: too big for a key file", path);
	}
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return sl_error_set(err, SL_EIO, "%s: %s", path, strerror(errno));
	}
	*out = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (!*out)
		return sl_error_set(err, SL_ECONFIG, "%s: not a PEM private key", path);
	return SL_OK;
}

/* Writes a new private key file, mode 0600, never over an existing one. */
static int write_key(const char *path, EVP_PKEY *pk, sl_error_t *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	FILE *f;
	int ok;

	if (fd < 0)
		return sl_error_set(err, SL_EIO, "%s: %s", path, strerror(errno));
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(path);
		return sl_error_set(err, SL_EIO, "%s: %s", path, strerror(errno));
	}
	ok = PEM_write_PrivateKey(f, pk, NULL, NULL, 0, NULL, NULL) == 1;
	ok = (fflush(f) == 0 && fsync(fileno(f)) == 0) && ok;
	if (fclose(f) != 0)
		ok = 0;
	if (!ok) {
		unlink(path);
		return sl_error_set(err, SL_EIO, "%s: cannot write the key", path);
	}
	return SL_OK;
}

static EVP_PKEY *keygen(uint8_t alg)
{
	switch (alg) {
	case SK_RSASHA256:
		return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	case SK_ECDSAP256:
		return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	case SK_ECDSAP384:
		return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	case SK_ED25519:
		return EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	case SK_ED448:
		return EVP_PKEY_Q_keygen(NULL, NULL, "ED448");
	default:
		return NULL;
	}
}

static uint16_t role_flags(enum sk_role r)
{
	return r == SK_ZSK ? 256 : 257;   /* Zone Key; + SEP for KSK/CSK */
}

/* Fills the DNS form of a key. */
static int key_finish(skey_t *k, sl_error_t *err)
{
	size_t len;

	if (dk_dnskey_rdata(k->pkey, k->alg, role_flags(k->role), k->dnskey, sizeof(k->dnskey),
			    &len) != SL_OK)
		return sl_error_set(err, SL_ECONFIG, "%s key is not a %s key", role_name(k->role),
				    dk_alg_name(k->alg));
	k->dnskey_len = (uint16_t)len;
	k->tag = dk_key_tag(k->dnskey, len);
	return SL_OK;
}

static int write_state(const char *path, const keyset_t *ks, sl_error_t *err)
{
	char tmp[4200];
	json_t *root = json_object(), *arr = json_array();
	int rc = SL_OK;

	if (!root || !arr) {
		json_decref(root);
		json_decref(arr);
		return sl_error_set(err, SL_ENOMEM, "out of memory");
	}
	json_object_set_new(root, "version", json_integer(1));
	for (unsigned i = 0; i < ks->n; i++) {
		const skey_t *k = &ks->k[i];

		json_array_append_new(arr, json_pack("{s:s, s:s, s:i, s:i, s:I}", "role",
						     role_name(k->role), "algorithm",
						     dk_alg_name(k->alg), "algorithm_number",
						     (int)k->alg, "key_tag", (int)k->tag, "created",
						     (json_int_t)k->created));
	}
	json_object_set_new(root, "keys", arr);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (json_dump_file(root, tmp, JSON_INDENT(2)) != 0 || rename(tmp, path) != 0) {
		unlink(tmp);
		rc = sl_error_set(err, SL_EIO, "%s: cannot write the key state: %s", path,
				  strerror(errno));
	}
	json_decref(root);
	return rc;
}

void dk_free(keyset_t *ks)
{
	for (unsigned i = 0; i < ks->n; i++)
		EVP_PKEY_free(ks->k[i].pkey);
	ks->n = 0;
}

/* Loads the keys the state file @p state lists. */
static int load_state(const char *dir, const uint8_t *apex, const char *state, uint8_t alg,
		      keyset_t *ks, sl_error_t *err)
{
	json_error_t je;
	json_t *root = json_load_file(state, JSON_REJECT_DUPLICATES, &je), *keys, *k;
	size_t i;
	int rc = SL_OK;

	if (!root)
		return sl_error_set(err, SL_ECONFIG, "%s:%d: %s", state, je.line, je.text);
	keys = json_object_get(root, "keys");
	if (!json_is_array(keys) || json_array_size(keys) < 1 || json_array_size(keys) > 2) {
		json_decref(root);
		return sl_error_set(err, SL_ECONFIG, "%s: \"keys\" must list one or two keys",
				    state);
	}
	json_array_foreach(keys, i, k) {
		const char *role = json_string_value(json_object_get(k, "role"));
		json_t *tag = json_object_get(k, "key_tag"), *num = json_object_get(k, "algorithm_number");
		json_t *created = json_object_get(k, "created");
		skey_t *sk = &ks->k[ks->n];
		char path[4096];

		memset(sk, 0, sizeof(*sk));
		sk->role = role_from(role);
		if (!sk->role || !json_is_integer(tag) || !json_is_integer(num) ||
		    json_integer_value(num) < 1 || json_integer_value(num) > 255) {
			rc = sl_error_set(err, SL_ECONFIG, "%s: keys[%zu]: needs role, key_tag, "
					  "algorithm_number", state, i);
			break;
		}
		sk->alg = (uint8_t)json_integer_value(num);
		sk->created = json_is_integer(created) ? (int64_t)json_integer_value(created) : 0;
		if (sk->alg != alg) {
			rc = sl_error_set(err, SL_ECONFIG,
					  "%s: the zone's %s key is %s, the configuration says %s "
					  "(algorithm rollover is not supported yet)",
					  state, role_name(sk->role), dk_alg_name(sk->alg),
					  dk_alg_name(alg));
			break;
		}
		char suffix[16];

		snprintf(suffix, sizeof(suffix), "%s.pem", role_name(sk->role));
		if ((rc = zone_path(dir, apex, suffix, path, sizeof(path), err)) != SL_OK ||
		    (rc = read_key(path, &sk->pkey, err)) != SL_OK)
			break;
		ks->n++;
		if ((rc = key_finish(sk, err)) != SL_OK)
			break;
		if (sk->tag != json_integer_value(tag)) {
			rc = sl_error_set(err, SL_ECONFIG, "%s: key tag %u, the state file says %"
					  JSON_INTEGER_FORMAT, path, sk->tag, json_integer_value(tag));
			break;
		}
	}
	if (rc == SL_OK &&
	    !((ks->n == 1 && ks->k[0].role == SK_CSK) ||
	      (ks->n == 2 && ks->k[0].role + ks->k[1].role == SK_KSK + SK_ZSK &&
	       ks->k[0].role != ks->k[1].role)))
		rc = sl_error_set(err, SL_ECONFIG, "%s: needs a KSK and a ZSK, or one CSK", state);
	json_decref(root);
	if (rc != SL_OK)
		dk_free(ks);
	return rc;
}

int dk_load_or_create(const char *dir, const uint8_t *apex, uint8_t alg, bool csk,
		      bool may_create, keyset_t *ks, bool *created, sl_error_t *err)
{
	char state[4096];
	struct stat st;
	int rc;

	memset(ks, 0, sizeof(*ks));
	*created = false;
	if ((rc = zone_path(dir, apex, "state.json", state, sizeof(state), err)) != SL_OK)
		return rc;
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return sl_error_set(err, SL_ECONFIG, "key_dir %s: not a directory", dir);
	if (access(state, F_OK) == 0)
		return load_state(dir, apex, state, alg, ks, err);
	if (!may_create)
		return SL_ENOTFOUND;
	enum sk_role roles[2] = { csk ? SK_CSK : SK_KSK, SK_ZSK };

	for (unsigned i = 0; i < (csk ? 1u : 2u); i++) {
		skey_t *k = &ks->k[i];
		char path[4096], suffix[16];

		memset(k, 0, sizeof(*k));
		k->role = roles[i];
		k->alg = alg;
		k->created = (int64_t)time(NULL);
		snprintf(suffix, sizeof(suffix), "%s.pem", role_name(k->role));
		if ((rc = zone_path(dir, apex, suffix, path, sizeof(path), err)) != SL_OK)
			break;
		if (!(k->pkey = keygen(alg))) {
			rc = sl_error_set(err, SL_EIO, "cannot make a %s key", dk_alg_name(alg));
			break;
		}
		ks->n++;
		if ((rc = key_finish(k, err)) != SL_OK || (rc = write_key(path, k->pkey, err)) != SL_OK)
			break;
	}
	if (rc == SL_OK)
		rc = write_state(state, ks, err);
	if (rc != SL_OK) {
		dk_free(ks);
		return rc;
	}
	*created = true;
	return SL_OK;
}

int dk_publish_ds(const char *dir, const uint8_t *apex, const keyset_t *ks, const char *label,
		  sl_error_t *err)
{
	static const uint8_t sha256[] = { 2 };

	return dk_publish_ds_digests(dir, apex, ks, label, sha256, 1, err);
}

int dk_publish_ds_digests(const char *dir, const uint8_t *apex, const keyset_t *ks,
			  const char *label, const uint8_t *digests, size_t ndigests,
			  sl_error_t *err)
{
	char path[4096], tmp[4200], zt[SL_NAME_TEXT_MAX];
	FILE *f;
	int rc;

	if ((rc = zone_path(dir, apex, "ds", path, sizeof(path), err)) != SL_OK)
		return rc;
	uint8_t lower[SL_NAME_MAXLEN];

	memcpy(lower, apex, sl_name_len(apex));
	sl_name_tolower(lower);
	sl_name_to_text(lower, zt, sizeof(zt));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return sl_error_set(err, SL_EIO, "%s: %s", tmp, strerror(errno));
	for (unsigned i = 0; i < ks->n; i++) {
		const skey_t *k = &ks->k[i];

		for (size_t d = 0; d < ndigests && k->role != SK_ZSK; d++) {
			uint8_t ds[4 + 64];
			char hex[2 * 64 + 1];
			size_t len;

			if (dk_ds_digest(apex, k->dnskey, k->dnskey_len, digests[d], ds, sizeof(ds),
					 &len) != SL_OK)
				continue;
			for (size_t j = 4; j < len; j++)
				snprintf(hex + 2 * (j - 4), 3, "%02X", ds[j]);
			fprintf(f, "%s IN DS %u %u %u %s\n", zt, k->tag, k->alg, digests[d], hex);
			sl_log(SL_LOG_NOTICE, "%s: DS for the parent: %s IN DS %u %u %u %s", label,
			       zt, k->tag, k->alg, digests[d], hex);
		}
	}
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		unlink(tmp);
		return sl_error_set(err, SL_EIO, "%s: %s", path, strerror(errno));
	}
	return SL_OK;
}

/* ---- for the key tool (sluice-keys) ------------------------------------------- */

const char *dk_role_name(enum sk_role role)
{
	return role_name(role);
}

enum sk_role dk_role_from_text(const char *text)
{
	return role_from(text);
}

EVP_PKEY *dk_keygen(uint8_t alg)
{
	return keygen(alg);
}

int dk_key_init(skey_t *k, sl_error_t *err)
{
	return key_finish(k, err);
}

int dk_key_path(const char *dir, const uint8_t *apex, enum sk_role role, char *out, size_t cap,
		sl_error_t *err)
{
	char suffix[16];

	snprintf(suffix, sizeof(suffix), "%s.pem", role_name(role));
	return zone_path(dir, apex, suffix, out, cap, err);
}

int dk_state_path(const char *dir, const uint8_t *apex, char *out, size_t cap, sl_error_t *err)
{
	return zone_path(dir, apex, "state.json", out, cap, err);
}

int dk_read_key(const char *path, EVP_PKEY **out, sl_error_t *err)
{
	return read_key(path, out, err);
}

int dk_ds_digest(const uint8_t *owner, const uint8_t *dnskey, size_t dlen, uint8_t digest_type,
		 uint8_t *out, size_t cap, size_t *len)
{
	const EVP_MD *md = digest_type == 2 ? EVP_sha256() : digest_type == 4 ? EVP_sha384() : NULL;
	uint8_t name[SL_NAME_MAXLEN];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx;
	int ok;

	if (!md || dlen < 4 || cap < 4 + (size_t)EVP_MD_get_size(md))
		return SL_EINVAL;
	if (!(ctx = EVP_MD_CTX_new()))
		return SL_ENOMEM;
	memcpy(name, owner, sl_name_len(owner));
	sl_name_tolower(name);
	ok = EVP_DigestInit_ex(ctx, md, NULL) == 1 &&
	     EVP_DigestUpdate(ctx, name, sl_name_len(name)) == 1 &&
	     EVP_DigestUpdate(ctx, dnskey, dlen) == 1 && EVP_DigestFinal_ex(ctx, out + 4, &mdlen) == 1;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return SL_EINVAL;
	uint16_t tag = dk_key_tag(dnskey, dlen);

	out[0] = (uint8_t)(tag >> 8);
	out[1] = (uint8_t)tag;
	out[2] = dnskey[3];
	out[3] = digest_type;
	*len = 4 + mdlen;
	return SL_OK;
}

int dk_state_parse(const char *text, size_t len, const char *label, keyset_t *ks, sl_error_t *err)
{
	json_error_t je;
	json_t *root, *keys, *k;
	size_t i;
	int rc = SL_OK;

	memset(ks, 0, sizeof(*ks));
	if (!(root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je)))
		return sl_error_set(err, SL_ECONFIG, "%s:%d: %s", label, je.line, je.text);
	keys = json_object_get(root, "keys");
	if (!json_is_array(keys) || json_array_size(keys) < 1 || json_array_size(keys) > 2) {
		json_decref(root);
		return sl_error_set(err, SL_ECONFIG, "%s: \"keys\" must list one or two keys",
				    label);
	}
	json_array_foreach(keys, i, k) {
		json_t *tag = json_object_get(k, "key_tag");
		json_t *num = json_object_get(k, "algorithm_number");
		json_t *created = json_object_get(k, "created");
		skey_t *sk = &ks->k[ks->n];

		memset(sk, 0, sizeof(*sk));
		sk->role = role_from(json_string_value(json_object_get(k, "role")));
		if (!sk->role || !json_is_integer(tag) || !json_is_integer(num) ||
		    json_integer_value(num) < 1 || json_integer_value(num) > 255 ||
		    json_integer_value(tag) < 0 || json_integer_value(tag) > 65535 ||
		    (created && !json_is_integer(created))) {
			rc = sl_error_set(err, SL_ECONFIG, "%s: keys[%zu]: needs role (ksk, zsk, "
					  "csk), key_tag (0-65535), algorithm_number (1-255)",
					  label, i);
			break;
		}
		for (unsigned j = 0; j < ks->n; j++) {
			if (ks->k[j].role == sk->role || ks->k[j].role == SK_CSK ||
			    sk->role == SK_CSK)
				rc = sl_error_set(err, SL_ECONFIG,
						  "%s: keys[%zu]: a %s next to a %s (needs a KSK "
						  "and a ZSK, or one CSK)", label, i,
						  role_name(sk->role), role_name(ks->k[j].role));
		}
		if (rc != SL_OK)
			break;
		sk->alg = (uint8_t)json_integer_value(num);
		sk->tag = (uint16_t)json_integer_value(tag);
		sk->created = created ? (int64_t)json_integer_value(created) : 0;
		ks->n++;
	}
	json_decref(root);
	if (rc != SL_OK)
		ks->n = 0;
	return rc;
}

int dk_state_read(const char *dir, const uint8_t *apex, keyset_t *ks, sl_error_t *err)
{
	char path[4096], buf[64 * 1024];
	size_t n;
	FILE *f;
	int rc;

	memset(ks, 0, sizeof(*ks));
	if ((rc = zone_path(dir, apex, "state.json", path, sizeof(path), err)) != SL_OK)
		return rc;
	if (!(f = fopen(path, "re"))) {
		if (errno == ENOENT)
			return SL_ENOTFOUND;
		return sl_error_set(err, SL_EIO, "%s: %s", path, strerror(errno));
	}
	n = fread(buf, 1, sizeof(buf), f);
	rc = ferror(f) ? sl_error_set(err, SL_EIO, "%s: read error", path)
	     : n == sizeof(buf) ? sl_error_set(err, SL_ECONFIG, "%s: too big for a key state file",
					      path)
			       : SL_OK;
	fclose(f);
	return rc != SL_OK ? rc : dk_state_parse(buf, n, path, ks, err);
}

int dk_state_add(const char *dir, const uint8_t *apex, skey_t *k, sl_error_t *err)
{
	char state[4096], path[4096];
	struct stat st;
	keyset_t ks;
	int rc;

	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return sl_error_set(err, SL_ECONFIG, "key directory %s: not a directory", dir);
	if ((rc = zone_path(dir, apex, "state.json", state, sizeof(state), err)) != SL_OK ||
	    (rc = dk_key_path(dir, apex, k->role, path, sizeof(path), err)) != SL_OK)
		return rc;
	rc = dk_state_read(dir, apex, &ks, err);
	if (rc == SL_ENOTFOUND)
		rc = SL_OK;
	if (rc != SL_OK)
		return rc;
	for (unsigned i = 0; i < ks.n; i++) {
		const skey_t *o = &ks.k[i];

		if (o->role == k->role || o->role == SK_CSK || k->role == SK_CSK)
			return sl_error_set(err, SL_ECONFIG, "%s: the zone already has a %s (key "
					    "tag %u): not adding a %s (a zone has a KSK and a ZSK, "
					    "or one CSK)", state, role_name(o->role), o->tag,
					    role_name(k->role));
		if (o->alg != k->alg)
			return sl_error_set(err, SL_ECONFIG, "%s: the zone's %s is %s, not %s",
					    state, role_name(o->role), dk_alg_name(o->alg),
					    dk_alg_name(k->alg));
	}
	if (lstat(path, &st) == 0)
		return sl_error_set(err, SL_ECONFIG, "%s: exists: not overwriting it", path);
	if ((rc = key_finish(k, err)) != SL_OK || (rc = write_key(path, k->pkey, err)) != SL_OK)
		return rc;
	ks.k[ks.n] = *k;
	ks.k[ks.n].pkey = NULL;
	ks.n++;
	if ((rc = write_state(state, &ks, err)) != SL_OK)
		unlink(path);
	return rc;
}
