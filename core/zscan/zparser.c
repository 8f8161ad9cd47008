/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Zone master-file parser: the file layer of RFC 1035 §5 (see
 * <sluice/zscan.h> for the semantics; the tokeniser is in lexer.c,
 * $GENERATE in generate.c, their shared state in zscan_int.h). Names go
 * to sl_name_from_text() and RDATA text to sl_rdata_from_text(); this file
 * never interprets either itself.
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
 *    and length has a cap (SL_ZSCAN_MAX_TOKEN, SL_ZSCAN_MAX_LINE, SL_ZSCAN_MAX_TOKENS, the
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

#include "grow.h"
#include "name_int.h"
#include "zscan_int.h"

/* Longest $INCLUDE path we build. */
#define ZP_PATH_MAX 4096
/* RDATA errors are pinned to a token by re-parsing prefixes, for lines up to this many tokens. */
#define ZP_BLAME_MAX_TOKENS 64
/*
 * Octets of RDATA text all those re-parses of one parse may cost: what the
 * worst single error needs (64 prefixes of a longest line), so the first
 * error is always placed exactly and many errors cost no more than that.
 */
#define ZP_BLAME_BUDGET ((uint64_t)ZP_BLAME_MAX_TOKENS * SL_ZSCAN_MAX_LINE)

static const uint8_t zp_root[1] = {0};

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
	sl_error_t e;

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

/* Records an error at @p line:@p col (see zp_vfail()) and returns @p rc. */
int zp_fail_at(struct zp_parser *p, const struct zp_src *s, unsigned line, unsigned col,
		      int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rc = zp_vfail(p, s->name, line, col, rc, fmt, ap);
	va_end(ap);
	return rc;
}

/* As zp_fail_at(), placed at token @p t. */
int zp_fail(struct zp_parser *p, const struct zp_src *s, const struct zp_tok *t, int rc,
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

const char *zp_show(const struct zp_src *s, const struct zp_tok *t, char *buf, size_t cap)
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

/* ---- fields ------------------------------------------------------------------- */

/* A TTL: seconds or BIND units (sl_ttl_from_text()), at most SL_ZSCAN_MAX_TTL (RFC 2181 §8). */
static int zp_ttl(struct zp_parser *p, const struct zp_src *s, const struct zp_tok *t,
		  uint32_t *ttl)
{
	char show[48];
	int r = sl_ttl_from_text(s->buf + t->off, t->len, SL_ZSCAN_MAX_TTL, ttl);

	if (r == SL_ELIMIT)
		return zp_fail(p, s, t, SL_ESYNTAX, "TTL %s out of range (maximum %u)",
			       zp_show(s, t, show, sizeof(show)), SL_ZSCAN_MAX_TTL);
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
int zp_name_text(struct zp_parser *p, const struct zp_src *s, const struct zp_tok *t,
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

/* Owner-less part of a record: [TTL] [class] type, in either order (struct zp_head). */
int zp_head(struct zp_parser *p, const struct zp_src *s, size_t i, struct zp_head *h)
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
		if (sl_is_digit(str[0])) {
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
int zp_pick_ttl(struct zp_parser *p, const struct zp_src *s, const struct zp_tok *at,
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
		uint32_t v = sl_read_u32(rdata + rdlen - 4);

		if (v > SL_ZSCAN_MAX_TTL)
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

int zp_reserve(struct zp_parser *p, const struct zp_src *s, const struct zp_tok *at,
		      char **buf, size_t *cap, size_t need)
{
	char *nb;
	size_t ncap;

	if (need <= *cap)
		return SL_OK;
	ncap = sl_grow_cap(*cap, need, 1, 4096);
	nb = ncap ? realloc(*buf, ncap) : NULL;
	if (!nb)
		return zp_fail(p, s, at, SL_ENOMEM, "out of memory");
	*buf = nb;
	*cap = ncap;
	return SL_OK;
}

/* Joins tokens [from, to) with one blank into p->text. */
int zp_join(struct zp_parser *p, const struct zp_src *s, size_t from, size_t to, size_t *len)
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
int zp_emit(struct zp_parser *p, const struct zp_src *s, const struct zp_tok *at,
		   const uint8_t *owner, const struct zp_head *h, uint32_t ttl, size_t rdlen)
{
	sl_zscan_record_t rr;
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
static int sl_zscan_record(struct zp_parser *p, const struct zp_src *s)
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

/* What a file that is not regular is, for the message. */
static const char *zp_file_kind(mode_t mode)
{
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISSOCK(mode))
		return "a socket";
	return "not a regular file";
}

/*
 * Reads a whole regular file. Opening with O_NONBLOCK keeps a FIFO named by
 * a hostile $INCLUDE from blocking; it is then refused as not regular. A
 * file with more data than its size says (/proc and /sys files say 0) is
 * refused too, rather than read as empty or cut.
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
	if (fstat(fd, &st) != 0) {
		snprintf(why, whysize, "%s", strerror(errno));
		close(fd);
		return SL_EIO;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, whysize, "not a regular file (%s)", zp_file_kind(st.st_mode));
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
	if (got == size) {
		char extra;
		ssize_t r;
		while ((r = read(fd, &extra, 1)) < 0 && errno == EINTR)
			;
		if (r > 0) {
			snprintf(why, whysize,
				 "has more data than its size of %zu octets says (a /proc or /sys "
				 "pseudo-file, or a file being written); copy it to a regular file",
				 size);
			free(b);
			close(fd);
			return SL_EIO;
		}
	}
	close(fd);
	*buf = b;
	*len = got;
	*dev = st.st_dev;
	*ino = st.st_ino;
	return SL_OK;
}

/* Copies a file-name token, removing quotes and escapes. @return length or SL_ESYNTAX */
static int zp_filename(const struct zp_src *s, const struct zp_tok *t, char *out, size_t cap)
{
	const char *b = s->buf + t->off;
	size_t o = 0;

	for (size_t i = 0; i < t->len; i++) {
		char c = b[i];

		if (c == '"')
			continue;
		if (c == '\\') {
			uint8_t octet;
			/* The tokeniser checked the escape; a bad one here is still refused. */
			size_t used = sl_text_escape(b + i + 1, t->len - i - 1, &octet);

			if (used == 0)
				return SL_ESYNTAX;
			c = (char)octet;
			i += used;
		}
		if (c == '\0' || o + 1 >= cap)
			return SL_ESYNTAX;
		out[o++] = c;
	}
	out[o] = '\0';
	return o ? (int)o : SL_ESYNTAX;
}

/* $INCLUDE file [origin] */
static int zp_include(struct zp_parser *p, const struct zp_src *s)
{
	const struct zp_tok *t = p->ln.tok;
	char file[ZP_PATH_MAX], path[ZP_PATH_MAX], why[192], show[48];
	uint8_t origin[SL_NAME_MAXLEN], saved_origin[SL_NAME_MAXLEN], saved_owner[SL_NAME_MAXLEN];
	bool saved_has_origin = p->has_origin, saved_has_owner = p->has_owner;
	struct zp_src in;
	const char *slash;
	char *buf = NULL;
	int rc;

	if (p->o.flags & SL_ZSCAN_NO_INCLUDE)
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
			rc = first[0] == '$' ? zp_directive(p, s) : sl_zscan_record(p, s);
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

void sl_zscan_options_init(sl_zscan_options_t *opt)
{
	memset(opt, 0, sizeof(*opt));
	opt->rclass = SL_CLASS_IN;
	opt->default_ttl = SL_ZSCAN_DEFAULT_TTL;
	opt->max_include_depth = SL_ZSCAN_DEFAULT_INCLUDE_DEPTH;
	opt->max_generate = SL_ZSCAN_DEFAULT_MAX_GENERATE;
}

static void zp_init(struct zp_parser *p, const sl_zscan_options_t *opt, sl_zscan_record_f cb, void *arg,
		    sl_error_t *err)
{
	memset(p, 0, offsetof(struct zp_parser, rdata));
	if (opt)
		p->o = *opt;
	else
		sl_zscan_options_init(&p->o);
	if (!p->o.rclass)
		p->o.rclass = SL_CLASS_IN;
	if (!p->o.default_ttl)
		p->o.default_ttl = SL_ZSCAN_DEFAULT_TTL;
	if (p->o.default_ttl > SL_ZSCAN_MAX_TTL)
		p->o.default_ttl = SL_ZSCAN_MAX_TTL;
	if (!p->o.max_include_depth)
		p->o.max_include_depth = SL_ZSCAN_DEFAULT_INCLUDE_DEPTH;
	if (p->o.max_include_depth > SL_ZSCAN_MAX_INCLUDE_DEPTH)
		p->o.max_include_depth = SL_ZSCAN_MAX_INCLUDE_DEPTH;
	if (!p->o.max_generate)
		p->o.max_generate = SL_ZSCAN_DEFAULT_MAX_GENERATE;
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
static int zp_early_error(const sl_zscan_options_t *opt, sl_error_t *err, const char *file, int rc,
			  const char *msg, const char *why)
{
	sl_error_t e;

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
static int zp_start(const sl_zscan_options_t *opt, sl_zscan_record_f cb, void *arg, sl_error_t *err,
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

int sl_zscan_parse_string(const char *text, size_t len, const char *name_for_errors,
		    const sl_zscan_options_t *opt, sl_zscan_record_f cb, void *arg, sl_error_t *err)
{
	struct zp_src s;

	memset(&s, 0, sizeof(s));
	s.buf = text ? text : "";
	s.len = text ? len : 0;
	s.line = 1;
	s.name = name_for_errors ? name_for_errors : "<string>";
	return zp_start(opt, cb, arg, err, &s);
}

int sl_zscan_parse_file(const char *path, const sl_zscan_options_t *opt, sl_zscan_record_f cb, void *arg,
		  sl_error_t *err)
{
	struct zp_src s;
	char why[192];
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
