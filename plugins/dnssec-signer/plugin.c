/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * dnssec-signer: signs a zone's versions before they are published.
 *
 * Placed in a zone's chain after its data source. At start it loads the
 * zone's keys from key_dir (making them on first use, keys.c), logs and
 * writes the DS for the parent, and installs itself as the zone's signer
 * (sl_zone_set_signer()): from then on every version a writer commits
 * (load, reload, update, transfer) is signed before the journal and the
 * readers see it (zsign.c). A version published before the hook was in
 * place (the data source loads in the background) is signed at once.
 * The keys and the hook live in a shared object that reloads hand over.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sluice/codec.h>
#include <sluice/conf.h>
#include <sluice/log.h>
#include <sluice/plugin.h>

#include "signer.h"

/* What survives reloads: the zone's keys and its signer hook. */
struct signer {
	unsigned ref;
	sl_zone_t *zone;
	keyset_t keys;
	pthread_mutex_t lock;  /* guards cfg: reloads change it while commits read it */
	zsign_cfg_t cfg;       /* keys, lifetime, denial: from the configuration */
	bool hooked;
	bool presigned;   /* the commit in progress was signed by start(): let it through */
	char label[300];
};

struct dplugin {
	sl_instance_t *inst;
	const char *key_dir;
	uint8_t alg;
	bool csk;
	uint8_t ds_digests[2];   /* DS digest types for the parent (file and log) */
	size_t nds_digests;
	zsign_cfg_t cfg;   /* the signing options (keys and now set by the signer) */
	struct signer *s;
};

/* The signing options now (a copy: a reload may change them meanwhile). */
static zsign_cfg_t signer_cfg(struct signer *s)
{
	zsign_cfg_t cfg;

	pthread_mutex_lock(&s->lock);
	cfg = s->cfg;
	pthread_mutex_unlock(&s->lock);
	return cfg;
}

/* A reload's options: used from the next version signed on. */
static void adopt_cfg(struct signer *s, const zsign_cfg_t *cfg)
{
	pthread_mutex_lock(&s->lock);
	s->cfg = *cfg;
	s->cfg.keys = &s->keys;
	pthread_mutex_unlock(&s->lock);
}

static int hook_sign(void *arg, sl_zone_t *zone, const sl_zone_version_t *from,
		     const sl_zone_version_t *to, sl_zone_txn_t *amend, sl_error_t *err)
{
	struct signer *s = arg;
	zsign_cfg_t cfg = signer_cfg(s);
	struct timespec t0, t1;
	int rc;

	(void)from;
	if (s->presigned)
		return SL_OK;
	cfg.now = time(NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = zs_sign_version(&cfg, sl_zone_name(zone), to, amend, err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (rc == SL_OK)
		sl_log(SL_LOG_INFO, "%s: signed serial %u (%llu RRs) in %.3f s", s->label,
		       sl_zone_serial(to), (unsigned long long)sl_zone_rr_count(to),
		       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return rc;
}

static void signer_put(struct signer *s)
{
	if (!s || --s->ref > 0)
		return;
	/* Waits for a commit in progress; sign() is never called after this. */
	if (s->hooked)
		sl_zone_set_signer(s->zone, NULL);
	dk_free(&s->keys);
	pthread_mutex_destroy(&s->lock);
	if (s->zone)
		sl_zone_put(s->zone);
	free(s);
}

/* Signs the version published before the hook was installed, if any. */
static int sign_current(struct signer *s)
{
	sl_zone_txn_t *txn;
	sl_error_t err;
	char msg[1024];
	int rc;

	if (sl_zone_txn_begin(s->zone, 0, &txn) != SL_OK)
		return SL_ENOMEM;
	const sl_zone_version_t *cur = sl_zone_current(s->zone);

	if (!cur) {
		sl_zone_txn_abort(txn);   /* nothing yet: the hook signs the first load */
		return SL_OK;
	}
	zsign_cfg_t cfg = signer_cfg(s);

	cfg.now = time(NULL);
	sl_error_clear(&err);
	rc = zs_sign_version(&cfg, sl_zone_name(s->zone), cur, txn, &err);
	if (rc != SL_OK) {
		sl_zone_txn_abort(txn);
		sl_log(SL_LOG_ERROR, "%s: cannot sign serial %u: %s", s->label,
		       sl_zone_serial(cur), err.msg);
		return rc;
	}
	s->presigned = true;   /* under the writer lock: only this commit sees it */
	rc = sl_zone_txn_commit(txn, NULL, msg, sizeof(msg));
	s->presigned = false;
	if (rc != SL_OK)
		sl_log(SL_LOG_ERROR, "%s: cannot publish the signed zone: %s", s->label, msg);
	else
		sl_log(SL_LOG_INFO, "%s: signed serial %u", s->label,
		       sl_zone_serial(sl_zone_current(s->zone)));
	return rc;
}

static void dp_destroy(void *state)
{
	struct dplugin *p = state;

	if (!p)
		return;
	signer_put(p->s);
	free(p);
}

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
static void ds_options(sl_conf_t *conf, struct dplugin *p)
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

static int dp_create(sl_instance_t *inst, sl_conf_t *conf, void **state)
{
	struct dplugin *p = calloc(1, sizeof(*p));
	const char *dir = NULL, *alg = NULL, *denial = NULL;
	long long lifetime;

	if (!p)
		return SL_ENOMEM;
	p->inst = inst;
	*state = p;
	if (sl_conf_string(conf, "key_dir", true, NULL, &dir) == SL_OK && dir)
		p->key_dir = sl_conf_resolve_path(conf, dir);
	if (sl_conf_string(conf, "algorithm", false, "ecdsap256sha256", &alg) == SL_OK &&
	    !(p->alg = dk_alg_from_text(alg)))
		sl_conf_error(conf, "algorithm",
			      "unknown algorithm \"%s\" (rsasha256, ecdsap256sha256, "
			      "ecdsap384sha384, ed25519, ed448)",
			      alg);
	if (sl_conf_string(conf, "denial", false, "nsec", &denial) == SL_OK) {
		if (strcmp(denial, "nsec3") == 0)
			p->cfg.denial = ZS_NSEC3;
		else if (strcmp(denial, "nsec") != 0)
			sl_conf_error(conf, "denial", "must be \"nsec\" or \"nsec3\"");
	}
	nsec3_options(conf, &p->cfg);
	ds_options(conf, p);
	if (sl_conf_int(conf, "signature_lifetime", 3 * 3600, 365LL * 86400, 14 * 86400,
			&lifetime) == SL_OK)
		p->cfg.lifetime = (uint32_t)lifetime;
	sl_conf_bool(conf, "csk", false, &p->csk);
	/* --check: existing keys must load (no keys yet is fine: made at start). */
	if (sl_conf_dry_run(conf) && p->key_dir && p->alg) {
		keyset_t ks;
		bool created;
		sl_error_t err;

		sl_error_clear(&err);
		int rc = dk_load_or_create(p->key_dir, sl_instance_zone(inst), p->alg, p->csk,
					   false, &ks, &created, &err);
		if (rc == SL_OK)
			dk_free(&ks);
		else if (rc != SL_ENOTFOUND)
			sl_conf_error(conf, "key_dir", "%s", err.msg);
	}
	return SL_OK;
}

static void dp_adopt(void *state, void *old_state)
{
	struct dplugin *p = state, *old = old_state;

	/* Keys and hook stay; a changed algorithm or key_dir needs a restart. */
	if (old->s) {
		p->s = old->s;
		p->s->ref++;
		adopt_cfg(p->s, &p->cfg);
	}
}

static int dp_start(void *state)
{
	struct dplugin *p = state;
	struct signer *s;
	sl_error_t err;
	bool created;
	int rc;

	if (p->s)
		return SL_OK;
	s = calloc(1, sizeof(*s));
	if (!s)
		return SL_ENOMEM;
	if (pthread_mutex_init(&s->lock, NULL) != 0) {
		free(s);
		return SL_ENOMEM;
	}
	s->ref = 1;
	s->cfg = p->cfg;
	s->cfg.keys = &s->keys;
	snprintf(s->label, sizeof(s->label), "%s", sl_instance_label(p->inst));
	s->zone = sl_zone_get(sl_instance_zone(p->inst));
	if (!s->zone) {
		pthread_mutex_destroy(&s->lock);
		free(s);
		return SL_ENOMEM;
	}
	p->s = s;
	sl_error_clear(&err);
	rc = dk_load_or_create(p->key_dir, sl_instance_zone(p->inst), p->alg, p->csk, true,
			       &s->keys, &created, &err);
	if (rc != SL_OK) {
		sl_instance_log(p->inst, SL_LOG_ERROR, "keys: %s", err.msg);
		return SL_ECONFIG;
	}
	for (unsigned i = 0; i < s->keys.n; i++)
		sl_instance_log(p->inst, SL_LOG_NOTICE, "%s %s key %u (%s)",
				created ? "created" : "loaded",
				s->keys.k[i].role == SK_KSK   ? "KSK"
				: s->keys.k[i].role == SK_ZSK ? "ZSK"
							      : "CSK",
				s->keys.k[i].tag, dk_alg_name(s->keys.k[i].alg));
	if (dk_publish_ds_digests(p->key_dir, sl_instance_zone(p->inst), &s->keys, s->label,
				  p->ds_digests, p->nds_digests, &err) != SL_OK)
		sl_instance_log(p->inst, SL_LOG_WARNING, "%s", err.msg);
	rc = sl_zone_set_signer(s->zone, &(sl_zone_signer_t){ hook_sign, s });
	if (rc != SL_OK) {
		sl_instance_log(p->inst, SL_LOG_ERROR, "the zone already has a signer");
		return SL_ECONFIG;
	}
	s->hooked = true;
	sign_current(s);
	return SL_OK;
}

SL_PLUGIN_DEFINE(.name = "dnssec-signer", .version = "0.1",
		 .summary = "signs the zone (DNSKEY, RRSIG, NSEC or NSEC3) before each version is published",
		 .scope = SL_SCOPE_ZONE, .phase = SL_PHASE_TRANSFORM, .create = dp_create,
		 .destroy = dp_destroy, .start = dp_start, .adopt = dp_adopt);
