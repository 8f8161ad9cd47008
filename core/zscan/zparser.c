/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Zone master-file parser: the file layer of RFC 1035 §5 (see zparser.h
 * for the semantics). Names go to sl_name_from_text() and RDATA text to
 * sl_rdata_from_text(); this file never interprets either itself.
 *
 * Design, for speed on large zones and safety on hostile ones:
 *  - each file is read into memory in one go and scanned once for NUL
 *    bytes, so the tokeniser can treat every octet as text;
 *  - tokens are (offset, length) pairs into that buffer, collected per
 *    logical line into one array that is reused (no per-token allocation);
 *  - a record written on one line without parentheses hands its RDATA to
 *    the codec as a slice of the buffer; only parenthesised records are
 *    joined into a scratch buffer first;
 *  - every index is checked against the buffer's length, and every count
 *    and length has a cap (ZP_MAX_TOKEN, ZP_MAX_LINE, ZP_MAX_TOKENS, the
 *    include depth, the record and $GENERATE limits).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sluice/name.h>
#include <sluice/rr.h>

#include <sluice/zscan.h>

/* Longest $INCLUDE path we build. */
#define ZP_PATH_MAX 4096
/* Longest generated owner text: every octet of a 255-octet name as \DDD, and more. */
#define ZP_GEN_NAME_MAX 2048
/* RDATA errors are pinned to a token by re-parsing prefixes, for lines up to this many tokens. */
#define ZP_BLAME_MAX_TOKENS 64
/*
 * Octets of RDATA text all those re-parses of one parse may cost: what the
 * worst single error needs (64 prefixes of a longest line), so the first
 * error is always placed exactly and many errors cost no more than that.
 */
#define ZP_BLAME_BUDGET ((uint64_t)ZP_BLAME_MAX_TOKENS * ZP_MAX_LINE)
/* Width limit of a $GENERATE modifier (BIND formats into a 128-octet buffer). */
#define ZP_GEN_WIDTH_MAX 127
/*
 * Bounds on what one $GENERATE line may expand to: each RDATA text, and all
 * of them together, so that a short hostile line cannot cost minutes.
 */
#define ZP_GEN_TEXT_MAX	 (64u * 1024u)
#define ZP_GEN_TOTAL_MAX (16u * 1024u * 1024u)

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
	zp_options_t o;
	zp_record_f cb;
	void *arg;
	zp_error_t *err;
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

/* Octet classes for the tokeniser. */
enum { ZC_ORD = 0, ZC_BLANK, ZC_NL, ZC_SEMI, ZC_LPAR, ZC_RPAR, ZC_QUOTE, ZC_BSL };

/* clang-format off */
static const uint8_t zp_cls[256] = {
	[' '] = ZC_BLANK, ['\t'] = ZC_BLANK, ['\r'] = ZC_BLANK, ['\n'] = ZC_NL,
	[';'] = ZC_SEMI,  ['('] = ZC_LPAR,   [')'] = ZC_RPAR,   ['"'] = ZC_QUOTE,
	['\\'] = ZC_BSL,
};
/* clang-format on */

static const uint8_t zp_root[1] = {0};

static bool zp_isdigit(char c)
{
	return c >= '0' && c <= '9';
}

/* ---- errors ------------------------------------------------------------------ */

/* Copies @p name into @p dst, keeping its tail when it does not fit (the file name). */
static void zp_copy_tail(char *dst, size_t cap, const char *name)
{
	size_t n = strlen(name);

	if (n < cap) {
		memcpy(dst, name, n + 1);
		return;
	}
	memcpy(dst, "...", 3);
	memcpy(dst + 3, name + n - (cap - 4), cap - 4);
	dst[cap - 1] = '\0';
}

static int zp_vfail(struct zp_parser *p, const char *file, unsigned line, unsigned col, int rc,
		    const char *fmt, va_list ap) SL_PRINTF(6, 0);

/*
 * Records an error: the first goes to p->err, each to on_error. Running out
 * of memory ends parsing even when errors do not.
 */
static int zp_vfail(struct zp_parser *p, const char *file, unsigned line, unsigned col, int rc,
		    const char *fmt, va_list ap)
{
	zp_error_t e;

	if (!p->err && !p->o.on_error) {
		p->nerrors += p->nerrors < UINT_MAX;
		if (p->nerrors == 1)
			p->first_rc = rc;
		return rc;
	}
	zp_copy_tail(e.file, sizeof(e.file), file);
	e.line = line;
	e.column = col;
	vsnprintf(e.msg, sizeof(e.msg), fmt, ap);
	p->nerrors += p->nerrors < UINT_MAX;
	e.count = p->nerrors;
	if (p->nerrors == 1) {
		p->first_rc = rc;
		if (p->err)
			*p->err = e;
	} else if (p->err) {
		p->err->count = p->nerrors;
	}
	if (rc == SL_ENOMEM)
		p->fatal = true;
	if (p->o.on_error)
		p->o.on_error(p->o.error_arg, &e);
	return rc;
}

/* After an error: whether parsing goes on with the next entry. */
static bool zp_go_on(const struct zp_parser *p)
{
	return p->o.on_error && !p->fatal;
}

static int zp_fail_at(struct zp_parser *p, const struct zp_src *s, unsigned line, unsigned col,
		      int rc, const char *fmt, ...) SL_PRINTF(6, 7);

/* Records an error at @p line:@p col (see zp_vfail()) and returns @p rc. */
static int zp_fail_at(struct zp_parser *p, const struct zp_src *s, unsigned line, unsigned col,
		      int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rc = zp_vfail(p, s->name, line, col, rc, fmt, ap);
	va_end(ap);
	return rc;
}

static int zp_fail(struct zp_parser *p, const struct zp_src *s, const struct zp_tok *t, int rc,
		   const char *fmt, ...) SL_PRINTF(5, 6);

/* As zp_fail_at(), placed at token @p t. */
static int zp_fail(struct zp_parser *p, const struct zp_src *s, const struct zp_tok *t, int rc,
		   const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rc = zp_vfail(p, s->name, t->line, t->col, rc, fmt, ap);
	va_end(ap);
	return rc;
}

/* Prints at most 40 octets of @p len at @p str for a message, control and 8-bit octets as '?'. */
static const char *zp_show_text(const char *str, size_t len, char *buf, size_t cap)
{
	size_t n = len, o = 0;
	bool cut = false;

	if (n > 40 || n > cap - 4) {
		n = cap - 4 < 40 ? cap - 4 : 40;
		cut = true;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)str[i];

		buf[o++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	if (cut) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

static const char *zp_show(const struct zp_src *s, const struct zp_tok *t, char *buf, size_t cap)
{
	return zp_show_text(s->buf + t->off, t->len, buf, cap);
}

static const char *zp_type_name(uint16_t type, char *buf, size_t cap)
{
	if (sl_rrtype_to_text(type, buf, cap) < 0)
		snprintf(buf, cap, "TYPE%u", (unsigned)type);
	return buf;
}

static const char *zp_class_name(uint16_t rclass, char *buf, size_t cap)
{
	if (sl_rrclass_to_text(rclass, buf, cap) < 0)
		snprintf(buf, cap, "CLASS%u", (unsigned)rclass);
	return buf;
}

/* ---- tokeniser ---------------------------------------------------------------- */

/* 1-based column of offset @p i on the current line, saturating. */
static unsigned zp_col(const struct zp_src *s, size_t i)
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
	unsigned v;

	if (i + 1 >= n || b[i + 1] == '\n' ||
	    (b[i + 1] == '\r' && (i + 2 >= n || b[i + 2] == '\n')))
		return zp_fail_at(p, s, s->line, zp_col(s, i), SL_ESYNTAX,
				  "bad escape: backslash at end of line");
	if (!zp_isdigit(b[i + 1])) {
		*pi = i + 2;
		return SL_OK;
	}
	if (i + 3 >= n || !zp_isdigit(b[i + 2]) || !zp_isdigit(b[i + 3]))
		return zp_fail_at(p, s, s->line, zp_col(s, i), SL_ESYNTAX,
				  "bad escape: \\DDD needs three decimal digits");
	v = (unsigned)(b[i + 1] - '0') * 100 + (unsigned)(b[i + 2] - '0') * 10 +
	    (unsigned)(b[i + 3] - '0');
	if (v > 255)
		return zp_fail_at(p, s, s->line, zp_col(s, i), SL_ESYNTAX,
				  "bad escape: \\%c%c%c is above 255", b[i + 1], b[i + 2],
				  b[i + 3]);
	*pi = i + 4;
	return SL_OK;
}

static int zp_push_tok(struct zp_parser *p, struct zp_src *s, size_t start, size_t end,
		       unsigned line, unsigned col)
{
	struct zp_line *ln = &p->ln;
	struct zp_tok *t;

	if (end - start > ZP_MAX_TOKEN)
		return zp_fail_at(p, s, line, col, SL_ELIMIT, "token longer than %u octets",
				  ZP_MAX_TOKEN);
	if (ln->n == ln->cap) {
		size_t cap = ln->cap ? ln->cap * 2 : 64;
		struct zp_tok *nt;

		if (ln->n >= ZP_MAX_TOKENS)
			return zp_fail_at(p, s, line, col, SL_ELIMIT,
					  "more than %u tokens in one record", ZP_MAX_TOKENS);
		nt = realloc(ln->tok, cap * sizeof(*nt));
		if (!nt)
			return zp_fail_at(p, s, line, col, SL_ENOMEM, "out of memory");
		ln->tok = nt;
		ln->cap = cap;
	}
	/* Tokens that touch (a quoted string followed by text) must stay apart. */
	if (ln->n && ln->tok[ln->n - 1].off + ln->tok[ln->n - 1].len == start)
		ln->joined = true;
	ln->textlen += (ln->n ? 1 : 0) + (end - start);
	if (ln->textlen > ZP_MAX_LINE)
		return zp_fail_at(p, s, line, col, SL_ELIMIT, "record longer than %u octets",
				  ZP_MAX_LINE);
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
static int zp_read_line(struct zp_parser *p, struct zp_src *s)
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
static void zp_skip_entry(struct zp_parser *p, struct zp_src *s)
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

/* ---- fields ------------------------------------------------------------------- */

/* A TTL: seconds or BIND units (sl_ttl_from_text()), at most ZP_MAX_TTL (RFC 2181 §8). */
static int zp_ttl(struct zp_parser *p, const struct zp_src *s, const struct zp_tok *t,
		  uint32_t *ttl)
{
	char show[48];
	int r = sl_ttl_from_text(s->buf + t->off, t->len, ZP_MAX_TTL, ttl);

	if (r == SL_ELIMIT)
		return zp_fail(p, s, t, SL_ESYNTAX, "TTL %s out of range (maximum %u)",
			       zp_show(s, t, show, sizeof(show)), ZP_MAX_TTL);
	if (r < 0)
		return zp_fail(p, s, t, SL_ESYNTAX, "bad TTL %s",
			       zp_show(s, t, show, sizeof(show)));
	return SL_OK;
}

/* sl_rrtype_from_text() or sl_rrclass_from_text() through @p m. @return SL_OK or SL_ESYNTAX */
static int zp_lookup(struct zp_memo *m, int (*fn)(const char *, size_t, uint16_t *),
		     const char *str, size_t len, uint16_t *val)
{
	unsigned k;
	int rc;

	if (len == 0 || len > sizeof(m->e[0].txt))
		return fn(str, len, val);
	for (k = 0; k < ZP_MEMO_SIZE; k++) {
		if (m->e[k].len == len && memcmp(m->e[k].txt, str, len) == 0) {
			*val = m->e[k].val;
			return m->e[k].ok ? SL_OK : SL_ESYNTAX;
		}
	}
	rc = fn(str, len, val);
	k = m->next++ % ZP_MEMO_SIZE;
	m->e[k].len = (uint8_t)len;
	m->e[k].ok = rc == SL_OK;
	m->e[k].val = rc == SL_OK ? *val : 0;
	memcpy(m->e[k].txt, str, len);
	return rc;
}

/* A name in text at @p str; @p what says which name for messages ("owner", "$ORIGIN"). */
static int zp_name_text(struct zp_parser *p, const struct zp_src *s, const struct zp_tok *t,
			const char *str, size_t len, const char *what, uint8_t *out)
{
	char show[48];
	size_t n;
	int rc;

	if (len && str[0] == '"')
		return zp_fail(p, s, t, SL_ESYNTAX, "%s: a quoted string is not a name", what);
	rc = sl_name_from_text(str, len, p->has_origin ? p->origin : NULL, out, &n);
	if (rc == SL_OK)
		return SL_OK;
	zp_show_text(str, len, show, sizeof(show));
	if (rc == SL_ELIMIT)
		return zp_fail(p, s, t, SL_ESYNTAX,
			       "%s name %s too long (labels hold at most 63 octets, names 255)",
			       what, show);
	/* The same text parsing against the root means it was only lacking an origin. */
	if (!p->has_origin && sl_name_from_text(str, len, zp_root, out, &n) == SL_OK)
		return zp_fail(p, s, t, SL_ESYNTAX, "relative name %s but no $ORIGIN", show);
	return zp_fail(p, s, t, SL_ESYNTAX, "bad %s name %s", what, show);
}

static int zp_name(struct zp_parser *p, const struct zp_src *s, const struct zp_tok *t,
		   const char *what, uint8_t *out)
{
	return zp_name_text(p, s, t, s->buf + t->off, t->len, what, out);
}

/* Owner-less part of a record: [TTL] [class] type, in either order. */
struct zp_head {
	bool has_ttl;
	uint32_t ttl;
	uint16_t type;
	size_t type_idx; /* token index of the type */
};

static int zp_head(struct zp_parser *p, const struct zp_src *s, size_t i, struct zp_head *h)
{
	const struct zp_tok *t = p->ln.tok;
	size_t n = p->ln.n;
	bool has_class = false;
	char show[48], show2[48], cname[24], zname[24];
	uint16_t rclass, next;
	int rc;

	h->has_ttl = false;
	for (;; i++) {
		const char *str;

		if (i == n) {
			struct zp_tok end = t[n - 1];

			/* Point just past the last token, where the type should be. */
			if (end.len < UINT_MAX - end.col)
				end.col += (unsigned)end.len;
			return zp_fail(p, s, &end, SL_ESYNTAX, "missing RR type");
		}
		str = s->buf + t[i].off;
		if (str[0] == '"')
			return zp_fail(p, s, &t[i], SL_ESYNTAX,
				       "unexpected quoted string, expected a TTL, class or type");
		if (zp_isdigit(str[0])) {
			if (h->has_ttl)
				return zp_fail(p, s, &t[i], SL_ESYNTAX, "unexpected second TTL %s",
					       zp_show(s, &t[i], show, sizeof(show)));
			rc = zp_ttl(p, s, &t[i], &h->ttl);
			if (rc != SL_OK)
				return rc;
			h->has_ttl = true;
			continue;
		}
		if (!has_class &&
		    zp_lookup(&p->classes, sl_rrclass_from_text, str, t[i].len, &rclass) == SL_OK) {
			if (rclass != p->o.rclass)
				return zp_fail(p, s, &t[i], SL_ESYNTAX,
					       "class %s does not match the zone's class %s",
					       zp_class_name(rclass, cname, sizeof(cname)),
					       zp_class_name(p->o.rclass, zname, sizeof(zname)));
			has_class = true;
			continue;
		}
		break;
	}
	if (zp_lookup(&p->types, sl_rrtype_from_text, s->buf + t[i].off, t[i].len, &h->type) !=
	    SL_OK) {
		/* A word before a valid type stands where the class goes. */
		if (!has_class && i + 1 < n &&
		    sl_rrtype_from_text(s->buf + t[i + 1].off, t[i + 1].len, &next) == SL_OK)
			return zp_fail(p, s, &t[i], SL_ESYNTAX, "unknown class %s",
				       zp_show(s, &t[i], show, sizeof(show)));
		return zp_fail(p, s, &t[i], SL_ESYNTAX, "unknown type %s",
			       zp_show(s, &t[i], show, sizeof(show)));
	}
	if (sl_rrtype_is_meta(h->type))
		return zp_fail(p, s, &t[i], SL_ESYNTAX,
			       "type %s is a meta or query type, not zone data",
			       zp_show(s, &t[i], show2, sizeof(show2)));
	h->type_idx = i;
	return SL_OK;
}

/*
 * The TTL a record gets (see zparser.h). @p update: an explicit TTL becomes
 * the "last explicit TTL"; $GENERATE lines do not change the state.
 */
static int zp_pick_ttl(struct zp_parser *p, const struct zp_src *s, const struct zp_tok *at,
		       const struct zp_head *h, const uint8_t *rdata, size_t rdlen, bool update,
		       uint32_t *ttl)
{
	if (h->has_ttl) {
		*ttl = h->ttl;
		if (update) {
			p->last_ttl = h->ttl;
			p->last_known = true;
		}
	} else if (p->dflt_known) {
		*ttl = p->dflt_ttl;
	} else if (p->last_known) {
		*ttl = p->last_ttl;
	} else if (h->type == SL_TYPE_SOA && rdlen >= 20) {
		/* No $TTL and no TTL yet: the SOA's MINIMUM, as BIND does (RFC 2308 §4). */
		const uint8_t *m = rdata + rdlen - 4;
		uint32_t v =
		    (uint32_t)m[0] << 24 | (uint32_t)m[1] << 16 | (uint32_t)m[2] << 8 | m[3];

		if (v > ZP_MAX_TTL)
			return zp_fail(p, s, at, SL_ESYNTAX,
				       "no TTL given and SOA MINIMUM %u is out of range for one",
				       v);
		*ttl = v;
		if (update) {
			p->dflt_ttl = v;
			p->dflt_known = true;
		}
	} else {
		*ttl = p->o.default_ttl;
	}
	return SL_OK;
}

/* ---- RDATA ---------------------------------------------------------------------- */

static int zp_reserve(struct zp_parser *p, const struct zp_src *s, const struct zp_tok *at,
		      char **buf, size_t *cap, size_t need)
{
	char *nb;
	size_t ncap;

	if (need <= *cap)
		return SL_OK;
	ncap = *cap ? *cap : 4096;
	while (ncap < need)
		ncap *= 2;
	nb = realloc(*buf, ncap);
	if (!nb)
		return zp_fail(p, s, at, SL_ENOMEM, "out of memory");
	*buf = nb;
	*cap = ncap;
	return SL_OK;
}

/* Joins tokens [from, to) with one blank into p->text. */
static int zp_join(struct zp_parser *p, const struct zp_src *s, size_t from, size_t to, size_t *len)
{
	const struct zp_tok *t = p->ln.tok;
	size_t o = 0;
	int rc = zp_reserve(p, s, &t[from], &p->text, &p->textcap, p->ln.textlen + 1);

	if (rc != SL_OK)
		return rc;
	for (size_t k = from; k < to; k++) {
		if (k > from)
			p->text[o++] = ' ';
		memcpy(p->text + o, s->buf + t[k].off, t[k].len);
		o += t[k].len;
	}
	*len = o;
	return SL_OK;
}

/* The codec's message ends in ": missing" when a required field had no token. */
static bool zp_err_missing(const char *msg)
{
	size_t n = strlen(msg);

	return n >= 9 && memcmp(msg + n - 9, ": missing", 9) == 0;
}

/*
 * Finds the RDATA token an error belongs to. The codec gives no position, so
 * this re-parses growing prefixes of the RDATA tokens: the error belongs to
 * the last token of the shortest prefix that fails with the same message
 * (or, failing that, the first prefix that fails other than by running out of
 * fields). It runs only on the error path and only for short records, so
 * hostile input cannot make it costly.
 */
static size_t zp_blame(struct zp_parser *p, const struct zp_src *s, uint16_t type, size_t from)
{
	size_t n = p->ln.n, len, rdlen, first = SIZE_MAX;
	char err[sizeof(p->rderr)];

	uint64_t cost = (uint64_t)(n - from) * p->ln.textlen;

	if (n - from > ZP_BLAME_MAX_TOKENS || cost > p->blame_left)
		return from;
	p->blame_left -= cost;
	for (size_t k = from + 1; k <= n; k++) {
		if (zp_join(p, s, from, k, &len) != SL_OK)
			return from;
		if (sl_rdata_from_text(type, p->text, len, p->has_origin ? p->origin : NULL,
				       p->rdata, sizeof(p->rdata), &rdlen, err,
				       sizeof(err)) == SL_OK ||
		    zp_err_missing(err))
			continue;
		if (strcmp(err, p->rderr) == 0)
			return k - 1;
		if (first == SIZE_MAX)
			first = k - 1;
	}
	return first != SIZE_MAX ? first : n - 1;
}

/*
 * Parses RDATA tokens [from, n) of the current line into p->rdata.
 * @p typetok is blamed when there is no RDATA at all.
 */
static int zp_rdata(struct zp_parser *p, const struct zp_src *s, uint16_t type, size_t from,
		    const struct zp_tok *typetok, size_t *rdlen)
{
	const struct zp_tok *t = p->ln.tok;
	size_t n = p->ln.n, len = 0;
	const char *text = "";
	char tname[24];
	int rc;

	if (from < n) {
		if (!p->ln.joined) {
			/* Blanks only between the tokens: the source text is the RDATA text. */
			text = s->buf + t[from].off;
			len = t[n - 1].off + t[n - 1].len - t[from].off;
		} else {
			rc = zp_join(p, s, from, n, &len);
			if (rc != SL_OK)
				return rc;
			text = p->text;
		}
	}
	rc = sl_rdata_from_text(type, text, len, p->has_origin ? p->origin : NULL, p->rdata,
				sizeof(p->rdata), rdlen, p->rderr, sizeof(p->rderr));
	if (rc == SL_OK)
		return SL_OK;
	zp_type_name(type, tname, sizeof(tname));
	if (from == n)
		return zp_fail(p, s, typetok, SL_ESYNTAX, "missing RDATA for %s", tname);
	if (!p->rderr[0])
		snprintf(p->rderr, sizeof(p->rderr), "%s: %s", tname, sl_strerror(rc));
	return zp_fail(p, s, &t[zp_blame(p, s, type, from)],
		       rc == SL_ELIMIT ? SL_ELIMIT : SL_ESYNTAX, "%s", p->rderr);
}

/* Hands one record to the callback. */
static int zp_emit(struct zp_parser *p, const struct zp_src *s, const struct zp_tok *at,
		   const uint8_t *owner, const struct zp_head *h, uint32_t ttl, size_t rdlen)
{
	zp_record_t rr;
	int rc;

	if (p->o.max_records && p->nrecords >= p->o.max_records) {
		p->fatal = true; /* every record after it would fail the same way */
		return zp_fail(p, s, at, SL_ELIMIT, "more than %llu records",
			       (unsigned long long)p->o.max_records);
	}
	p->nrecords++;
	rr.owner = owner;
	rr.type = h->type;
	rr.rclass = p->o.rclass;
	rr.ttl = ttl;
	rr.rdata = p->rdata;
	rr.rdlen = (uint16_t)rdlen;
	rr.file = s->name;
	rr.line = at->line;
	rr.column = at->col;
	rc = p->cb(p->arg, &rr);
	if (rc != 0)
		p->fatal = true; /* the callback asked to stop */
	if (rc < 0)
		return zp_fail(p, s, at, rc, "record rejected (%s)", sl_strerror(rc));
	if (rc > 0)
		return zp_fail(p, s, at, rc, "record rejected");
	return SL_OK;
}

/* A record line: [owner] [TTL] [class] type RDATA. */
static int zp_record(struct zp_parser *p, const struct zp_src *s)
{
	const struct zp_tok *t = p->ln.tok;
	struct zp_head h;
	size_t i = 0, rdlen;
	uint32_t ttl;
	uint8_t owner[SL_NAME_MAXLEN];
	int rc;

	if (p->ln.owner) {
		/* Parsed aside: a bad owner leaves the previous one for the lines after it. */
		rc = zp_name(p, s, &t[0], "owner", owner);
		if (rc != SL_OK)
			return rc;
		memcpy(p->owner, owner, sl_name_len(owner));
		p->has_owner = true;
		i = 1;
	} else if (!p->has_owner) {
		return zp_fail(
		    p, s, &t[0], SL_ESYNTAX,
		    "no owner name: the line starts with a blank but no record came before");
	}
	rc = zp_head(p, s, i, &h);
	if (rc == SL_OK)
		rc = zp_rdata(p, s, h.type, h.type_idx + 1, &t[h.type_idx], &rdlen);
	if (rc == SL_OK)
		rc = zp_pick_ttl(p, s, &t[0], &h, p->rdata, rdlen, true, &ttl);
	if (rc == SL_OK)
		rc = zp_emit(p, s, &t[0], p->owner, &h, ttl, rdlen);
	return rc;
}

/* ---- $GENERATE --------------------------------------------------------------------- */

/* Why a template could not be expanded, and where in it. */
struct zp_gen_err {
	size_t pos;
	const char *why;
};

/* BIND's nibble mode: reversed hex digits as labels, width counting the dots too. */
static size_t zp_nibbles(char *out, uint32_t v, unsigned width, bool upper)
{
	const char *hex = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	size_t o = 0;

	do {
		out[o++] = hex[v & 0xf];
		v >>= 4;
		if (width)
			width--;
		if (width || v) {
			out[o++] = '.';
			if (width)
				width--;
		}
	} while (v || width);
	return o;
}

/*
 * Expands a $GENERATE template for counter @p it (see zparser.h). Escapes are
 * copied whole for the name or RDATA parser to read.
 * @return 0, or -1 with @p ge set
 */
static int zp_expand(const char *tpl, size_t tlen, int64_t it, char *out, size_t cap,
		     size_t *outlen, struct zp_gen_err *ge)
{
	size_t o = 0, i = 0, start = 0;

	while (i < tlen) {
		char num[ZP_GEN_WIDTH_MAX + 32];
		int64_t delta = 0, v;
		unsigned width = 0;
		char mode = 'd';
		size_t nlen;

		start = i;

		if (tpl[i] == '\\' && i + 1 < tlen) {
			if (cap - o < 2)
				goto toolong;
			out[o++] = tpl[i++];
			out[o++] = tpl[i++];
			continue;
		}
		if (tpl[i] != '$') {
			if (o == cap)
				goto toolong;
			out[o++] = tpl[i++];
			continue;
		}
		i++;
		if (i < tlen && tpl[i] == '$') {
			/* "$$": a literal '$' (kept by BIND for compatibility). */
			if (o == cap)
				goto toolong;
			out[o++] = tpl[i++];
			continue;
		}
		if (i < tlen && tpl[i] == '{') {
			bool neg = false;
			size_t d;

			i++;
			if (i < tlen && (tpl[i] == '-' || tpl[i] == '+'))
				neg = tpl[i++] == '-';
			for (d = i; i < tlen && zp_isdigit(tpl[i]); i++) {
				delta = delta * 10 + (tpl[i] - '0');
				if (delta > INT32_MAX)
					goto badmod;
			}
			if (i == d || i == tlen)
				goto badmod;
			if (neg)
				delta = -delta;
			if (tpl[i] == ',') {
				for (d = ++i; i < tlen && zp_isdigit(tpl[i]); i++) {
					width = width * 10 + (unsigned)(tpl[i] - '0');
					if (width > ZP_GEN_WIDTH_MAX) {
						ge->pos = start;
						ge->why = "$GENERATE width above 127";
						return -1;
					}
				}
				if (i == d || i == tlen)
					goto badmod;
				if (tpl[i] == ',') {
					i++;
					if (i == tlen || tpl[i] == '\0' ||
					    !strchr("doxXnN", tpl[i]))
						goto badmod;
					mode = tpl[i++];
				}
			}
			if (i == tlen || tpl[i] != '}')
				goto badmod;
			i++;
		}
		v = it + delta;
		if (v > INT32_MAX) {
			ge->pos = start;
			ge->why = "$GENERATE value out of range";
			return -1;
		}
		switch (mode) {
		case 'd':
			nlen =
			    (size_t)snprintf(num, sizeof(num), "%0*lld", (int)width, (long long)v);
			break;
		/* Negative values print as 32-bit two's complement, like BIND's %x of an int. */
		case 'o':
			nlen = (size_t)snprintf(num, sizeof(num), "%0*o", (int)width, (unsigned)v);
			break;
		case 'x':
			nlen = (size_t)snprintf(num, sizeof(num), "%0*x", (int)width, (unsigned)v);
			break;
		case 'X':
			nlen = (size_t)snprintf(num, sizeof(num), "%0*X", (int)width, (unsigned)v);
			break;
		default:
			if (v < 0) {
				ge->pos = start;
				ge->why = "$GENERATE nibble value is negative";
				return -1;
			}
			nlen = zp_nibbles(num, (uint32_t)v, width, mode == 'N');
			break;
		}
		if (cap - o < nlen)
			goto toolong;
		memcpy(out + o, num, nlen);
		o += nlen;
	}
	*outlen = o;
	return 0;
badmod:
	ge->pos = start;
	ge->why = "bad $GENERATE modifier (expected ${offset[,width[,base]]}, base d o x X n N)";
	return -1;
toolong:
	ge->pos = i;
	ge->why = "$GENERATE expansion too long";
	return -1;
}

/* Parses "start-stop[/step]" (each 0..2^31-1). @return false on a syntax error */
static bool zp_range(const char *s, size_t n, int64_t v[3])
{
	size_t i = 0;

	v[2] = 1;
	for (int k = 0; k < 3; k++) {
		size_t d = i;

		v[k] = 0;
		while (i < n && zp_isdigit(s[i])) {
			v[k] = v[k] * 10 + (s[i++] - '0');
			if (v[k] > INT32_MAX)
				return false;
		}
		if (i == d)
			return false;
		if (i == n)
			return k >= 1;
		if (s[i] != (k == 0 ? '-' : '/') || k == 2)
			return false;
		i++;
	}
	return false;
}

/* Column in the source of offset @p pos of the joined rhs template. */
static struct zp_tok zp_rhs_tok(const struct zp_parser *p, size_t from, bool stripped, size_t pos)
{
	const struct zp_tok *t = p->ln.tok;
	struct zp_tok at;
	size_t off = 0, k;

	if (stripped)
		pos++;
	for (k = from; k + 1 < p->ln.n && pos > off + t[k].len; k++)
		off += t[k].len + 1;
	at = t[k];
	if (pos >= off && pos - off < at.len && at.col + (pos - off) < UINT_MAX)
		at.col += (unsigned)(pos - off);
	return at;
}

/* $GENERATE range lhs [TTL] [class] type rhs... */
static int zp_generate(struct zp_parser *p, const struct zp_src *s)
{
	const struct zp_tok *t = p->ln.tok;
	size_t n = p->ln.n, rhs, tlen, olen, rdlen, nlen;
	const char *lhs;
	struct zp_gen_err ge;
	struct zp_head h;
	struct zp_tok at;
	bool stripped = false;
	char show[48], name[ZP_GEN_NAME_MAX];
	uint8_t owner[SL_NAME_MAXLEN];
	int64_t r[3];
	uint64_t count, total = 0;
	int rc;

	if (n < 2)
		return zp_fail(p, s, &t[0], SL_ESYNTAX, "$GENERATE needs a range");
	if (!zp_range(s->buf + t[1].off, t[1].len, r))
		return zp_fail(p, s, &t[1], SL_ESYNTAX,
			       "bad $GENERATE range %s (expected start-stop[/step])",
			       zp_show(s, &t[1], show, sizeof(show)));
	if (r[0] > r[1])
		return zp_fail(p, s, &t[1], SL_ESYNTAX, "$GENERATE range %s is inverted",
			       zp_show(s, &t[1], show, sizeof(show)));
	if (r[2] < 1)
		return zp_fail(p, s, &t[1], SL_ESYNTAX, "$GENERATE step must be at least 1");
	count = (uint64_t)((r[1] - r[0]) / r[2]) + 1;
	if (count > p->o.max_generate)
		return zp_fail(p, s, &t[1], SL_ELIMIT,
			       "$GENERATE range %s makes %llu records (limit %u)",
			       zp_show(s, &t[1], show, sizeof(show)), (unsigned long long)count,
			       (unsigned)p->o.max_generate);
	if (n < 3)
		return zp_fail(p, s, &t[1], SL_ESYNTAX, "$GENERATE needs a left-hand side");
	lhs = s->buf + t[2].off;
	rc = zp_head(p, s, 3, &h);
	if (rc != SL_OK)
		return rc;
	rhs = h.type_idx + 1;
	if (rhs == n)
		return zp_fail(p, s, &t[h.type_idx], SL_ESYNTAX,
			       "$GENERATE needs a right-hand side (RDATA)");
	/* The template: one quoted token loses its quotes (BIND), more are joined. */
	if (rhs + 1 == n && t[rhs].len >= 2 && s->buf[t[rhs].off] == '"' &&
	    s->buf[t[rhs].off + t[rhs].len - 1] == '"') {
		stripped = true;
		tlen = t[rhs].len - 2;
		rc = zp_reserve(p, s, &t[rhs], &p->tpl, &p->tplcap, tlen + 1);
		if (rc != SL_OK)
			return rc;
		memcpy(p->tpl, s->buf + t[rhs].off + 1, tlen);
	} else {
		rc = zp_join(p, s, rhs, n, &tlen);
		if (rc == SL_OK)
			rc = zp_reserve(p, s, &t[rhs], &p->tpl, &p->tplcap, tlen + 1);
		if (rc != SL_OK)
			return rc;
		memcpy(p->tpl, p->text, tlen);
	}
	rc = zp_reserve(p, s, &t[rhs], &p->text, &p->textcap, ZP_GEN_TEXT_MAX);
	if (rc != SL_OK)
		return rc;

	for (int64_t it = r[0];; it += r[2]) {
		uint32_t ttl;

		if (zp_expand(lhs, t[2].len, it, name, sizeof(name), &nlen, &ge) != 0) {
			at = t[2];
			if (ge.pos < at.len)
				at.col += (unsigned)ge.pos;
			return zp_fail(p, s, &at, SL_ESYNTAX, "%s", ge.why);
		}
		if (zp_expand(p->tpl, tlen, it, p->text, ZP_GEN_TEXT_MAX, &olen, &ge) != 0) {
			at = zp_rhs_tok(p, rhs, stripped, ge.pos);
			return zp_fail(p, s, &at, SL_ESYNTAX, "%s", ge.why);
		}
		total += olen + nlen;
		if (total > ZP_GEN_TOTAL_MAX)
			return zp_fail(p, s, &t[1], SL_ELIMIT,
				       "$GENERATE expands to more than %u octets of text",
				       ZP_GEN_TOTAL_MAX);
		rc = zp_name_text(p, s, &t[2], name, nlen, "generated owner", owner);
		if (rc != SL_OK)
			return rc;
		rc = sl_rdata_from_text(h.type, p->text, olen, p->has_origin ? p->origin : NULL,
					p->rdata, sizeof(p->rdata), &rdlen, p->rderr,
					sizeof(p->rderr));
		if (rc != SL_OK) {
			if (!p->rderr[0])
				snprintf(p->rderr, sizeof(p->rderr), "%s", sl_strerror(rc));
			return zp_fail(p, s, &t[rhs], rc == SL_ELIMIT ? SL_ELIMIT : SL_ESYNTAX,
				       "%s (counter %lld)", p->rderr, (long long)it);
		}
		rc = zp_pick_ttl(p, s, &t[0], &h, p->rdata, rdlen, false, &ttl);
		if (rc == SL_OK)
			rc = zp_emit(p, s, &t[0], owner, &h, ttl, rdlen);
		if (rc != SL_OK)
			return rc;
		if (r[1] - it < r[2])
			break;
	}
	return SL_OK;
}

/* ---- files and directives ------------------------------------------------------------ */

static int zp_run(struct zp_parser *p, struct zp_src *s);

/* Refuses NUL bytes up front, so the tokeniser never has to consider them. */
static int zp_check_nul(struct zp_parser *p, struct zp_src *s)
{
	const char *z = memchr(s->buf, '\0', s->len);
	size_t line_start = 0;
	unsigned line = 1;

	if (!z)
		return SL_OK;
	for (const char *q = s->buf; (q = memchr(q, '\n', (size_t)(z - q))) != NULL; q++) {
		if (line < UINT_MAX)
			line++;
		line_start = (size_t)(q - s->buf) + 1;
	}
	s->line_start = line_start;
	return zp_fail_at(p, s, line, zp_col(s, (size_t)(z - s->buf)), SL_ESYNTAX,
			  "NUL byte in the zone text");
}

/*
 * Reads a whole regular file. Opening with O_NONBLOCK keeps a FIFO named by
 * a hostile $INCLUDE from blocking; it is then refused as not regular.
 */
static int zp_read_file(const char *path, size_t max, char **buf, size_t *len, dev_t *dev,
			ino_t *ino, char *why, size_t whysize)
{
	struct stat st;
	size_t size, got = 0;
	char *b;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	if (fd < 0) {
		snprintf(why, whysize, "%s", strerror(errno));
		return SL_EIO;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(why, whysize, "not a regular file");
		close(fd);
		return SL_EIO;
	}
	if ((uint64_t)st.st_size > (uint64_t)SIZE_MAX - 1 || (max && (size_t)st.st_size > max)) {
		snprintf(why, whysize, "larger than the limit of %zu octets", max);
		close(fd);
		return SL_ELIMIT;
	}
	size = (size_t)st.st_size;
	b = malloc(size ? size : 1);
	if (!b) {
		snprintf(why, whysize, "out of memory");
		close(fd);
		return SL_ENOMEM;
	}
	while (got < size) {
		ssize_t r = read(fd, b + got, size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(why, whysize, "%s", strerror(errno));
			free(b);
			close(fd);
			return SL_EIO;
		}
		if (r == 0)
			break; /* shrank meanwhile: parse what is there */
		got += (size_t)r;
	}
	close(fd);
	*buf = b;
	*len = got;
	*dev = st.st_dev;
	*ino = st.st_ino;
	return SL_OK;
}

/* Copies a file-name token, removing quotes and escapes. @return length or -1 */
static int zp_filename(const struct zp_src *s, const struct zp_tok *t, char *out, size_t cap)
{
	const char *b = s->buf + t->off;
	size_t o = 0;

	for (size_t i = 0; i < t->len; i++) {
		char c = b[i];

		if (c == '"')
			continue;
		if (c == '\\') {
			/* The tokeniser checked the escape, so its octets are all there. */
			if (zp_isdigit(b[i + 1])) {
				c = (char)((b[i + 1] - '0') * 100 + (b[i + 2] - '0') * 10 +
					   (b[i + 3] - '0'));
				i += 3;
			} else {
				c = b[++i];
			}
		}
		if (c == '\0' || o + 1 >= cap)
			return -1;
		out[o++] = c;
	}
	out[o] = '\0';
	return o ? (int)o : -1;
}

/* $INCLUDE file [origin] */
static int zp_include(struct zp_parser *p, const struct zp_src *s)
{
	const struct zp_tok *t = p->ln.tok;
	char file[ZP_PATH_MAX], path[ZP_PATH_MAX], why[128], show[48];
	uint8_t origin[SL_NAME_MAXLEN], saved_origin[SL_NAME_MAXLEN], saved_owner[SL_NAME_MAXLEN];
	bool saved_has_origin = p->has_origin, saved_has_owner = p->has_owner;
	struct zp_src in;
	const char *slash;
	char *buf = NULL;
	int rc;

	if (p->o.flags & ZP_NO_INCLUDE)
		return zp_fail(p, s, &t[0], SL_ESYNTAX, "$INCLUDE is not allowed here");
	if (p->ln.n < 2)
		return zp_fail(p, s, &t[0], SL_ESYNTAX, "$INCLUDE needs a file name");
	if (p->ln.n > 3)
		return zp_fail(p, s, &t[3], SL_ESYNTAX,
			       "unexpected %s after $INCLUDE file and origin",
			       zp_show(s, &t[3], show, sizeof(show)));
	if (zp_filename(s, &t[1], file, sizeof(file)) < 0)
		return zp_fail(p, s, &t[1], SL_ESYNTAX, "bad $INCLUDE file name");
	if (p->ln.n == 3) {
		rc = zp_name(p, s, &t[2], "$INCLUDE origin", origin);
		if (rc != SL_OK)
			return rc;
	}
	if (s->depth + 1 > p->o.max_include_depth)
		return zp_fail(p, s, &t[0], SL_ELIMIT, "$INCLUDE depth exceeds %u",
			       p->o.max_include_depth);
	/* Relative to the including file's directory. */
	slash = strrchr(s->name, '/');
	if (file[0] != '/' && slash) {
		if ((size_t)snprintf(path, sizeof(path), "%.*s/%s", (int)(slash - s->name), s->name,
				     file) >= sizeof(path))
			return zp_fail(p, s, &t[1], SL_ESYNTAX, "$INCLUDE path too long");
	} else {
		memcpy(path, file, strlen(file) + 1);
	}

	memset(&in, 0, sizeof(in));
	rc = zp_read_file(path, p->o.max_file_size, &buf, &in.len, &in.dev, &in.ino, why,
			  sizeof(why));
	if (rc != SL_OK)
		return zp_fail(p, s, &t[1], rc, "cannot read $INCLUDE file %s: %s",
			       zp_show_text(path, strlen(path), show, sizeof(show)), why);
	for (const struct zp_src *up = s; up; up = up->parent) {
		if (up->has_id && up->dev == in.dev && up->ino == in.ino) {
			free(buf);
			return zp_fail(p, s, &t[1], SL_ESYNTAX,
				       "$INCLUDE loop: %s is already being read",
				       zp_show_text(path, strlen(path), show, sizeof(show)));
		}
	}
	in.buf = buf;
	in.line = 1;
	in.name = path;
	in.parent = s;
	in.depth = s->depth + 1;
	in.has_id = true;

	memcpy(saved_origin, p->origin, sizeof(saved_origin));
	memcpy(saved_owner, p->owner, sizeof(saved_owner));
	if (p->ln.n == 3) {
		memcpy(p->origin, origin, sl_name_len(origin));
		p->has_origin = true;
	}
	rc = zp_run(p, &in);
	free(buf);
	/* RFC 1035 §5.1: the origin (and, as in BIND, the owner) come back after the include. */
	memcpy(p->origin, saved_origin, sizeof(saved_origin));
	memcpy(p->owner, saved_owner, sizeof(saved_owner));
	p->has_origin = saved_has_origin;
	p->has_owner = saved_has_owner;
	return rc;
}

static bool zp_tok_is(const struct zp_src *s, const struct zp_tok *t, const char *word)
{
	size_t n = strlen(word);

	return t->len == n && strncasecmp(s->buf + t->off, word, n) == 0;
}

static int zp_directive(struct zp_parser *p, const struct zp_src *s)
{
	const struct zp_tok *t = p->ln.tok;
	size_t n = p->ln.n;
	uint8_t origin[SL_NAME_MAXLEN];
	char show[48];
	int rc;

	if (zp_tok_is(s, &t[0], "$GENERATE"))
		return zp_generate(p, s);
	if (zp_tok_is(s, &t[0], "$INCLUDE"))
		return zp_include(p, s);
	if (zp_tok_is(s, &t[0], "$ORIGIN") || zp_tok_is(s, &t[0], "$TTL")) {
		bool ttl = t[0].len == 4;

		if (n < 2)
			return zp_fail(p, s, &t[0], SL_ESYNTAX, "%s needs a value",
				       ttl ? "$TTL" : "$ORIGIN");
		if (n > 2)
			return zp_fail(p, s, &t[2], SL_ESYNTAX, "unexpected %s after the %s value",
				       zp_show(s, &t[2], show, sizeof(show)),
				       ttl ? "$TTL" : "$ORIGIN");
		if (ttl) {
			rc = zp_ttl(p, s, &t[1], &p->dflt_ttl);
			if (rc == SL_OK)
				p->dflt_known = true;
			return rc;
		}
		/* Parsed aside: the old origin completes a relative new one. */
		rc = zp_name(p, s, &t[1], "$ORIGIN", origin);
		if (rc == SL_OK) {
			memcpy(p->origin, origin, sl_name_len(origin));
			p->has_origin = true;
		}
		return rc;
	}
	return zp_fail(p, s, &t[0], SL_ESYNTAX, "unknown directive %s",
		       zp_show(s, &t[0], show, sizeof(show)));
}

/*
 * Parses one source to its end; $INCLUDE recurses through here. Returns
 * SL_OK when it got to the end (errors on the way were recorded), or the
 * code of the error that stopped it.
 */
static int zp_run(struct zp_parser *p, struct zp_src *s)
{
	int rc = zp_check_nul(p, s);

	s->line_start = 0;
	if (rc != SL_OK)
		return zp_go_on(p) ? SL_OK : rc;
	while ((rc = zp_read_line(p, s)) != 0) {
		if (rc > 0) {
			const char *first = s->buf + p->ln.tok[0].off;

			/* Directives are recognised indented too: no TTL, class or type starts
			 * with '$'. */
			rc = first[0] == '$' ? zp_directive(p, s) : zp_record(p, s);
			if (rc == SL_OK)
				continue;
			if (!zp_go_on(p))
				return rc;
		} else {
			if (!zp_go_on(p))
				return rc;
			/* The tokeniser stopped inside the entry: the rest of it goes too. */
			zp_skip_entry(p, s);
		}
	}
	return SL_OK;
}

/* ---- entry points ---------------------------------------------------------------------- */

void zp_options_init(zp_options_t *opt)
{
	memset(opt, 0, sizeof(*opt));
	opt->rclass = SL_CLASS_IN;
	opt->default_ttl = ZP_DEFAULT_TTL;
	opt->max_include_depth = ZP_DEFAULT_INCLUDE_DEPTH;
	opt->max_generate = ZP_DEFAULT_MAX_GENERATE;
}

static void zp_init(struct zp_parser *p, const zp_options_t *opt, zp_record_f cb, void *arg,
		    zp_error_t *err)
{
	memset(p, 0, offsetof(struct zp_parser, rdata));
	if (opt)
		p->o = *opt;
	else
		zp_options_init(&p->o);
	if (!p->o.rclass)
		p->o.rclass = SL_CLASS_IN;
	if (!p->o.default_ttl)
		p->o.default_ttl = ZP_DEFAULT_TTL;
	if (p->o.default_ttl > ZP_MAX_TTL)
		p->o.default_ttl = ZP_MAX_TTL;
	if (!p->o.max_include_depth)
		p->o.max_include_depth = ZP_DEFAULT_INCLUDE_DEPTH;
	if (p->o.max_include_depth > ZP_MAX_INCLUDE_DEPTH)
		p->o.max_include_depth = ZP_MAX_INCLUDE_DEPTH;
	if (!p->o.max_generate)
		p->o.max_generate = ZP_DEFAULT_MAX_GENERATE;
	if (p->o.origin) {
		memcpy(p->origin, p->o.origin, sl_name_len(p->o.origin));
		p->has_origin = true;
	}
	p->cb = cb;
	p->arg = arg;
	p->err = err;
	p->blame_left = ZP_BLAME_BUDGET;
	if (err)
		memset(err, 0, sizeof(*err));
}

static void zp_done(struct zp_parser *p)
{
	free(p->ln.tok);
	free(p->text);
	free(p->tpl);
}

/* An error before parsing starts (no parser yet): to @p err and on_error, as any other. */
static int zp_early_error(const zp_options_t *opt, zp_error_t *err, const char *file, int rc,
			  const char *msg, const char *why)
{
	zp_error_t e;

	memset(&e, 0, sizeof(e));
	zp_copy_tail(e.file, sizeof(e.file), file);
	snprintf(e.msg, sizeof(e.msg), "%s%s", msg, why);
	e.count = 1;
	if (err)
		*err = e;
	if (opt && opt->on_error)
		opt->on_error(opt->error_arg, &e);
	return rc;
}

/* Shared by both entry points; @p s is set up but for the parser-independent fields. */
static int zp_start(const zp_options_t *opt, zp_record_f cb, void *arg, zp_error_t *err,
		    struct zp_src *s)
{
	struct zp_parser *p = malloc(sizeof(*p));
	int rc;

	if (!p)
		return zp_early_error(opt, err, s->name, SL_ENOMEM, "out of memory", "");
	zp_init(p, opt, cb, arg, err);
	if (p->o.max_file_size && s->len > p->o.max_file_size)
		rc = zp_fail_at(p, s, 0, 0, SL_ELIMIT, "larger than the limit of %zu octets",
				p->o.max_file_size);
	else
		rc = zp_run(p, s);
	/* The first error is the one described in err (later ones went to on_error). */
	if (p->nerrors)
		rc = p->first_rc;
	zp_done(p);
	free(p);
	return rc;
}

int zp_parse_string(const char *text, size_t len, const char *name_for_errors,
		    const zp_options_t *opt, zp_record_f cb, void *arg, zp_error_t *err)
{
	struct zp_src s;

	memset(&s, 0, sizeof(s));
	s.buf = text ? text : "";
	s.len = text ? len : 0;
	s.line = 1;
	s.name = name_for_errors ? name_for_errors : "<string>";
	return zp_start(opt, cb, arg, err, &s);
}

int zp_parse_file(const char *path, const zp_options_t *opt, zp_record_f cb, void *arg,
		  zp_error_t *err)
{
	struct zp_src s;
	char why[128];
	char *buf = NULL;
	int rc;

	memset(&s, 0, sizeof(s));
	s.name = path;
	rc = zp_read_file(path, opt ? opt->max_file_size : 0, &buf, &s.len, &s.dev, &s.ino, why,
			  sizeof(why));
	if (rc != SL_OK)
		return zp_early_error(opt, err, path, rc, "cannot read zone file: ", why);
	s.buf = buf;
	s.line = 1;
	s.has_id = true;
	rc = zp_start(opt, cb, arg, err, &s);
	free(buf);
	return rc;
}
