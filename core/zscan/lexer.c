/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Zone master-file parser: the tokeniser. Splits a source buffer into
 * logical lines of tokens (offset, length) — parentheses joined across
 * lines, comments dropped, quoting and escapes checked once here, so every
 * later consumer sees sound escapes and errors point at their octet.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "name_int.h"
#include "zscan_int.h"

/* Octet classes for the tokeniser. */
enum { ZC_ORD = 0, ZC_BLANK, ZC_NL, ZC_SEMI, ZC_LPAR, ZC_RPAR, ZC_QUOTE, ZC_BSL };

/* clang-format off */
static const uint8_t zp_cls[256] = {
	[' '] = ZC_BLANK, ['\t'] = ZC_BLANK, ['\r'] = ZC_BLANK, ['\n'] = ZC_NL,
	[';'] = ZC_SEMI,  ['('] = ZC_LPAR,   [')'] = ZC_RPAR,   ['"'] = ZC_QUOTE,
	['\\'] = ZC_BSL,
};
/* clang-format on */

/* ---- tokeniser ---------------------------------------------------------------- */

/* 1-based column of offset @p i on the current line, saturating. */
unsigned zp_col(const struct zp_src *s, size_t i)
{
	size_t c = i - s->line_start + 1;

	return c > UINT_MAX ? UINT_MAX : (unsigned)c;
}

static void zp_newline(struct zp_src *s, size_t next)
{
	if (s->line < UINT_MAX)
		s->line++;
	s->line_start = next;
}

/*
 * Steps over the escape at b[*pi] == '\\'. "\DDD" needs exactly three
 * digits worth at most 255 (RFC 1035 §5.1); "\X" protects any other octet
 * but a line end. Checked here once, so every later consumer sees sound
 * escapes and errors point at the backslash.
 */
static int zp_escape(struct zp_parser *p, struct zp_src *s, size_t *pi)
{
	const char *b = s->buf;
	size_t i = *pi, n = s->len;
	uint8_t octet;
	size_t used;

	if (i + 1 >= n || b[i + 1] == '\n' ||
	    (b[i + 1] == '\r' && (i + 2 >= n || b[i + 2] == '\n')))
		return zp_fail_at(p, s, s->line, zp_col(s, i), SL_ESYNTAX,
				  "bad escape: backslash at end of line");
	/* The wire layer's decoder, so the parser and the codec agree on every escape. */
	used = sl_text_escape(b + i + 1, n - i - 1, &octet);
	if (used > 0) {
		*pi = i + 1 + used;
		return SL_OK;
	}
	if (i + 3 >= n || !sl_is_digit(b[i + 2]) || !sl_is_digit(b[i + 3]))
		return zp_fail_at(p, s, s->line, zp_col(s, i), SL_ESYNTAX,
				  "bad escape: \\DDD needs three decimal digits");
	return zp_fail_at(p, s, s->line, zp_col(s, i), SL_ESYNTAX,
			  "bad escape: \\%c%c%c is above 255", b[i + 1], b[i + 2], b[i + 3]);
}

static int zp_push_tok(struct zp_parser *p, struct zp_src *s, size_t start, size_t end,
		       unsigned line, unsigned col)
{
	struct zp_line *ln = &p->ln;
	struct zp_tok *t;

	if (end - start > SL_ZSCAN_MAX_TOKEN)
		return zp_fail_at(p, s, line, col, SL_ELIMIT, "token longer than %u octets",
				  SL_ZSCAN_MAX_TOKEN);
	if (ln->n == ln->cap) {
		size_t cap = sl_grow_cap(ln->cap, ln->n + 1, sizeof(struct zp_tok), 64);
		struct zp_tok *nt;

		if (ln->n >= SL_ZSCAN_MAX_TOKENS)
			return zp_fail_at(p, s, line, col, SL_ELIMIT,
					  "more than %u tokens in one record", SL_ZSCAN_MAX_TOKENS);
		nt = cap ? realloc(ln->tok, cap * sizeof(*nt)) : NULL;
		if (!nt)
			return zp_fail_at(p, s, line, col, SL_ENOMEM, "out of memory");
		ln->tok = nt;
		ln->cap = cap;
	}
	/* Tokens that touch (a quoted string followed by text) must stay apart. */
	if (ln->n && ln->tok[ln->n - 1].off + ln->tok[ln->n - 1].len == start)
		ln->joined = true;
	ln->textlen += (ln->n ? 1 : 0) + (end - start);
	if (ln->textlen > SL_ZSCAN_MAX_LINE)
		return zp_fail_at(p, s, line, col, SL_ELIMIT, "record longer than %u octets",
				  SL_ZSCAN_MAX_LINE);
	t = &ln->tok[ln->n++];
	t->off = start;
	t->len = end - start;
	t->line = line;
	t->col = col;
	return SL_OK;
}

/*
 * Scans one token starting at s->pos (not a blank, newline, ';' or
 * parenthesis). A token that starts with '"' ends at its closing quote, as in
 * BIND ("a""b" is two strings); elsewhere a quote toggles quoting inside the
 * token, so that SvcParams such as alpn="h2,h3" stay whole. Quoted text may
 * hold blanks, ';' and parentheses, but not a line end.
 */
static int zp_scan_tok(struct zp_parser *p, struct zp_src *s)
{
	const char *b = s->buf;
	size_t n = s->len, i = s->pos, start = i;
	unsigned line = s->line, col = zp_col(s, i);
	size_t qpos = i;
	bool quoted = false;
	int rc;

	if (b[i] == '"') {
		for (i++;;) {
			if (i == n || b[i] == '\n')
				return zp_fail_at(p, s, line, col, SL_ESYNTAX,
						  "unterminated quoted string");
			if (b[i] == '\\') {
				rc = zp_escape(p, s, &i);
				if (rc != SL_OK)
					return rc;
			} else if (b[i++] == '"') {
				break;
			}
		}
	} else {
		while (i < n) {
			uint8_t c = zp_cls[(uint8_t)b[i]];

			if (c == ZC_ORD) {
				i++;
			} else if (c == ZC_BSL) {
				rc = zp_escape(p, s, &i);
				if (rc != SL_OK)
					return rc;
			} else if (c == ZC_QUOTE) {
				if (!quoted)
					qpos = i;
				quoted = !quoted;
				i++;
			} else if (quoted && c != ZC_NL) {
				i++;
			} else {
				break;
			}
		}
		if (quoted)
			return zp_fail_at(p, s, line, zp_col(s, qpos), SL_ESYNTAX,
					  "unterminated quoted string");
	}
	s->pos = i;
	return zp_push_tok(p, s, start, i, line, col);
}

/*
 * Reads the next logical line into p->ln.
 * @return 1 with a line, 0 at the end of the source, or an error code
 */
int zp_read_line(struct zp_parser *p, struct zp_src *s)
{
	struct zp_line *ln = &p->ln;
	const char *b = s->buf;
	size_t n = s->len;
	size_t *depth = &ln->depth;   /* open parentheses */
	unsigned pline = 0, pcol = 0; /* where the outermost one opened */
	bool started = false;	      /* the line's first token or '(' was seen */
	int rc;

	ln->n = 0;
	ln->owner = false;
	ln->joined = false;
	ln->textlen = 0;
	*depth = 0;
	for (;;) {
		size_t i = s->pos;

		while (i < n && zp_cls[(uint8_t)b[i]] == ZC_BLANK)
			i++;
		s->pos = i;
		if (i == n) {
			if (*depth)
				return zp_fail_at(p, s, pline, pcol, SL_ESYNTAX,
						  "unbalanced parenthesis: '(' is never closed");
			return ln->n > 0;
		}
		switch (zp_cls[(uint8_t)b[i]]) {
		case ZC_NL:
			s->pos = i + 1;
			zp_newline(s, i + 1);
			if (*depth == 0 && ln->n > 0)
				return 1;
			break;
		case ZC_SEMI: {
			const char *e = memchr(b + i, '\n', n - i);

			s->pos = e ? (size_t)(e - b) : n;
			break;
		}
		case ZC_LPAR:
			if (!started) {
				/* RFC 1035 §5.1: a blank in column 1 means "same owner". */
				ln->owner = i == s->line_start;
				started = true;
			}
			if (*depth == 0) {
				pline = s->line;
				pcol = zp_col(s, i);
			}
			(*depth)++;
			ln->joined = true;
			s->pos = i + 1;
			break;
		case ZC_RPAR:
			if (*depth == 0)
				return zp_fail_at(p, s, s->line, zp_col(s, i), SL_ESYNTAX,
						  "unbalanced parenthesis: ')' without '('");
			(*depth)--;
			s->pos = i + 1;
			break;
		default:
			if (!started) {
				ln->owner = i == s->line_start;
				started = true;
			}
			rc = zp_scan_tok(p, s);
			if (rc != SL_OK)
				return rc;
			break;
		}
	}
}

/*
 * After the tokeniser stopped at an error (s->pos at the token or ')' it
 * failed on), skips the rest of the entry: up to the line end outside
 * parentheses. Quotes end at a line end, escapes are stepped over without
 * being checked, and comments skipped, so that a ';' or parenthesis inside
 * them does not count.
 */
void zp_skip_entry(struct zp_parser *p, struct zp_src *s)
{
	const char *b = s->buf;
	size_t n = s->len, i = s->pos, depth = p->ln.depth;
	bool quoted = false;

	while (i < n) {
		char c = b[i];

		if (c == '\n') {
			zp_newline(s, ++i);
			quoted = false;
			if (depth == 0)
				break;
		} else if (c == '\\') {
			i += i + 1 < n && b[i + 1] != '\n' ? 2 : 1;
		} else if (c == '"') {
			quoted = !quoted;
			i++;
		} else if (quoted) {
			i++;
		} else if (c == ';') {
			const char *e = memchr(b + i, '\n', n - i);

			i = e ? (size_t)(e - b) : n;
		} else {
			if (c == '(')
				depth++;
			else if (c == ')' && depth)
				depth--;
			i++;
		}
	}
	s->pos = i;
}
