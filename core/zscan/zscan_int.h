/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Zone master-file parser, internal: the parser state shared by its files
 * (not installed; the public API is <sluice/zscan.h>).
 *  - zparser.c: errors, fields, RDATA, records, files and directives, entry
 *    points;
 *  - lexer.c: the tokeniser (logical lines, quoting, escapes, parentheses);
 *  - generate.c: BIND's $GENERATE (template expansion).
 */
#ifndef SL_ZSCAN_INT_H
#define SL_ZSCAN_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <sluice/common.h>
#include <sluice/name.h>
#include <sluice/rr.h>
#include <sluice/zscan.h>

/* One token: a slice of the source buffer and where it starts. */
struct zp_tok {
	size_t off;
	size_t len;
	unsigned line;
	unsigned col;
};

/* A file (or string) being read. */
struct zp_src {
	const char *buf;
	size_t len;
	size_t pos;		     /* next octet to read */
	size_t line_start;	     /* offset of the current line's first octet */
	unsigned line;		     /* current line, 1-based */
	const char *name;	     /* for errors and records */
	const struct zp_src *parent; /* includer, for loop detection */
	unsigned depth;		     /* $INCLUDE nesting: 0 for the top file */
	bool has_id;		     /* dev/ino known (a real file) */
	dev_t dev;
	ino_t ino;
};

/* A logical line: parentheses joined, comments dropped. */
struct zp_line {
	struct zp_tok *tok;
	size_t n;
	size_t cap;
	bool owner;	/* the line's first token (or '(') stood in column 1 */
	bool joined;	/* tokens are not separated by blanks only: RDATA must be copied */
	size_t textlen; /* token octets plus one separator between tokens */
	size_t depth;	/* open parentheses (BIND nests them); what an error skips to */
};

/*
 * Recently seen type and class mnemonics, exact bytes to result. Zones
 * repeat a handful of them, and the codec's look-up walks its whole table.
 */
#define ZP_MEMO_SIZE 8
struct zp_memo {
	struct {
		uint8_t len; /* 0: empty slot */
		bool ok;     /* the look-up succeeded */
		uint16_t val;
		char txt[12];
	} e[ZP_MEMO_SIZE];
	unsigned next;
};

struct zp_parser {
	sl_zscan_options_t o;
	sl_zscan_record_f cb;
	void *arg;
	sl_error_t *err;
	unsigned nerrors;    /* errors so far (saturating) */
	int first_rc;	     /* code of the first */
	bool fatal;	     /* no going on after this error, even with on_error */
	uint64_t blame_left; /* ZP_BLAME_BUDGET, less what zp_blame() has used */

	uint8_t origin[SL_NAME_MAXLEN];
	bool has_origin;
	uint8_t owner[SL_NAME_MAXLEN]; /* previous owner */
	bool has_owner;
	uint32_t dflt_ttl; /* from $TTL, or an SOA's MINIMUM */
	bool dflt_known;
	uint32_t last_ttl; /* last explicit TTL (RFC 1035 semantics) */
	bool last_known;
	uint64_t nrecords;
	struct zp_memo types;
	struct zp_memo classes;

	struct zp_line ln;
	char *text; /* joined RDATA text, expanded $GENERATE rhs */
	size_t textcap;
	char *tpl; /* $GENERATE rhs template */
	size_t tplcap;
	char rderr[256];
	uint8_t rdata[SL_RDATA_MAXLEN];
};

/* Owner-less part of a record: [TTL] [class] type, in either order. */
struct zp_head {
	bool has_ttl;
	uint32_t ttl;
	uint16_t type;
	size_t type_idx; /* token index of the type */
};

/* ---- zparser.c ---- */

/* Records an error at @p line:@p col and returns @p rc (the first goes to the caller's sl_error_t, each to on_error). */
int zp_fail_at(struct zp_parser *p, const struct zp_src *s, unsigned line, unsigned col, int rc,
	       const char *fmt, ...) SL_PRINTF(6, 7);
/* As zp_fail_at(), placed at token @p t. */
int zp_fail(struct zp_parser *p, const struct zp_src *s, const struct zp_tok *t, int rc,
	    const char *fmt, ...) SL_PRINTF(5, 6);
/* Token @p t for a message: at most 40 octets, control and 8-bit octets as '?'. */
const char *zp_show(const struct zp_src *s, const struct zp_tok *t, char *buf, size_t cap);
/* A name in text at @p str into @p out; @p what says which name for messages. */
int zp_name_text(struct zp_parser *p, const struct zp_src *s, const struct zp_tok *t,
		 const char *str, size_t len, const char *what, uint8_t *out);
/* Reads [TTL] [class] type from token @p i on into @p h. */
int zp_head(struct zp_parser *p, const struct zp_src *s, size_t i, struct zp_head *h);
/* The TTL a record gets; @p update: an explicit TTL becomes the "last explicit TTL". */
int zp_pick_ttl(struct zp_parser *p, const struct zp_src *s, const struct zp_tok *at,
		const struct zp_head *h, const uint8_t *rdata, size_t rdlen, bool update,
		uint32_t *ttl);
/* Grows @p *buf (capacity @p *cap) to hold @p need octets. */
int zp_reserve(struct zp_parser *p, const struct zp_src *s, const struct zp_tok *at, char **buf,
	       size_t *cap, size_t need);
/* Joins tokens [from, to) with one blank into p->text. */
int zp_join(struct zp_parser *p, const struct zp_src *s, size_t from, size_t to, size_t *len);
/* Hands one record (RDATA in p->rdata) to the callback. */
int zp_emit(struct zp_parser *p, const struct zp_src *s, const struct zp_tok *at,
	    const uint8_t *owner, const struct zp_head *h, uint32_t ttl, size_t rdlen);

/* ---- lexer.c ---- */

/* 1-based column of offset @p i on the current line, saturating. */
unsigned zp_col(const struct zp_src *s, size_t i);
/* Reads the next logical line into p->ln. @return 1: a line, 0: end of input, < 0: error */
int zp_read_line(struct zp_parser *p, struct zp_src *s);
/* After an error: skips the rest of the entry (its line, or past its closing parenthesis). */
void zp_skip_entry(struct zp_parser *p, struct zp_src *s);

/* ---- generate.c ---- */

/* $GENERATE range lhs [ttl] [class] type rhs (BIND). */
int zp_generate(struct zp_parser *p, const struct zp_src *s);

#endif /* SL_ZSCAN_INT_H */
