/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * dnssec-signer options: reads and checks the plugin's JSON object
 * (every value hostile: ranges, spellings and combinations are checked
 * and reported with the option's path, at --check and at load).
 */
#include <ctype.h>
#include <string.h>

#include <sluice/codec.h>
#include <sluice/conf.h>

#include "opts.h"

/* The NSEC3 options (RFC 5155, RFC 9276 defaults): only with "denial": "nsec3". */
static void nsec3_options(sl_conf_t *conf, zsign_cfg_t *cfg)
{
	static const char *const keys[] = { "nsec3_iterations", "nsec3_salt", "nsec3_opt_out" };
	const char *salt = NULL;
	long long it;

	if (cfg->denial != ZS_NSEC3) {
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			if (sl_conf_json(conf, keys[i]))
				sl_conf_error(conf, keys[i], "only with \"denial\": \"nsec3\"");
		}
		return;
	}
	if (sl_conf_int(conf, "nsec3_iterations", 0, SL_NSEC3_MAX_ITERATIONS, 0, &it) == SL_OK)
		cfg->nsec3_iterations = (uint16_t)it;
	sl_conf_bool(conf, "nsec3_opt_out", false, &cfg->nsec3_opt_out);
	if (sl_conf_string(conf, "nsec3_salt", false, "", &salt) == SL_OK &&
	    strcmp(salt, "-") != 0 && salt[0]) {
		size_t n = 0;
		size_t len = strlen(salt);

		for (size_t i = 0; i < len; i++) {
			if (!isxdigit((unsigned char)salt[i])) {
				sl_conf_error(conf, "nsec3_salt",
					      "must be hex digits (or \"-\" / \"\" for none)");
				return;
			}
		}
		if (len % 2 || len > 2 * sizeof(cfg->nsec3_salt) ||
		    sl_hex_decode(salt, len, cfg->nsec3_salt, sizeof(cfg->nsec3_salt), &n) !=
			    SL_OK) {
			sl_conf_error(conf, "nsec3_salt",
				      "must be an even number of hex digits, at most 510 "
				      "(255 octets; RFC 9276 recommends none)");
			return;
		}
		cfg->nsec3_saltlen = (uint8_t)n;
	}
}

/* A DS digest type by name ("sha256", "sha384"); 0 when unknown. */
static uint8_t digest_type(const char *name)
{
	return strcmp(name, "sha256") == 0 ? 2 : strcmp(name, "sha384") == 0 ? 4 : 0;
}

/* "cds", "cds_digest" and "ds_digests". */
static void ds_options(sl_conf_t *conf, signer_opts_t *p)
{
	const char *cds = NULL;
	const char *const *list = NULL;
	size_t n = 0;

	sl_conf_bool(conf, "cds", true, &p->cfg.cds);
	if (sl_conf_string(conf, "cds_digest", false, "sha256", &cds) == SL_OK &&
	    !(p->cfg.cds_digest = digest_type(cds)))
		sl_conf_error(conf, "cds_digest", "must be \"sha256\" or \"sha384\"");
	p->ds_digests[0] = 2;
	p->nds_digests = 1;
	if (sl_conf_strings(conf, "ds_digests", false, &list, &n) != SL_OK || n == 0)
		return;
	p->nds_digests = 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t d = digest_type(list[i]);
		bool again = false;

		for (size_t j = 0; j < p->nds_digests; j++)
			again |= p->ds_digests[j] == d;
		/* Two known digests: a third entry is unknown or a repeat. */
		if (!d || again || p->nds_digests == sizeof(p->ds_digests)) {
			sl_conf_error(conf, "ds_digests",
				      "must list \"sha256\" and/or \"sha384\", each once");
			return;
		}
		p->ds_digests[p->nds_digests++] = d;
	}
}

/* Signature timing: lifetime, jitter, refresh_before (each checked against the others). */
static void timing_options(sl_conf_t *conf, signer_opts_t *o)
{
	long long v;
	uint32_t life, jitter, refresh;

	if (sl_conf_int(conf, "signature_lifetime", SO_MIN_LIFETIME, 365LL * 86400, 14 * 86400,
			&v) != SL_OK)
		return;
	life = (uint32_t)v;
	o->cfg.lifetime = life;
	if (sl_conf_int(conf, "signature_jitter", 0, life / 2, life / 10, &v) != SL_OK)
		return;
	jitter = (uint32_t)v;
	o->cfg.jitter = jitter;
	refresh = life / 2 < 7 * 86400 ? life / 2 : 7 * 86400;
	if (sl_conf_int(conf, "refresh_before", 1, life, refresh, &v) != SL_OK)
		return;
	refresh = (uint32_t)v;
	o->refresh_before = refresh;
	/* A fresh signature must not be due already: refresh + jitter < lifetime. */
	if ((uint64_t)refresh + jitter >= life)
		sl_conf_error(conf, "refresh_before",
			      "%u s plus signature_jitter (%u s) must be less than "
			      "signature_lifetime (%u s)",
			      refresh, jitter, life);
}

/* How the refresh raises the SOA serial. */
static void serial_option(sl_conf_t *conf, signer_opts_t *o)
{
	const char *serial = NULL;

	if (sl_conf_string(conf, "serial", false, "increment", &serial) != SL_OK)
		return;
	if (strcmp(serial, "increment") == 0)
		o->serial = ZS_SERIAL_INCREMENT;
	else if (strcmp(serial, "unixtime") == 0)
		o->serial = ZS_SERIAL_UNIXTIME;
	else if (strcmp(serial, "dateserial") == 0)
		o->serial = ZS_SERIAL_DATESERIAL;
	else
		sl_conf_error(conf, "serial", "must be \"increment\", \"unixtime\" or \"dateserial\"");
}

void so_parse(sl_conf_t *conf, signer_opts_t *o)
{
	const char *dir = NULL, *alg = NULL, *denial = NULL;

	if (sl_conf_string(conf, "key_dir", true, NULL, &dir) == SL_OK && dir)
		o->key_dir = sl_conf_resolve_path(conf, dir);
	if (sl_conf_string(conf, "algorithm", false, "ecdsap256sha256", &alg) == SL_OK &&
	    !(o->alg = dk_alg_from_text(alg)))
		sl_conf_error(conf, "algorithm",
			      "unknown algorithm \"%s\" (rsasha256, ecdsap256sha256, "
			      "ecdsap384sha384, ed25519, ed448)",
			      alg);
	sl_conf_bool(conf, "csk", false, &o->csk);
	if (sl_conf_string(conf, "denial", false, "nsec", &denial) == SL_OK) {
		if (strcmp(denial, "nsec3") == 0)
			o->cfg.denial = ZS_NSEC3;
		else if (strcmp(denial, "nsec") != 0)
			sl_conf_error(conf, "denial", "must be \"nsec\" or \"nsec3\"");
	}
	nsec3_options(conf, &o->cfg);
	ds_options(conf, o);
	timing_options(conf, o);
	serial_option(conf, o);
}
