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
 * authority did not fit. @return SL_RESULT_DONE
 */
SL_API sl_result_t sl_answer_query(sl_request_t *req, const sl_zone_version_t *version);

/**
 * Starts an AXFR (RFC 5936) of @p zone for @p req: the first message goes in
 * req->resp, the rest through req->stream, SOA first and last, in canonical
 * order. Over UDP, or when the zone has no data: REFUSED / SERVFAIL.
 * ACL checks are the caller's. @return SL_RESULT_DONE or SL_RESULT_ERROR
 */
SL_API sl_result_t sl_answer_axfr(sl_request_t *req, const sl_zone_t *zone);

#ifdef __cplusplus
}
#endif
#endif /* SLUICE_ANSWER_H */
