/*
 * Sluice — authoritative answers from the zone store.
 * SPDX-License-Identifier: MIT OR Apache-2.0
 *
 * One implementation of the RFC answer algorithm, shared by every plugin
 * that serves zone-store data (zonefile, and later the journal and signer).
 */
#ifndef SLUICE_ANSWER_H
#define SLUICE_ANSWER_H

#include <sluice/plugin.h>
#include <sluice/zone.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Most names whose A/AAAA the additional section may carry (CVE-2024-11187). */
#define SL_ANSWER_MAX_ADDITIONAL 13
/** Most CNAMEs followed inside one zone for one query. */
#define SL_ANSWER_MAX_CNAME 8

/**
 * Answers req->qname / req->qtype from @p version (RFC 1034 §4.3.2,
 * RFC 2308, RFC 4592, RFC 6672, RFC 8482, RFC 9471):
 *  - exact matches with AA; CNAME chains followed inside the zone (loops and
 *    chains longer than SL_ANSWER_MAX_CNAME stopped); DNAME substitution
 *    with a synthesised CNAME (TTL of the DNAME);
 *  - wildcards with closest-encloser semantics, empty non-terminals, and
 *    existing names blocking the wildcard;
 *  - referrals at zone cuts (no AA; NS in authority; all in-bailiwick glue
 *    in additional, TC when it does not fit over UDP); data below a cut is
 *    never served; DS at a cut answered from the parent side;
 *  - NXDOMAIN and NODATA with the SOA in authority, TTL min(SOA TTL, MINIMUM);
 *  - A/AAAA in additional for in-zone MX, SRV and NS targets (capped);
 *  - ANY per RFC 8482 (one RRset); the question's case preserved.
 * Sets req->kind, the rcode and flags in req->resp, TC when the answer or
 * authority did not fit.
 *
 * Names answered by plugins: each CNAME/DNAME target is first offered to
 * the plugins that would see it were it asked directly (see
 * <sluice/plugin.h>, "Processing of one query"): in this zone, the
 * instances placed before the caller; in another served zone, that zone's
 * chain. The first that answers completes the answer after the CNAMEs (AA
 * set; its NODATA after a CNAME counts as SL_ANSWER_POSITIVE) and its
 * result is returned; when none does, the chain goes on through
 * @p version. While another zone's chain is offered a target, this
 * function passes (returns SL_RESULT_PASS without writing anything): a
 * zone's own data is not served for another zone's CNAME, as in knotd.
 * A name a plugin answers should still exist in the zone data — a
 * placeholder record, such as the plugin's fallback addresses or a TXT —
 * so that NXDOMAIN answers, NSEC chains and AXFR agree with what is served.
 *
 * @return SL_RESULT_DONE; or SL_RESULT_PASS as said above; or what the
 *         plugin that answered a target returned (DONE, FOLLOW, and from
 *         the same zone ERROR or DROP): return it from the handler as it is
 */
SL_API sl_result_t sl_answer_query(sl_request_t *req, const sl_zone_version_t *version);

/**
 * Ends a negative answer to req->qname the RFC 2308 way, for plugins that
 * synthesise answers: rcode NXDOMAIN for @p kind SL_ANSWER_NXDOMAIN (NOERROR
 * for SL_ANSWER_NODATA), AA, req->kind = @p kind, and in the authority
 * section the zone's SOA with TTL min(SOA TTL, SOA MINIMUM) (RFC 2308 §3,
 * §5) — TC when it does not fit. The SOA comes from @p version, or when
 * that is NULL from the current version of req->zone. sl_answer_query()
 * writes its negative answers with the same code. With DO set and a
 * signed zone, the SOA's RRSIG comes with it, and the zone's NSEC/NSEC3
 * proof when the zone data says the same (the name is not in the zone for
 * NXDOMAIN; it is, without that type, for NODATA).
 * @return SL_OK; SL_ENOTFOUND when there is no zone data with a SOA (rcode,
 *         AA and kind are still set: the answer goes without SOA, which
 *         caches do not keep, RFC 2308 §5); SL_EINVAL for another @p kind
 *         (nothing changed)
 */
SL_API int sl_answer_negative(sl_request_t *req, const sl_zone_version_t *version,
			      sl_answer_kind_t kind);

/**
 * Starts an AXFR (RFC 5936) of @p zone for @p req: the first message goes in
 * req->resp, the rest through a stream (sl_request_set_stream()), SOA first
 * and last, in canonical
 * order. Over UDP, or when the zone has no data: REFUSED / SERVFAIL.
 * ACL checks are the caller's. @return SL_RESULT_DONE or SL_RESULT_ERROR
 */
SL_API sl_result_t sl_answer_axfr(sl_request_t *req, const sl_zone_t *zone);

/**
 * Answers an IXFR (RFC 1995) of @p zone for @p req from the zone store:
 *  - req->qname not the zone's apex: NOTAUTH (as for AXFR);
 *  - no SOA in the query's authority section (RFC 1995 §3): FORMERR;
 *  - the client's serial equal to or newer than the zone's (RFC 1982
 *    serial arithmetic): the zone's SOA alone, AA ("you are current");
 *  - a client that is behind, over UDP: the SOA alone, which tells it to
 *    retry over TCP (§2);
 *  - a client that is behind, over TCP: the whole zone, exactly as
 *    sl_answer_axfr() streams it (§4 allows a full transfer in reply).
 * The zone store keeps no journal of differences, so this never sends an
 * incremental reply: a plugin that keeps one (the planned sqlite-journal
 * plugin) serves real differences itself and falls back to this.
 * When the zone has no data: SERVFAIL. ACL checks are the caller's.
 * @return SL_RESULT_DONE or SL_RESULT_ERROR
 */
SL_API sl_result_t sl_answer_ixfr(sl_request_t *req, const sl_zone_t *zone);

/**
 * The serial of the SOA an IXFR query carries in its authority section
 * (RFC 1995 §3): the version the client has. For plugins that answer IXFR
 * from their own history (ABI 2.1).
 * @return true when @p query has one (then *@p serial is set)
 */
SL_API bool sl_ixfr_client_serial(const sl_msg_t *query, uint32_t *serial);

/** Octets of an NSEC3 SHA-1 hash (the only algorithm, RFC 5155 §11). */
#define SL_NSEC3_HASH_LEN 20

/**
 * The NSEC3 hash of @p name (RFC 5155 §5, SHA-1): H(name | salt), then
 * @p iterations more times H(previous | salt); the name is taken in
 * canonical (lower-case) form. Allocation-free.
 * @return SL_OK, or SL_EINVAL for an invalid name
 */
SL_API int sl_nsec3_hash(const uint8_t *name, const uint8_t *salt, uint8_t saltlen,
			 uint16_t iterations, uint8_t out[SL_NSEC3_HASH_LEN]);

/**
 * The hashed owner name "<base32hex of hash>.<apex>" (RFC 5155 §3, RFC 4648
 * §7, lower case, no padding) of @p hashlen octets of @p hash, into @p out.
 * @return SL_OK, or SL_EINVAL when it would not be a valid name
 */
SL_API int sl_nsec3_owner(const uint8_t *hash, size_t hashlen, const uint8_t *apex,
			  uint8_t out[SL_NAME_MAXLEN]);

#ifdef __cplusplus
}
#endif
#endif /* SLUICE_ANSWER_H */
