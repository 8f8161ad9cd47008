/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Zone master-file parser (RFC 1035 §5, RFC 2308 §4 $TTL, BIND $GENERATE).
 *
 * This is the master-file layer only: it tokenises the file (comments,
 * parentheses, quoted strings, escapes), runs the directives, works out each
 * record's owner, TTL, class and type, and hands the RDATA text to the core
 * codec (sl_rdata_from_text()), which owns every RDATA and name syntax.
 *
 * The input is treated as hostile: every limit is checked, no input can
 * make the parser read out of bounds, and every error comes with its exact
 * place (file, line, column) and a one-line message. By default the first
 * error stops parsing; with sl_zscan_options_t.on_error set, parsing goes on
 * after it with the next entry (see "Errors" below), so one run reports
 * every bad record.
 *
 * Semantics, following BIND where RFCs leave room:
 *
 *  - Owner: a line that starts with a blank reuses the previous owner (an
 *    error when there is none yet). "@" is the current origin; relative
 *    names are completed with it ("relative name but no $ORIGIN" without
 *    one). $GENERATE does not change the previous owner.
 *  - TTL of a record without one: the last $TTL; without $TTL, the last
 *    explicit TTL (RFC 1035 §5.1); without either, an SOA takes its own
 *    MINIMUM field and any other record sl_zscan_options_t.default_ttl (BIND
 *    rejects such a record instead; Knot DNS uses 3600, as we do by
 *    default). An SOA that had to take its MINIMUM makes it the default
 *    for the records after it. TTLs above 2^31-1 are errors (RFC 2181 §8).
 *  - Class: IN unless sl_zscan_options_t.rclass says otherwise; a record in any
 *    other class is an error. TTL and class may come in either order.
 *  - $ORIGIN name: relative to the current origin.
 *  - $TTL ttl: units accepted ("1h30m", "2d", "1W"; case-insensitive).
 *  - $INCLUDE file [origin]: a relative path is relative to the directory
 *    of the including file. The included file starts with the includer's
 *    origin (or the given one) and previous owner; both are restored when
 *    it ends. $TTL and the last explicit TTL carry on across files.
 *    Nesting is limited (max_include_depth) and a file that includes itself,
 *    directly or not, is an error. Only regular files are read (the zone
 *    file too): a directory, device, FIFO or socket is an error that says
 *    which it is, and so is a file holding more than its size says (the
 *    /proc and /sys pseudo-files, whose size reads 0).
 *  - $GENERATE start-stop[/step] lhs [ttl] [class] type rhs: as BIND 9.
 *    In lhs and rhs, "$" is the counter, "${offset[,width[,base]]}" formats
 *    it (base d, o, x, X, or n / N for reversed nibble labels as BIND
 *    prints them), "$$" and "\$" are a literal '$'. rhs is the rest of the
 *    line (BIND takes one token only); a single quoted rhs has its quotes
 *    removed, as BIND does. One line makes at most max_generate records,
 *    each RDATA text at most 64 KiB and 16 MiB of text in all.
 *  - Directives are recognised indented too, names case-insensitive. Meta
 *    and query types (OPT, TSIG, AXFR, ANY, ...) are errors.
 *  - Line endings LF or CRLF. NUL bytes anywhere are an error. Columns are
 *    1-based byte offsets within the line (a tab counts as one).
 *  - RDATA errors carry the codec's message ("MX exchange: bad domain
 *    name"), placed at the RDATA token they concern.
 *
 * Errors, when parsing goes on (sl_zscan_options_t.on_error):
 *
 *  - An error in an entry (a record or a directive) skips that entry: the
 *    rest of its logical line, up to the line end outside parentheses,
 *    reading quotes, escapes and comments loosely. State the entry would
 *    have set (owner, $TTL, $ORIGIN) stays as it was; records a $GENERATE
 *    line produced before its error were delivered.
 *  - An error in an $INCLUDEd file is reported with that file's name;
 *    the includer carries on after the $INCLUDE line. A file holding a
 *    NUL byte is not read at all (one error for it).
 *  - Parsing stops for good on running out of memory, on max_records,
 *    and when the record callback returns non-zero.
 *  - Placing an RDATA error on its token costs re-parsing; past a fixed
 *    budget of such work, errors are placed at the first RDATA token.
 */
#ifndef SLUICE_ZSCAN_H
#define SLUICE_ZSCAN_H

#include <sluice/common.h>
#include <sluice/error.h>

#ifdef __cplusplus
extern "C" {
#endif

/** TTL given to records when nothing else sets one (see the file comment). */
#define SL_ZSCAN_DEFAULT_TTL 3600u
/** Default nesting limit for $INCLUDE. */
#define SL_ZSCAN_DEFAULT_INCLUDE_DEPTH 8u
/** Hard ceiling for sl_zscan_options_t.max_include_depth (the parser recurses). */
#define SL_ZSCAN_MAX_INCLUDE_DEPTH 64u
/** Default limit of records one $GENERATE may produce. */
#define SL_ZSCAN_DEFAULT_MAX_GENERATE 65536u
/** Largest TTL accepted (RFC 2181 §8). */
#define SL_ZSCAN_MAX_TTL 2147483647u
/** Longest token (a base64 key or hex blob on one line) in octets. */
#define SL_ZSCAN_MAX_TOKEN (256u * 1024u)
/** Longest logical line (parentheses joined), counting tokens and one blank between each. */
#define SL_ZSCAN_MAX_LINE (1024u * 1024u)
/** Most tokens in one logical line. */
#define SL_ZSCAN_MAX_TOKENS 131072u

/** sl_zscan_options_t.flags: refuse $INCLUDE (for untrusted text, e.g. the fuzzer). */
#define SL_ZSCAN_NO_INCLUDE 0x1u

/** One record, valid only for the duration of the callback. */
typedef struct sl_zscan_record {
	const uint8_t *owner; /**< owner, uncompressed wire form, case preserved */
	uint16_t type;	      /**< RR type */
	uint16_t rclass;      /**< RR class (always the zone's class) */
	uint32_t ttl;	      /**< TTL in seconds, at most SL_ZSCAN_MAX_TTL */
	const uint8_t *rdata; /**< RDATA in storage form (see sluice/rr.h) */
	uint16_t rdlen;	      /**< its length */
	const char *file;     /**< file the record came from (the name given for strings) */
	unsigned line;	      /**< line of the record's first token (of $GENERATE for those) */
	unsigned column;      /**< column of that token (the owner, or what starts the line) */
} sl_zscan_record_t;

/**
 * Receives each record in file order. Returning non-zero stops parsing,
 * with on_error set too: the value becomes an error at the record's place
 * with a generic message the caller may replace, and sl_zscan_parse_file() /
 * sl_zscan_parse_string() return it (unless an earlier error came first).
 * Negative SL_E* codes are the natural choice.
 */
typedef int (*sl_zscan_record_f)(void *arg, const sl_zscan_record_t *rr);

/**
 * Receives each error, in file order, when set in sl_zscan_options_t; parsing then
 * goes on with the next entry. @p err is valid only for the call. (The
 * core's sl_error_f; the name is kept for code written against ABI 2.0.)
 */
typedef sl_error_f sl_zscan_error_f;

/**
 * Parser settings. A zeroed structure (or a NULL pointer) means every
 * default; sl_zscan_options_init() spells them out.
 */
typedef struct sl_zscan_options {
	/** Initial origin (wire form), or NULL: relative names then fail until $ORIGIN. */
	const uint8_t *origin;
	/** Class of the zone; 0 means IN. Records in another class are errors. */
	uint16_t rclass;
	/** TTL when no $TTL, explicit TTL or SOA applies; 0 means SL_ZSCAN_DEFAULT_TTL. */
	uint32_t default_ttl;
	/** $INCLUDE nesting limit; 0 means the default (8); at most SL_ZSCAN_MAX_INCLUDE_DEPTH. */
	unsigned max_include_depth;
	/** Records one $GENERATE may produce; 0 means SL_ZSCAN_DEFAULT_MAX_GENERATE. */
	uint32_t max_generate;
	/** Most records in total, $INCLUDEd and generated ones counted; 0 means no limit. */
	uint64_t max_records;
	/** Largest file (each included file too); 0 means no limit. */
	size_t max_file_size;
	/** SL_ZSCAN_NO_INCLUDE or 0. */
	unsigned flags;
	/** Called for every error, after which parsing goes on; NULL: the first error stops. */
	sl_error_f on_error;
	/** Passed to on_error. */
	void *error_arg;
} sl_zscan_options_t;

/**
 * Where and why parsing failed: the core's sl_error_t (file, 1-based line
 * and column of the offending token, 0 when the error has none such as a
 * failed open, the message, and the number of errors so far). The name is
 * kept for code written against ABI 2.0; new code may write sl_error_t.
 */
typedef sl_error_t sl_zscan_error_t;

/** Fills @p opt with the defaults (origin NULL, class IN, TTL 3600, depth 8, ...). */
SL_API void sl_zscan_options_init(sl_zscan_options_t *opt);

/**
 * Parses a zone file, calling @p cb for each record in order.
 *
 * The file is read whole (so is each $INCLUDEd file). Relative $INCLUDE
 * paths are taken relative to the directory of @p path.
 *
 * @param path  file to read
 * @param opt   settings, or NULL for the defaults
 * @param cb    record callback
 * @param arg   passed to @p cb
 * @param err   receives the place and reason of the (first) failure, and
 *              the number of errors (may be NULL)
 * @return SL_OK; else the code of the first error: SL_ESYNTAX for any
 *         error in the text; SL_ELIMIT for a limit (records, $GENERATE
 *         count, include depth, sizes); SL_EIO when a file cannot be read;
 *         SL_ENOMEM; or what @p cb returned
 */
SL_API int sl_zscan_parse_file(const char *path, const sl_zscan_options_t *opt, sl_zscan_record_f cb, void *arg,
			 sl_error_t *err);

/**
 * Parses zone text held in memory (need not be NUL-terminated), as
 * sl_zscan_parse_file() does. Relative $INCLUDE paths are taken relative to the
 * directory part of @p name_for_errors (the current directory when it has
 * none); set SL_ZSCAN_NO_INCLUDE for untrusted text.
 *
 * @param text             the zone text
 * @param len              its length
 * @param name_for_errors  file name reported in errors and records (NULL: "<string>")
 */
SL_API int sl_zscan_parse_string(const char *text, size_t len, const char *name_for_errors,
		    const sl_zscan_options_t *opt, sl_zscan_record_f cb, void *arg, sl_error_t *err);

#ifdef __cplusplus
}
#endif
#endif /* SLUICE_ZSCAN_H */
