/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Sluice core — name helpers shared inside the core but not part of the
 * public API: the label walk that name comparison, response compression and
 * the zone tree's keys all start from, and the presentation-format escapes
 * that names and <character-string>s share (RFC 1035 §5.1).
 *
 * Inline: they run once per name on the query path, in several layers, and
 * libsluice-wire exports only the public API.
 */
#ifndef SL_CORE_NAME_INT_H
#define SL_CORE_NAME_INT_H

#include <sluice/name.h>

/** True for the ASCII decimal digits. */
static inline bool sl_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/**
 * Records the offset of each label's length octet in @p off (first label
 * first) and the offset of the root label in off[count]. Stops at the first
 * octet that is not a normal label length and never reads past
 * SL_NAME_MAXLEN octets, so even a name that breaks the "valid name"
 * contract cannot make it overrun its buffer or @p off; a valid name has at
 * most SL_NAME_MAXLABELS labels, since each takes at least two octets.
 * @return the label count (root excluded, 0 for the root), or
 *         SL_EMALFORMED when @p name is not a valid uncompressed name
 */
static inline int sl_name_label_offsets(const uint8_t *name, uint8_t off[SL_NAME_MAXLABELS + 1])
{
	size_t p = 0, n = 0;

	for (size_t len; (len = name[p]) != 0; p += len + 1) {
		/*
		 * A label type other than 00 (pointer, extended) ends the walk
		 * here, before its "length" is trusted; room must remain for the
		 * root label, which also bounds n.
		 */
		if (len > SL_LABEL_MAXLEN || p + len + 1 >= SL_NAME_MAXLEN)
			return SL_EMALFORMED;
		off[n++] = (uint8_t)p;
	}
	off[n] = (uint8_t)p;
	return (int)n;
}

/**
 * Decodes the escape that follows a backslash in presentation format:
 * "\DDD" (exactly three decimal digits, at most 255) or "\X", which stands
 * for X itself. @p s points just past the backslash; @p avail characters
 * follow it.
 * @return the characters consumed (3 or 1) with the octet in *@p c, or 0
 *         when the escape is bad or cut short
 */
static inline size_t sl_text_escape(const char *s, size_t avail, uint8_t *c)
{
	unsigned v;

	if (avail == 0)
		return 0;
	if (!sl_is_digit(s[0])) {
		*c = (uint8_t)s[0];
		return 1;
	}
	if (avail < 3 || !sl_is_digit(s[1]) || !sl_is_digit(s[2]))
		return 0;
	v = (unsigned)(s[0] - '0') * 100 + (unsigned)(s[1] - '0') * 10 + (unsigned)(s[2] - '0');
	if (v > 255)
		return 0;
	*c = (uint8_t)v;
	return 3;
}

#endif /* SL_CORE_NAME_INT_H */
