/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * libFuzzer target for the zone master-file parser (plugins/zonefile).
 *
 * The input is zone text, parsed from memory with the fixed origin
 * "example." and $INCLUDE refused (fuzz input must not open files).
 * Besides memory safety, it checks what callers rely on: every record has
 * a valid owner and RDATA that passes the codec's validation, a TTL within
 * RFC 2181's range and the zone's class; every failure has a place in the
 * text and a NUL-terminated message; the callback never runs after a failure.
 * The same input is parsed again going on after errors (on_error): each
 * error then has a place and a message too, the count adds up, the first
 * error is the one the first pass stopped at, and no record before it is lost.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sluice/name.h>
#include <sluice/rr.h>

#include <sluice/zscan.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t origin[] = {7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0};

static int check_record(void *arg, const sl_zscan_record_t *rr)
{
	size_t *count = arg;

	if (sl_name_check(rr->owner, SL_NAME_MAXLEN) < 1 ||
	    sl_rdata_check(rr->type, rr->rdata, rr->rdlen) != SL_OK || rr->ttl > SL_ZSCAN_MAX_TTL ||
	    rr->rclass != SL_CLASS_IN || sl_rrtype_is_meta(rr->type) || rr->line == 0)
		abort();
	(*count)++;
	return 0;
}

/* An error as the second pass sees it: placed, with a message, counted in order. */
static void check_error(void *arg, const sl_zscan_error_t *e)
{
	unsigned *seen = arg;

	if (e->line == 0 || e->column == 0 || memchr(e->msg, '\0', sizeof(e->msg)) == NULL ||
	    e->msg[0] == '\0' || strcmp(e->file, "fuzz.zone") != 0 || e->count != *seen + 1)
		abort();
	(*seen)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sl_zscan_options_t opt;
	sl_zscan_error_t err;
	size_t count = 0;
	int rc;

	sl_zscan_options_init(&opt);
	opt.origin = origin;
	opt.flags = SL_ZSCAN_NO_INCLUDE;
	/* Keep each run short: $GENERATE could otherwise make 65536 records per line. */
	opt.max_generate = 256;
	opt.max_records = 4096;
	rc = sl_zscan_parse_string((const char *)data, size, "fuzz.zone", &opt, check_record, &count,
			     &err);
	if (rc != SL_OK &&
	    (err.line == 0 || err.column == 0 || memchr(err.msg, '\0', sizeof(err.msg)) == NULL ||
	     err.msg[0] == '\0' || strcmp(err.file, "fuzz.zone") != 0))
		abort();

	sl_zscan_error_t all;
	size_t all_count = 0;
	unsigned seen = 0;

	opt.on_error = check_error;
	opt.error_arg = &seen;
	if (sl_zscan_parse_string((const char *)data, size, "fuzz.zone", &opt, check_record, &all_count,
			    &all) != rc ||
	    all_count < count || all.count != seen)
		abort();
	if (rc != SL_OK && (all.line != err.line || all.column != err.column ||
			    strcmp(all.msg, err.msg) != 0 || seen == 0))
		abort();
	return 0;
}
