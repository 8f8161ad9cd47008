/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * The top-level "tsig_keys" array: name, algorithm, and the base64 secret
 * given inline ("secret") or in a file ("secret_file": the base64 text
 * alone, or a BIND key file `key "name" { algorithm hmac-sha256; secret
 * "..."; };`, as tsig-keygen and ddns-confgen write it).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "conf.h"
#include "config.h"
#include "tsig.h"

/* A key file is a few hundred octets; anything far bigger is not one. */
#define KEY_FILE_MAX 16384

/* Reads @p path whole, NUL-terminated, into @p buf. @return SL_OK or an error, explained in @p err */
static int read_small_file(const char *path, char *buf, size_t cap, sl_error_t *err)
{
	FILE *fp = fopen(path, "r");
	size_t n;

	if (!fp) {
		return sl_error_set(err, SL_EIO, "cannot open \"%s\": %s", path, strerror(errno));
	}
	n = fread(buf, 1, cap, fp);
	bool bad = ferror(fp);
	fclose(fp);
	if (bad) {
		return sl_error_set(err, SL_EIO, "cannot read \"%s\"", path);
	}
	if (n >= cap) {
		return sl_error_set(err, SL_ELIMIT, "\"%s\" is larger than %d octets: not a key file",
				    path, KEY_FILE_MAX - 1);
	}
	buf[n] = '\0';
	if (memchr(buf, '\0', n)) {
		return sl_error_set(err, SL_ESYNTAX, "\"%s\" is not a text file", path);
	}
	return SL_OK;
}

/* The next token of a BIND key file: a quoted string, a word, or one of "{};". */
static const char *next_token(const char **p, size_t *len)
{
	const char *s = *p;

	for (;;) {
		while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
			s++;
		if (*s == '#' || (s[0] == '/' && s[1] == '/')) {
			s += strcspn(s, "\n");
			continue;
		}
		if (s[0] == '/' && s[1] == '*') {
			const char *end = strstr(s + 2, "*/");
			s = end ? end + 2 : s + strlen(s);
			continue;
		}
		break;
	}
	if (!*s)
		return NULL;
	const char *tok = s;
	if (*s == '"') {
		const char *end = strchr(s + 1, '"');
		if (!end)
			return NULL;
		tok = s + 1;
		*len = (size_t)(end - tok);
		*p = end + 1;
	} else if (strchr("{};", *s)) {
		*len = 1;
		*p = s + 1;
	} else {
		*len = strcspn(s, " \t\r\n{};\"");
		*p = s + *len;
	}
	return tok;
}

struct bind_key {
	char name[SL_NAME_TEXT_MAX + 1];
	char alg[64];
	char secret[1024];
};

static bool copy_token(char *dst, size_t cap, const char *tok, size_t len)
{
	if (len >= cap)
		return false;
	memcpy(dst, tok, len);
	dst[len] = '\0';
	return true;
}

/* Parses `key "name" { algorithm A; secret "S"; };` (one key). */
static bool parse_bind_key(const char *text, struct bind_key *k)
{
	const char *p = text, *t;
	size_t len;

	memset(k, 0, sizeof(*k));
	if (!(t = next_token(&p, &len)) || len != 3 || strncmp(t, "key", 3) != 0 ||
	    !(t = next_token(&p, &len)) || !copy_token(k->name, sizeof(k->name), t, len) ||
	    !(t = next_token(&p, &len)) || *t != '{')
		return false;
	for (;;) {
		char word[16];
		if (!(t = next_token(&p, &len)))
			return false;
		if (*t == '}')
			break;
		if (!copy_token(word, sizeof(word), t, len) || !(t = next_token(&p, &len)))
			return false;
		if (strcmp(word, "algorithm") == 0) {
			if (!copy_token(k->alg, sizeof(k->alg), t, len))
				return false;
		} else if (strcmp(word, "secret") == 0) {
			if (!copy_token(k->secret, sizeof(k->secret), t, len))
				return false;
		} else {
			return false;
		}
		if (!(t = next_token(&p, &len)) || *t != ';')
			return false;
	}
	t = next_token(&p, &len);
	if (t && *t == ';')
		t = next_token(&p, &len);
	return !t && k->alg[0] && k->secret[0];
}

/* Fills @p key from one "tsig_keys" entry. @return SL_OK or SL_ECONFIG (reported) */
static int load_key(sl_conf_t *c, sl_tsig_key_t *key)
{
	const char *name = NULL, *alg = NULL, *secret = NULL, *file = NULL;
	sl_error_t why;
	struct bind_key *bk = NULL;
	char *buf = NULL;
	int rc = SL_ECONFIG;

	if (sl_conf_string(c, "name", true, NULL, &name) != SL_OK ||
	    sl_conf_string(c, "algorithm", false, NULL, &alg) != SL_OK ||
	    sl_conf_string(c, "secret", false, NULL, &secret) != SL_OK ||
	    sl_conf_string(c, "secret_file", false, NULL, &file) != SL_OK)
		return SL_ECONFIG;
	if (!name)
		return SL_ECONFIG;
	if (!secret == !file)
		return sl_conf_error(c, NULL, "give either \"secret\" or \"secret_file\"");
	if (file) {
		const char *path = sl_conf_resolve_path(c, file);
		buf = malloc(KEY_FILE_MAX);
		bk = malloc(sizeof(*bk));
		if (!path || !buf || !bk) {
			sl_conf_error(c, "secret_file", "out of memory");
			goto out;
		}
		if (read_small_file(path, buf, KEY_FILE_MAX, &why) != SL_OK) {
			sl_conf_error(c, "secret_file", "%s", why.msg);
			goto out;
		}
		const char *p = buf, *first;
		size_t flen = 0;
		first = next_token(&p, &flen);
		if (first && flen == 3 && strncmp(first, "key", 3) == 0) {
			if (!parse_bind_key(buf, bk)) {
				sl_conf_error(c, "secret_file",
					      "\"%s\" is not a key file (key \"NAME\" { algorithm "
					      "ALG; secret \"BASE64\"; };) nor a base64 secret", file);
				goto out;
			}
			sl_tsig_key_t fkey;
			uint8_t want[SL_NAME_MAXLEN];
			size_t wlen;
			static const uint8_t root[1] = { 0 };
			if (sl_name_from_text(bk->name, strlen(bk->name), root, fkey.name,
					      &fkey.name_len) != SL_OK ||
			    sl_name_from_text(name, strlen(name), root, want, &wlen) != SL_OK ||
			    !sl_name_equal(fkey.name, want)) {
				sl_conf_error(c, "secret_file", "\"%s\" holds key \"%s\", not \"%s\"",
					      file, bk->name, name);
				goto out;
			}
			if (alg && sl_tsig_alg_from_text(alg) != sl_tsig_alg_from_text(bk->alg) &&
			    strcasecmp(alg, bk->alg) != 0) {
				sl_conf_error(c, "algorithm", "\"%s\" differs from the key file's \"%s\"",
					      alg, bk->alg);
				goto out;
			}
			if (!alg)
				alg = bk->alg;
			secret = bk->secret;
		} else {
			secret = buf;
		}
	}
	if (!alg) {
		sl_conf_error(c, "algorithm", "required (hmac-sha256, hmac-sha512, ...)");
		goto out;
	}
	if (sl_tsig_key_init(key, name, alg, secret, &why) != SL_OK) {
		const char *what = why.file;

		if (strcmp(what, "secret") == 0 && file)
			what = "secret_file";
		sl_conf_error(c, what, "%s", why.msg);
		goto out;
	}
	rc = SL_OK;
out:
	if (buf) {
		explicit_bzero(buf, KEY_FILE_MAX);
		free(buf);
	}
	if (bk) {
		explicit_bzero(bk, sizeof(*bk));
		free(bk);
	}
	return rc;
}

void sl_config_tsig_keys(sl_runtime_t *rt, json_t *arr, sl_errlist_t *errors, bool dry_run)
{
	json_t *item;
	size_t i;
	char path[64];

	if (!arr)
		return;
	if (!json_is_array(arr)) {
		sl_errlist_add(errors, "tsig_keys", "expected an array of key objects");
		return;
	}
	size_t n = json_array_size(arr);
	rt->tsig_keys = n ? calloc(n, sizeof(*rt->tsig_keys)) : NULL;
	if (n && !rt->tsig_keys) {
		sl_errlist_add(errors, "tsig_keys", "out of memory");
		return;
	}
	json_array_foreach(arr, i, item) {
		sl_conf_t c;
		sl_tsig_key_t *key = &rt->tsig_keys[rt->ntsig_keys];

		sl_conf_subpath(path, sizeof(path), "tsig_keys", NULL, (int)i);
		if (!json_is_object(item)) {
			sl_errlist_add(errors, path, "expected an object");
			continue;
		}
		sl_conf_init(&c, item, path, errors, dry_run, rt->pool);
		if (load_key(&c, key) == SL_OK) {
			if (sl_config_tsig_key(rt, key->name)) {
				char text[SL_NAME_TEXT_MAX];
				sl_name_to_text(key->name, text, sizeof(text));
				sl_conf_error(&c, "name", "key \"%s\" is defined twice", text);
				explicit_bzero(key, sizeof(*key));
			} else {
				rt->ntsig_keys++;
			}
		}
		sl_conf_finish(&c);
	}
}

const sl_tsig_key_t *sl_config_tsig_key(const sl_runtime_t *rt, const uint8_t *name)
{
	for (size_t i = 0; i < rt->ntsig_keys; i++)
		if (sl_name_equal(rt->tsig_keys[i].name, name))
			return &rt->tsig_keys[i];
	return NULL;
}

void sl_config_tsig_free(sl_runtime_t *rt)
{
	if (rt->tsig_keys)
		explicit_bzero(rt->tsig_keys, rt->ntsig_keys * sizeof(*rt->tsig_keys));
	free(rt->tsig_keys);
	rt->tsig_keys = NULL;
	rt->ntsig_keys = 0;
}
