/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * sluice-keys subcommands in BIND's key format: `sig0` makes a SIG(0) key
 * pair as `dnssec-keygen -T KEY` does, `import` takes a dnssec-keygen or
 * ldns-keygen DNSSEC key into the signer's PEM + state form.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include <sluice/codec.h>
#include <sluice/rr.h>

#include "keytool.h"

/* KEY flags of a SIG(0) host key (RFC 2535 §3.1.2: name type 10, host; dnssec-keygen -n HOST). */
#define SIG0_KEY_FLAGS 512

int kt_cmd_sig0(const kt_args_t *a)
{
	uint8_t owner[SL_NAME_MAXLEN], rdata[SK_DNSKEY_MAX], alg;
	char nt[SL_NAME_TEXT_MAX], base[4096 + 64], path[4096 + 80];
	char b64[SL_BASE64_LEN(SK_DNSKEY_MAX) + 1], *priv = NULL, *pub = NULL;
	size_t rdlen, cap = 8192;
	const char *dir = a->out ? a->out : ".";
	EVP_PKEY *pk = NULL;
	int status = 1, n, b;
	uint16_t tag;
	time_t now = time(NULL);

	if (a->npos != 1 || !a->algorithm || a->role || a->digest)
		return kt_fail("usage: sluice-keys sig0 <name> --algorithm <alg> "
			       "[--out <dir>]") + 1;
	if (kt_zone(a->pos[0], owner) || !(alg = kt_algorithm(a->algorithm)))
		return 2;
	if (sl_name_to_text(owner, nt, sizeof(nt)) < 0 || strchr(nt, '/'))
		return kt_fail("%s: the name cannot be used in a file name", a->pos[0]);
	if (!(pk = dk_keygen(alg)))
		return kt_fail("cannot make a %s key", dk_alg_name(alg));
	if (dk_dnskey_rdata(pk, alg, SIG0_KEY_FLAGS, rdata, sizeof(rdata), &rdlen) != SL_OK ||
	    (b = sl_base64_encode(rdata + 4, rdlen - 4, b64, sizeof(b64))) < 0) {
		kt_fail("cannot encode the public key");
		goto out;
	}
	b64[b] = '\0';
	tag = dk_key_tag(rdata, rdlen);
	if ((size_t)snprintf(base, sizeof(base), "%s/K%s+%03u+%05u", dir, nt, alg, tag) >=
	    sizeof(base)) {
		kt_fail("--out %s: path too long", dir);
		goto out;
	}
	if (!(priv = malloc(cap)) || !(pub = malloc(cap))) {
		kt_fail("out of memory");
		goto out;
	}
	if ((n = bk_private_format(pk, alg, (int64_t)now, priv, cap)) < 0) {
		kt_fail("cannot write the private key in BIND's format");
		goto out;
	}
	snprintf(path, sizeof(path), "%s.private", base);
	if (kt_write_new(path, priv, (size_t)n, 0600))
		goto out;
	b = snprintf(pub, cap, "; SIG(0) key for %s, key tag %u, algorithm %s, made by "
		     "sluice-keys\n%s IN KEY %u 3 %u %s\n", nt, tag, dk_alg_name(alg), nt,
		     SIG0_KEY_FLAGS, alg, b64);
	snprintf(path, sizeof(path), "%s.key", base);
	if (b < 0 || (size_t)b >= cap || kt_write_new(path, pub, (size_t)b, 0644)) {
		snprintf(path, sizeof(path), "%s.private", base);
		remove(path);
		goto out;
	}
	printf("; key files: %s.key, %s.private\n%s IN KEY %u 3 %u %s\n", base, base, nt,
	       SIG0_KEY_FLAGS, alg, b64);
	status = 0;
out:
	if (priv)
		OPENSSL_cleanse(priv, cap);
	free(priv);
	free(pub);
	EVP_PKEY_free(pk);
	return status;
}

/*
 * Checks the .key file next to @p priv_path when there is one: a DNSKEY of
 * the zone whose public key is @p pk's. *@p flags gets its flags (0 when
 * there is no .key file). @return 0 or 1 (printed)
 */
static int check_public(const char *priv_path, const uint8_t *apex, EVP_PKEY *pk, uint8_t alg,
			uint16_t *flags)
{
	char path[4096], *text = malloc(DK_FILE_MAX);
	uint8_t owner[SL_NAME_MAXLEN], rdata[SK_DNSKEY_MAX], mine[SK_DNSKEY_MAX];
	size_t len = strlen(priv_path) - strlen(".private"), rdlen, mlen, tlen;
	uint16_t type;
	sl_error_t err;
	int status = 1;

	*flags = 0;
	if (!text)
		return kt_fail("out of memory");
	snprintf(path, sizeof(path), "%.*s.key", (int)len, priv_path);
	sl_error_clear(&err);
	if (bk_file_read(path, text, DK_FILE_MAX, &tlen, &err) != SL_OK) {
		fprintf(stderr, "sluice-keys: note: %s\n", err.msg);   /* the .private suffices */
		status = 0;
		goto out;
	}
	if (bk_key_parse(text, tlen, owner, &type, rdata, sizeof(rdata), &rdlen, &err) != SL_OK) {
		kt_fail("%s: %s", path, err.msg);
		goto out;
	}
	sl_name_tolower(owner);
	if (type != SL_TYPE_DNSKEY) {
		kt_fail("%s: a KEY record (a SIG(0) key), not a DNSSEC key", path);
		goto out;
	}
	if (!sl_name_equal(owner, apex)) {
		kt_fail("%s: the key belongs to another zone", path);
		goto out;
	}
	if (rdata[3] != alg || rdata[2] != 3 ||
	    dk_dnskey_rdata(pk, alg, 0, mine, sizeof(mine), &mlen) != SL_OK || mlen != rdlen ||
	    memcmp(mine + 4, rdata + 4, rdlen - 4) != 0) {
		kt_fail("%s: does not hold the public key of %s", path, priv_path);
		goto out;
	}
	*flags = (uint16_t)(rdata[0] << 8 | rdata[1]);
	status = 0;
out:
	free(text);
	return status;
}

int kt_cmd_import(const kt_args_t *a)
{
	uint8_t apex[SL_NAME_MAXLEN], fowner[SL_NAME_MAXLEN], falg = 0;
	char zt[SL_NAME_TEXT_MAX], path[4096], *text = NULL;
	const char *file;
	uint16_t ftag = 0, flags = 0;
	bool named;
	size_t len;
	skey_t k;
	sl_error_t err;
	int status = 1;

	if (a->npos != 3 || !a->role || a->algorithm || a->digest || a->out)
		return kt_fail("usage: sluice-keys import <key_dir> <zone> <K*.private> --role "
			       "ksk|zsk|csk") + 1;
	memset(&k, 0, sizeof(k));
	if (kt_zone(a->pos[1], apex))
		return 1;
	if (!(k.role = dk_role_from_text(a->role)))
		return kt_fail("--role %s: use ksk, zsk or csk", a->role) + 1;
	file = a->pos[2];
	len = strlen(file);
	if (len > 4 && !strcmp(file + len - 4, ".key") && len < sizeof(path) - 4) {
		snprintf(path, sizeof(path), "%.*s.private", (int)(len - 4), file);
		file = path;
	} else if (len < 9 || strcmp(file + len - 8, ".private") != 0) {
		return kt_fail("%s: expected a BIND K*.private file", file);
	}
	named = bk_name_parse(file, fowner, &falg, &ftag) == SL_OK;
	sl_name_tolower(fowner);
	if (sl_name_to_text(apex, zt, sizeof(zt)) < 0)
		return kt_fail("bad zone name");
	if (named && !sl_name_equal(fowner, apex))
		return kt_fail("%s: the key belongs to another zone than %s", file, zt);
	if (!(text = malloc(DK_FILE_MAX)))
		return kt_fail("out of memory");
	sl_error_clear(&err);
	if (bk_file_read(file, text, DK_FILE_MAX, &len, &err) != SL_OK) {
		kt_fail_err(&err);
		goto out;
	}
	if (bk_private_parse(text, len, &k.alg, &k.pkey, &k.created, &err) != SL_OK) {
		kt_fail("%s: %s", file, err.msg);
		goto out;
	}
	if (named && falg != k.alg) {
		kt_fail("%s: the file name says algorithm %u, the file %u", file, falg, k.alg);
		goto out;
	}
	if (check_public(file, apex, k.pkey, k.alg, &flags))
		goto out;
	if (!k.created)
		k.created = (int64_t)time(NULL);
	if (dk_state_add(a->pos[0], apex, &k, &err) != SL_OK) {
		kt_fail_err(&err);
		goto out;
	}
	printf("%s: imported %s as the %s, algorithm %s, key tag %u\n", zt, file,
	       dk_role_name(k.role), dk_alg_name(k.alg), k.tag);
	if (named && ftag != k.tag && flags)
		printf("note: BIND's key tag was %u: the key's flags (%u) differ from a %s's (%u), "
		       "and the tag covers the flags\n", ftag, flags, dk_role_name(k.role),
		       k.role == SK_ZSK ? 256 : 257);
	else if (named && ftag != k.tag)
		printf("note: BIND's key tag was %u: the key was made with other flags than a %s's "
		       "(%u), and the tag covers the flags\n", ftag, dk_role_name(k.role),
		       k.role == SK_ZSK ? 256 : 257);
	status = 0;
out:
	if (text)
		OPENSSL_cleanse(text, DK_FILE_MAX);
	free(text);
	EVP_PKEY_free(k.pkey);
	return status;
}

int kt_cmd_show(const kt_args_t *a)
{
	char base[4096], path[4200], nt[SL_NAME_TEXT_MAX], *text = NULL, *rtext = NULL;
	uint8_t owner[SL_NAME_MAXLEN], fowner[SL_NAME_MAXLEN];
	uint8_t rd[SK_DNSKEY_MAX], mine[SK_DNSKEY_MAX];
	uint8_t alg = 0, falg = 0;
	uint16_t type, ftag = 0, tag, flags;
	size_t len, rdlen, mlen;
	EVP_PKEY *pk = NULL;
	int64_t created;
	sl_error_t err;
	int status = 1;
	bool named;

	if (a->npos != 1 || a->role || a->algorithm || a->digest || a->out)
		return kt_fail("usage: sluice-keys show <K*.key|K*.private>") + 1;
	len = strlen(a->pos[0]);
	if (len > 8 && !strcmp(a->pos[0] + len - 8, ".private"))
		len -= 8;
	else if (len > 4 && !strcmp(a->pos[0] + len - 4, ".key"))
		len -= 4;
	if (len >= sizeof(base))
		return kt_fail("%s: path too long", a->pos[0]);
	snprintf(base, sizeof(base), "%.*s", (int)len, a->pos[0]);
	named = bk_name_parse(base, fowner, &falg, &ftag) == SL_OK;
	if (!(text = malloc(DK_FILE_MAX)) || !(rtext = malloc(4 * SK_DNSKEY_MAX))) {
		kt_fail("out of memory");
		goto out;
	}
	sl_error_clear(&err);
	snprintf(path, sizeof(path), "%s.key", base);
	if (bk_file_read(path, text, DK_FILE_MAX, &len, &err) != SL_OK ||
	    bk_key_parse(text, len, owner, &type, rd, sizeof(rd), &rdlen, &err) != SL_OK) {
		kt_fail("%s: %s", path, err.msg);
		goto out;
	}
	flags = (uint16_t)(rd[0] << 8 | rd[1]);
	tag = dk_key_tag(rd, rdlen);
	if (sl_name_to_text(owner, nt, sizeof(nt)) < 0 ||
	    sl_rdata_to_text(type, rd, rdlen, rtext, 4 * SK_DNSKEY_MAX) < 0) {
		kt_fail("%s: cannot print the record", path);
		goto out;
	}
	if (named && (!sl_name_equal(owner, fowner) || falg != rd[3] || ftag != tag)) {
		kt_fail("%s: the record (owner %s, algorithm %u, key tag %u) does not match "
			"the file name", path, nt, rd[3], tag);
		goto out;
	}
	printf("; %s: %s record of %s, flags %u, algorithm %s (%u), key tag %u\n", path,
	       type == SL_TYPE_KEY ? "KEY" : "DNSKEY", nt, flags, dk_alg_name(rd[3]), rd[3], tag);
	printf("%s IN %s %s\n", nt, type == SL_TYPE_KEY ? "KEY" : "DNSKEY", rtext);
	snprintf(path, sizeof(path), "%s.private", base);
	if (bk_file_read(path, text, DK_FILE_MAX, &len, &err) != SL_OK) {
		printf("; no private key read: %s\n", err.msg);
		status = 0;
		goto out;
	}
	if (bk_private_parse(text, len, &alg, &pk, &created, &err) != SL_OK) {
		kt_fail("%s: %s", path, err.msg);
		goto out;
	}
	if (alg != rd[3] || dk_dnskey_rdata(pk, alg, flags, mine, sizeof(mine), &mlen) != SL_OK ||
	    mlen != rdlen || memcmp(mine, rd, rdlen) != 0) {
		kt_fail("%s: does not hold the private key of the public key in %s.key", path,
			base);
		goto out;
	}
	printf("; %s: the matching private key (Private-key-format, algorithm %u)\n", path, alg);
	status = 0;
out:
	if (text)
		OPENSSL_cleanse(text, DK_FILE_MAX);
	free(text);
	free(rtext);
	EVP_PKEY_free(pk);
	return status;
}
