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
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sluice/conf.h>
#include <sluice/log.h>
#include <sluice/plugin.h>

#include "signer.h"

/* What survives reloads: the zone's keys and its signer hook. */
struct signer {
	unsigned ref;
	sl_zone_t *zone;
	keyset_t keys;
	uint32_t lifetime;
	bool hooked;
	bool presigned;   /* the commit in progress was signed by start(): let it through */
	char label[300];
};

struct dplugin {
	sl_instance_t *inst;
	const char *key_dir;
	uint8_t alg;
	bool csk;
	uint32_t lifetime;
	struct signer *s;
};

static int hook_sign(void *arg, sl_zone_t *zone, const sl_zone_version_t *from,
		     const sl_zone_version_t *to, sl_zone_txn_t *amend, sl_error_t *err)
{
	struct signer *s = arg;
	zsign_cfg_t cfg = { .keys = &s->keys, .lifetime = s->lifetime, .now = time(NULL) };
	struct timespec t0, t1;
	int rc;

	(void)from;
	if (s->presigned)
		return SL_OK;
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
	zsign_cfg_t cfg = { .keys = &s->keys, .lifetime = s->lifetime, .now = time(NULL) };

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
	if (sl_conf_string(conf, "denial", false, "nsec", &denial) == SL_OK &&
	    strcmp(denial, "nsec") != 0)
		sl_conf_error(conf, "denial",
			      strcmp(denial, "nsec3") == 0
				      ? "\"nsec3\" is not supported yet: use \"nsec\""
				      : "must be \"nsec\"");
	if (sl_conf_int(conf, "signature_lifetime", 3 * 3600, 365LL * 86400, 14 * 86400,
			&lifetime) == SL_OK)
		p->lifetime = (uint32_t)lifetime;
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
		p->s->lifetime = p->lifetime;
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
	s->ref = 1;
	s->lifetime = p->lifetime;
	snprintf(s->label, sizeof(s->label), "%s", sl_instance_label(p->inst));
	s->zone = sl_zone_get(sl_instance_zone(p->inst));
	if (!s->zone) {
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
	if (dk_publish_ds(p->key_dir, sl_instance_zone(p->inst), &s->keys, s->label, &err) !=
	    SL_OK)
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
		 .summary = "signs the zone (DNSKEY, RRSIG, NSEC) before each version is published",
		 .scope = SL_SCOPE_ZONE, .phase = SL_PHASE_TRANSFORM, .create = dp_create,
		 .destroy = dp_destroy, .start = dp_start, .adopt = dp_adopt);
