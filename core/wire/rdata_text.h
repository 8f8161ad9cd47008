/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Sluice core — the building blocks of the RDATA presentation format, shared
 * by the parser (rdata_parse.c) and the printer (rdata_print.c) and defined
 * in rdata_lex.c: the lexer and its error reporting, <character-string>
 * escapes, the growing wire output, numbers, times, addresses and the
 * mnemonic tables both directions read.
 *
 * Everything that parses reports through sl_lex_fail(), so a caller gets one
 * "<TYPE> <field>: <reason>" message whichever helper failed.
 */
#ifndef SL_CORE_RDATA_TEXT_H
#define SL_CORE_RDATA_TEXT_H

#include <string.h>

#include <sluice/rr.h>

#include "encoding.h"
#include "name_int.h"

/* ---- lexer --------------------------------------------------------------- */

/** The text being parsed and where to report problems. */
struct sl_lex {
	const char *p;     /**< next character */
	const char *end;   /**< end of the text */
	uint16_t type;     /**< RR type, for messages */
	const char *field; /**< field being parsed, for messages; NULL for the whole RDATA */
	char *err;         /**< message buffer, or NULL */
	size_t errsize;    /**< its size */
};

/** One blank-separated token, raw (quotes and escapes still in place). */
struct sl_tok {
	const char *s; /**< first character */
	size_t n;      /**< length */
};

/** Records "<TYPE> <field>: <reason>" and returns @p rc. */
int sl_lex_fail(struct sl_lex *lx, int rc, const char *reason);

/** Skips blanks. */
void sl_lex_skip(struct sl_lex *lx);

/**
 * Next token. A token ends at a blank outside double quotes; a backslash
 * protects the next character. @return 1 with a token, 0 at the end of the
 * text, or SL_ESYNTAX
 */
int sl_lex_next(struct sl_lex *lx, struct sl_tok *t);

/** Next token of a required field. @return SL_OK or SL_ESYNTAX ("missing") */
static inline int sl_lex_need(struct sl_lex *lx, struct sl_tok *t)
{
	int rc = sl_lex_next(lx, t);

	if (rc == 0)
		return sl_lex_fail(lx, SL_ESYNTAX, "missing");
	return rc < 0 ? rc : SL_OK;
}

/** The rest of the text, blanks trimmed at both ends; consumes it. */
struct sl_tok sl_lex_rest(struct sl_lex *lx);

/* ---- <character-string> escapes ----------------------------------------- */

/** Iterates the octets a <character-string> token stands for. */
struct sl_citer {
	const char *p;   /**< next character */
	const char *end; /**< end of the token */
};

/**
 * Next octet; unescaped quotes are delimiters and yield nothing.
 * @return 1 with *@p c, 0 at the end, or SL_ESYNTAX on a bad escape
 */
int sl_citer_next(struct sl_citer *it, uint8_t *c);

/**
 * Decodes a <character-string> token into @p out.
 * @return SL_OK, SL_ESYNTAX (bad escape) or SL_ESPACE (more than @p cap octets)
 */
int sl_unescape(const char *s, size_t n, uint8_t *out, size_t cap, size_t *outlen);

/* ---- wire output --------------------------------------------------------- */

/** Wire output under construction. */
struct sl_wbuf {
	uint8_t *p;   /**< output */
	size_t cap;   /**< min(outcap, 65535) */
	size_t len;   /**< octets written */
	bool limited; /**< cap is the RDATA limit rather than the caller's buffer */
};

/** Reports that @p w is full. @return SL_ELIMIT (RDATA limit) or SL_ESPACE */
int sl_wb_full(struct sl_lex *lx, const struct sl_wbuf *w);

/** Appends @p n octets. @return SL_OK or what sl_wb_full() returns */
static inline int sl_wb_put(struct sl_lex *lx, struct sl_wbuf *w, const void *p, size_t n)
{
	if (n > w->cap - w->len)
		return sl_wb_full(lx, w);
	memcpy(w->p + w->len, p, n);
	w->len += n;
	return SL_OK;
}

/** Appends a 16-bit value, big-endian. */
static inline int sl_wb_put16(struct sl_lex *lx, struct sl_wbuf *w, uint16_t v)
{
	uint8_t b[2];

	sl_write_u16(b, v);
	return sl_wb_put(lx, w, b, 2);
}

/** Appends @p n zero octets. */
int sl_wb_zero(struct sl_lex *lx, struct sl_wbuf *w, size_t n);

/** Appends the octets of <character-string> token s[0..n). @return SL_OK, SL_ESYNTAX or full */
int sl_wb_unescape(struct sl_lex *lx, struct sl_wbuf *w, const char *s, size_t n);

/** A decoder of encoding.h (base64, base32hex, hex). */
typedef int (*sl_decode_f)(const char *in, size_t len, uint8_t *out, size_t outcap,
			   size_t *outlen);

/** Decodes text straight into the output; @p what is the message for bad input. */
int sl_wb_decode(struct sl_lex *lx, struct sl_wbuf *w, sl_decode_f fn, const char *s, size_t n,
		 size_t *outlen, const char *what);

/* ---- numbers, times, addresses ------------------------------------------ */

/** Plain decimal: digits only, at most @p max (< 2^48). @return SL_OK or SL_ESYNTAX */
int sl_lex_uint(struct sl_lex *lx, const char *s, size_t n, uint64_t max, uint64_t *v);

/** A 32-bit duration: seconds or BIND units ("1h30m"). @return SL_OK or SL_ESYNTAX */
int sl_lex_ttl(struct sl_lex *lx, const char *s, size_t n, uint64_t *v);

/** RRSIG times: YYYYMMDDHHmmSS or seconds since the epoch. @return SL_OK or SL_ESYNTAX */
int sl_lex_time(struct sl_lex *lx, const char *s, size_t n, uint64_t *v);

/** inet_pton() of @p af on a token (never quoted or escaped). */
bool sl_text_addr(int af, const char *s, size_t n, uint8_t *out);

/** The civil date (proleptic Gregorian, UTC) of day @p z since 1970-01-01. */
void sl_civil_from_days(int64_t z, unsigned *y, unsigned *m, unsigned *d);

/* ---- mnemonics ----------------------------------------------------------- */

/** The tables of codes that print as mnemonics. */
enum sl_mnem_table {
	SL_MNEM_RCODE,    /**< TSIG errors (RFC 8945 §4.2, RFC 6895 §2.3) */
	SL_MNEM_CERT,     /**< CERT types (RFC 4398 §2.1) */
	SL_MNEM_ALG,      /**< DNSSEC algorithms as BIND names them */
	SL_MNEM_SERVICE,  /**< well-known services for WKS (parsed, never printed) */
	SL_MNEM_PROTO,    /**< WKS protocols "tcp" and "udp" (parsed, never printed) */
};

/** The mnemonic of @p code in @p table, or NULL. */
const char *sl_mnem_name(enum sl_mnem_table table, uint16_t code);

/** Looks up s[0..n) in @p table, ignoring case. @return true with *@p code */
bool sl_mnem_code(enum sl_mnem_table table, const char *s, size_t n, uint16_t *code);

#endif /* SL_CORE_RDATA_TEXT_H */
