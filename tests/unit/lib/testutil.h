/*
 * Helpers shared by the core's unit tests: the suite entry point, temporary
 * config files, the test-plugin directory, and hand-built queries.
 * SPDX-License-Identifier: MIT OR Apache-2.0
 */
#ifndef SL_TESTUTIL_H
#define SL_TESTUTIL_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
 * The suite a unit test binary runs: each tests/unit/<layer>/check_*.c
 * defines it, and the shared main() in lib/main.c runs it. Set-up the tests
 * share (a zone built once, a directory listing that sizes a loop test) is
 * done here or in an unchecked fixture, never in a main() of its own.
 */
Suite *tu_suite(void);

/** Directory holding the test plugins (recorder.so, ...). */
const char *tu_plugin_dir(void);

/** Directory holding the plugins the build made (zonefile.so, whoami.so): $SLUICE_BUILDDIR/plugins. */
const char *tu_build_plugin_dir(void);

/**
 * Writes @p json to a new temporary file, replacing every "@PLUGINS@" with
 * tu_plugin_dir() and every "@BUILT_PLUGINS@" with tu_build_plugin_dir().
 * @return its path (static buffer, valid until the next call)
 */
const char *tu_write_config(const char *json);

/** Options for tu_query(). */
typedef struct tu_qopt {
	uint16_t id;          /**< message id */
	uint16_t flags;       /**< header flags word (opcode, RD, QR, ...) */
	uint16_t qdcount;     /**< question count to write (default 1 when qname is set) */
	int edns_version;     /**< -1: no OPT; else add OPT with this version */
	uint16_t payload;     /**< OPT payload */
	bool do_bit;          /**< set DO */
	const uint8_t *opts;  /**< raw EDNS options */
	size_t opts_len;      /**< their length */
	uint16_t qclass;      /**< class, default IN */
} tu_qopt_t;

/**
 * Builds a query for presentation name @p qname / @p qtype into @p buf.
 * @return its length
 */
size_t tu_query(uint8_t *buf, size_t cap, const char *qname, uint16_t qtype,
		const tu_qopt_t *opt);

/** One RR parsed by tu_parse_rr(). */
typedef struct tu_rr {
	uint8_t owner[255];   /**< owner (wire) */
	uint16_t type;        /**< RR type */
	uint32_t ttl;         /**< TTL */
	uint8_t rdata[65535]; /**< RDATA (wire) */
	uint16_t rdlen;       /**< its length */
} tu_rr_t;

/**
 * Parses a test line "owner ttl TYPE rdata" (names relative to @p origin)
 * into @p rr; a malformed line fails the test.
 */
void tu_parse_rr(const char *line, const uint8_t *origin, tu_rr_t *rr);

struct sl_errlist;

/**
 * Every problem in @p el as its line (sl_errlist_line()), one per line.
 * @return a static buffer, valid until the next call
 */
const char *tu_errlist_text(const struct sl_errlist *el);

#endif
