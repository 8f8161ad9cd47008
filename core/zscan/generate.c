/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Zone master-file parser: BIND's $GENERATE — the range, the lhs/rhs
 * templates with $ (and $$ / \$), ${offset,width,base} modifiers including
 * the nibble modes (n, N), and the caps that keep a short hostile line cheap.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "name_int.h"
#include "zscan_int.h"

/* Longest generated owner text: every octet of a 255-octet name as \DDD, and more. */
#define ZP_GEN_NAME_MAX 2048
/* Width limit of a $GENERATE modifier (BIND formats into a 128-octet buffer). */
#define ZP_GEN_WIDTH_MAX 127
/*
 * Bounds on what one $GENERATE line may expand to: each RDATA text, and all
 * of them together, so that a short hostile line cannot cost minutes.
 */
#define ZP_GEN_TEXT_MAX	 (64u * 1024u)
#define ZP_GEN_TOTAL_MAX (16u * 1024u * 1024u)

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
 * @return SL_OK, or SL_ESYNTAX with @p ge set
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
			for (d = i; i < tlen && sl_is_digit(tpl[i]); i++) {
				delta = delta * 10 + (tpl[i] - '0');
				if (delta > INT32_MAX)
					goto badmod;
			}
			if (i == d || i == tlen)
				goto badmod;
			if (neg)
				delta = -delta;
			if (tpl[i] == ',') {
				for (d = ++i; i < tlen && sl_is_digit(tpl[i]); i++) {
					width = width * 10 + (unsigned)(tpl[i] - '0');
					if (width > ZP_GEN_WIDTH_MAX) {
						ge->pos = start;
						ge->why = "$GENERATE width above 127";
						return SL_ESYNTAX;
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
			return SL_ESYNTAX;
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
				return SL_ESYNTAX;
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
	return SL_OK;
badmod:
	ge->pos = start;
	ge->why = "bad $GENERATE modifier (expected ${offset[,width[,base]]}, base d o x X n N)";
	return SL_ESYNTAX;
toolong:
	ge->pos = i;
	ge->why = "$GENERATE expansion too long";
	return SL_ESYNTAX;
}

/* Parses "start-stop[/step]" (each 0..2^31-1). @return false on a syntax error */
static bool zp_range(const char *s, size_t n, int64_t v[3])
{
	size_t i = 0;

	v[2] = 1;
	for (int k = 0; k < 3; k++) {
		size_t d = i;

		v[k] = 0;
		while (i < n && sl_is_digit(s[i])) {
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
int zp_generate(struct zp_parser *p, const struct zp_src *s)
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

		rc = zp_expand(lhs, t[2].len, it, name, sizeof(name), &nlen, &ge);
		if (rc != SL_OK) {
			at = t[2];
			if (ge.pos < at.len)
				at.col += (unsigned)ge.pos;
			return zp_fail(p, s, &at, rc, "%s", ge.why);
		}
		rc = zp_expand(p->tpl, tlen, it, p->text, ZP_GEN_TEXT_MAX, &olen, &ge);
		if (rc != SL_OK) {
			at = zp_rhs_tok(p, rhs, stripped, ge.pos);
			return zp_fail(p, s, &at, rc, "%s", ge.why);
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
