/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * RFC 3007 update policy, in the spirit of BIND's update-policy: an ordered
 * list of rules, each naming an identity (a TSIG key or SIG(0) signer, or
 * the unsigned requests), an owner-name match and the types it covers. For
 * every RR of the update section the first rule matching identity, owner
 * and type decides (grant or deny); no matching rule denies.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "update.h"

static bool dnssec_type(uint16_t type)
{
	return type == SL_TYPE_RRSIG || type == SL_TYPE_NSEC || type == SL_TYPE_NSEC3 ||
	       type == SL_TYPE_NSEC3PARAM || type == SL_TYPE_DNSKEY;
}

static int parse_name(sl_conf_t *conf, const char *path, const char *text, uint8_t *out)
{
	size_t len;

	if (sl_name_from_text(text, strlen(text), (const uint8_t *)"", out, &len) != SL_OK)
		return sl_conf_error(conf, path, "\"%s\" is not a domain name", text);
	sl_name_tolower(out);
	return SL_OK;
}

static int parse_rule(sl_conf_t *conf, size_t i, json_t *j, upd_rule_t *r)
{
	char path[64];
	int ret = SL_OK;
	json_t *v;

	if (!json_is_object(j)) {
		snprintf(path, sizeof(path), "policy[%zu]", i);
		return sl_conf_error(conf, path, "a rule is an object");
	}
	r->match = UPD_MATCH_SUBDOMAIN;
	/* Unknown keys are typos: say so. */
	const char *key;
	json_object_foreach(j, key, v) {
		if (strcmp(key, "key") && strcmp(key, "unsigned") && strcmp(key, "match") &&
		    strcmp(key, "name") && strcmp(key, "types") && strcmp(key, "action")) {
			snprintf(path, sizeof(path), "policy[%zu].%s", i, key);
			ret = sl_conf_error(conf, path, "unknown option");
		}
	}
	v = json_object_get(j, "action");
	snprintf(path, sizeof(path), "policy[%zu].action", i);
	if (v && (!json_is_string(v) || (strcmp(json_string_value(v), "grant") &&
					 strcmp(json_string_value(v), "deny"))))
		ret = sl_conf_error(conf, path, "must be \"grant\" or \"deny\"");
	else if (v)
		r->deny = !strcmp(json_string_value(v), "deny");
	v = json_object_get(j, "unsigned");
	snprintf(path, sizeof(path), "policy[%zu].unsigned", i);
	if (v && !json_is_boolean(v))
		ret = sl_conf_error(conf, path, "must be true or false");
	r->unsigned_only = v && json_is_true(v);
	v = json_object_get(j, "key");
	snprintf(path, sizeof(path), "policy[%zu].key", i);
	if (json_is_null(v)) {
		r->unsigned_only = true;
	} else if (json_is_string(v)) {
		if (r->unsigned_only)
			ret = sl_conf_error(conf, path, "a rule names a key or is \"unsigned\", not both");
		else if (parse_name(conf, path, json_string_value(v), r->key) != SL_OK)
			ret = SL_ECONFIG;
	} else if (v) {
		ret = sl_conf_error(conf, path, "must be a key name or null (unsigned requests)");
	} else if (!r->unsigned_only) {
		ret = sl_conf_error(conf, path, "required (a key name, or null for unsigned requests)");
	}
	v = json_object_get(j, "match");
	snprintf(path, sizeof(path), "policy[%zu].match", i);
	if (v) {
		static const char *const names[] = { "name", "subdomain", "wildcard", "self" };
		size_t m;
		for (m = 0; m < 4; m++)
			if (json_is_string(v) && !strcmp(json_string_value(v), names[m]))
				break;
		if (m == 4)
			ret = sl_conf_error(conf, path,
					    "must be \"name\", \"subdomain\", \"wildcard\" or \"self\"");
		else
			r->match = (upd_match_t)m;
	}
	if (r->match == UPD_MATCH_SELF && r->unsigned_only)
		ret = sl_conf_error(conf, path, "\"self\" needs a signed request: name a key");
	v = json_object_get(j, "name");
	snprintf(path, sizeof(path), "policy[%zu].name", i);
	if (v && !json_is_string(v)) {
		ret = sl_conf_error(conf, path, "must be a domain name");
	} else if (v) {
		if (parse_name(conf, path, json_string_value(v), r->name) != SL_OK) {
			ret = SL_ECONFIG;
		} else if (r->match == UPD_MATCH_WILDCARD) {
			if (r->name[0] != 1 || r->name[1] != '*')
				ret = sl_conf_error(conf, path, "a wildcard rule's name starts with \"*.\"");
			else
				memmove(r->name, r->name + 2, sl_name_len(r->name + 2));
		}
	} else if (r->match != UPD_MATCH_SELF) {
		ret = sl_conf_error(conf, path, "required for match \"%s\"",
				    r->match == UPD_MATCH_NAME ? "name"
				    : r->match == UPD_MATCH_WILDCARD ? "wildcard" : "subdomain");
	}
	v = json_object_get(j, "types");
	snprintf(path, sizeof(path), "policy[%zu].types", i);
	if (v && !json_is_array(v)) {
		ret = sl_conf_error(conf, path, "must be an array of type names");
	} else if (v) {
		r->types = calloc(json_array_size(v) + 1, sizeof(*r->types));
		if (!r->types)
			return SL_ENOMEM;
		size_t k;
		json_t *t;
		json_array_foreach(v, k, t) {
			uint16_t type;
			char tpath[80];
			snprintf(tpath, sizeof(tpath), "policy[%zu].types[%zu]", i, k);
			if (!json_is_string(t) ||
			    sl_rrtype_from_text(json_string_value(t), strlen(json_string_value(t)),
						&type) != SL_OK) {
				ret = sl_conf_error(conf, tpath, "not a type name");
				continue;
			}
			if (type == SL_TYPE_ANY) {
				r->any_type = true;
				continue;
			}
			if (dnssec_type(type) || sl_rrtype_is_meta(type)) {
				ret = sl_conf_error(conf, tpath,
						    "DNSSEC and meta types are not updatable");
				continue;
			}
			r->types[r->ntypes++] = type;
		}
		if (!r->any_type && r->ntypes == 0)
			ret = sl_conf_error(conf, path, "lists no type");
	}
	return ret;
}

int upd_policy_parse(sl_conf_t *conf, void *json, upd_policy_t *policy)
{
	json_t *j = json;
	int ret = SL_OK;

	memset(policy, 0, sizeof(*policy));
	if (!j)
		return SL_OK;
	if (!json_is_array(j))
		return sl_conf_error(conf, "policy", "must be an array of rules");
	if (json_array_size(j) == 0)
		return SL_OK;
	policy->rules = calloc(json_array_size(j), sizeof(*policy->rules));
	if (!policy->rules)
		return SL_ENOMEM;
	policy->nrules = json_array_size(j);
	for (size_t i = 0; i < policy->nrules; i++) {
		int r = parse_rule(conf, i, json_array_get(j, i), &policy->rules[i]);
		if (r == SL_ENOMEM)
			return r;
		if (r != SL_OK)
			ret = SL_ECONFIG;
	}
	return ret;
}

void upd_policy_free(upd_policy_t *policy)
{
	for (size_t i = 0; i < policy->nrules; i++)
		free(policy->rules[i].types);
	free(policy->rules);
	memset(policy, 0, sizeof(*policy));
}

static bool rule_identity(const upd_rule_t *r, const uint8_t *auth_name)
{
	if (r->unsigned_only)
		return auth_name == NULL;
	return auth_name && sl_name_equal(r->key, auth_name);
}

static bool rule_owner(const upd_rule_t *r, const uint8_t *owner, const uint8_t *auth_name)
{
	switch (r->match) {
	case UPD_MATCH_NAME:
		return sl_name_equal(owner, r->name);
	case UPD_MATCH_SUBDOMAIN:
		return sl_name_is_subdomain(owner, r->name);
	case UPD_MATCH_WILDCARD:
		return sl_name_is_subdomain(owner, r->name) && !sl_name_equal(owner, r->name);
	case UPD_MATCH_SELF:
		return auth_name && sl_name_equal(owner, auth_name);
	}
	return false;
}

/*
 * The types a rule covers. "ANY" listed: every type. No list: for a deny
 * rule every type; for a grant, every type but SOA and NS (BIND's default)
 * and not a deletion of every RRset at a name (type ANY), which may delete
 * any type (NS at a delegation too) and so needs "ANY" listed.
 */
static bool rule_type(const upd_rule_t *r, uint16_t type)
{
	if (r->any_type || (r->deny && !r->types))
		return true;
	if (!r->types)
		return type != SL_TYPE_SOA && type != SL_TYPE_NS && type != SL_TYPE_ANY;
	if (type == SL_TYPE_ANY)
		return false;
	for (size_t i = 0; i < r->ntypes; i++)
		if (r->types[i] == type)
			return true;
	return false;
}

bool upd_policy_allows(const upd_policy_t *policy, const sl_msg_t *msg, const uint8_t *auth_name,
		       char *why, size_t whylen)
{
	size_t pos = msg->section_pos[SL_SECTION_AUTHORITY];

	/* Nothing to change, prerequisites only: still only for an identity some rule grants. */
	if (msg->hdr.nscount == 0) {
		for (size_t k = 0; k < policy->nrules; k++)
			if (!policy->rules[k].deny && rule_identity(&policy->rules[k], auth_name))
				return true;
		snprintf(why, whylen, "no rule grants this %s anything",
			 auth_name ? "key" : "unsigned client");
		return false;
	}
	for (unsigned i = 0; i < msg->hdr.nscount; i++) {
		sl_rr_t rr;
		const upd_rule_t *hit = NULL;
		char owner[SL_NAME_TEXT_MAX], type[16];

		if (sl_msg_rr_next(msg->wire, msg->len, &pos, &rr) != SL_OK) {
			snprintf(why, whylen, "malformed update section");
			return false;
		}
		for (size_t k = 0; k < policy->nrules && !hit; k++) {
			const upd_rule_t *r = &policy->rules[k];
			if (rule_identity(r, auth_name) && rule_owner(r, rr.owner, auth_name) &&
			    rule_type(r, rr.type))
				hit = r;
		}
		if (hit && !hit->deny)
			continue;
		if (sl_name_to_text(rr.owner, owner, sizeof(owner)) < 0)
			snprintf(owner, sizeof(owner), "?");
		if (sl_rrtype_to_text(rr.type, type, sizeof(type)) < 0)
			snprintf(type, sizeof(type), "TYPE%u", rr.type);
		snprintf(why, whylen, "%s %s %s", owner, type,
			 hit ? "denied by a rule" : "matches no rule granting it");
		return false;
	}
	return true;
}
