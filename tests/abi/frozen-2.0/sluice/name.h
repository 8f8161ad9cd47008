/*
 * Sluice — domain names in wire and presentation format.
 * SPDX-License-Identifier: MIT OR Apache-2.0
 *
 * A "name" in this API is always an uncompressed wire-format name: a
 * sequence of length-prefixed labels ending with the zero-length root label,
 * at most SL_NAME_MAXLEN (255) octets in total. Functions taking such a name
 * assume it is valid (produced by sl_name_unpack(), sl_name_from_text() or
 * checked with sl_name_check()); functions reading untrusted data validate.
 */
#ifndef SLUICE_NAME_H
#define SLUICE_NAME_H

#include <sluice/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Maximum length of a wire-format name, including the root label (RFC 1035 §2.3.4). */
#define SL_NAME_MAXLEN 255
/** Maximum length of one label. */
#define SL_LABEL_MAXLEN 63
/** Maximum number of labels in a name, not counting the root label. */
#define SL_NAME_MAXLABELS 127
/**
 * Buffer size that always holds the presentation form of a name produced by
 * sl_name_to_text(): every octet may become a 4-character "\DDD" escape, plus
 * the label dots and the terminating NUL.
 */
#define SL_NAME_TEXT_MAX (SL_NAME_MAXLEN * 4 + 2)
/** Maximum compression pointers followed while decoding one name (RFC 9267 §2). */
#define SL_NAME_MAX_POINTERS 16

/**
 * Decodes a possibly compressed name from a DNS message (RFC 1035 §4.1.4).
 *
 * Follows compression pointers only strictly backwards — each pointer must
 * point before the start of the label sequence that contains it — and at most
 * SL_NAME_MAX_POINTERS of them, as RFC 9267 requires; checks every length
 * against @p msglen and the 255-octet / 63-octet limits. Reserved label types
 * (0x40, 0x80) are rejected.
 *
 * @param msg     the whole message (compression offsets are relative to it)
 * @param msglen  length of @p msg
 * @param pos     in: offset of the name; out: offset just past the name as it
 *                appears at that place (past the first pointer, if any)
 * @param out     receives the uncompressed name; SL_NAME_MAXLEN bytes
 * @param outlen  receives the length of the uncompressed name (1..255)
 * @return SL_OK, SL_EMALFORMED (bounds, bad label type, too long) or
 *         SL_ELOOP (pointer not backwards or too many pointers)
 */
SL_API int sl_name_unpack(const uint8_t *msg, size_t msglen, size_t *pos, uint8_t *out,
			  size_t *outlen);

/**
 * Validates an uncompressed wire-format name held in @p buf (no pointers).
 * @param buf   candidate name
 * @param len   bytes available in @p buf
 * @return the name's length (1..255) on success, or SL_EMALFORMED
 */
SL_API int sl_name_check(const uint8_t *buf, size_t len);

/** Returns the length in octets of a valid uncompressed name, root label included. */
SL_API size_t sl_name_len(const uint8_t *name);

/** Returns the number of labels in a valid name, not counting the root (root = 0). */
SL_API unsigned sl_name_labels(const uint8_t *name);

/**
 * Parses a name in presentation format (RFC 1035 §5.1, RFC 4343).
 *
 * Accepts `\.` and `\X` escapes and `\DDD` decimal escapes (0..255). A name
 * ending with an unescaped dot is absolute; otherwise it is relative and
 * @p origin is appended (SL_ESYNTAX when @p origin is NULL). "@" alone means
 * @p origin. "." alone is the root. Empty labels ("a..b"), labels over 63
 * octets and names over 255 octets are rejected.
 *
 * @param text    the text (need not be NUL-terminated)
 * @param len     its length
 * @param origin  wire name appended to relative names, or NULL
 * @param out     receives the wire name; SL_NAME_MAXLEN bytes
 * @param outlen  receives its length
 * @return SL_OK, SL_ESYNTAX or SL_ELIMIT (too long)
 */
SL_API int sl_name_from_text(const char *text, size_t len, const uint8_t *origin, uint8_t *out,
			     size_t *outlen);

/**
 * Prints a name in presentation format, always absolute (trailing dot).
 * Letters, digits, '-', '_' and '*' print as themselves (original case kept);
 * '.', '\\', '"', '(', ')', ';', '@', '$' print as "\X"; other octets
 * (including space and non-ASCII) print as "\DDD".
 *
 * @param name     a valid wire name
 * @param buf      output buffer (SL_NAME_TEXT_MAX always suffices)
 * @param bufsize  size of @p buf
 * @return number of characters written (without NUL), or SL_ESPACE
 */
SL_API int sl_name_to_text(const uint8_t *name, char *buf, size_t bufsize);

/** Case-insensitive (ASCII) equality of two valid names. */
SL_API bool sl_name_equal(const uint8_t *a, const uint8_t *b);

/**
 * Compares two valid names in DNSSEC canonical order (RFC 4034 §6.1):
 * label by label from the root, each label compared as lower-cased octet
 * strings, a shorter label sorting first when it is a prefix.
 * @return <0, 0 or >0 like strcmp()
 */
SL_API int sl_name_compare(const uint8_t *a, const uint8_t *b);

/** True when @p name equals @p parent or lies below it (case-insensitive). */
SL_API bool sl_name_is_subdomain(const uint8_t *name, const uint8_t *parent);

/**
 * ASCII lower-casing of one octet, as names compare (RFC 4343 §3): only
 * 'A'..'Z' change. Label length octets (0..63) are below 'A', so a whole
 * wire name may be run through it.
 */
static inline uint8_t sl_lower_octet(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + ('a' - 'A')) : c;
}

/** Lower-cases the ASCII letters of a valid name in place (canonical form). */
SL_API void sl_name_tolower(uint8_t *name);

/**
 * Returns a pointer to the name's parent (the name without its first label),
 * inside the same buffer, or NULL when @p name is the root.
 */
SL_API const uint8_t *sl_name_parent(const uint8_t *name);

/**
 * Case-insensitive hash of a valid name (FNV-1a over the lower-cased octets).
 * Equal names under sl_name_equal() hash equally.
 */
SL_API uint32_t sl_name_hash(const uint8_t *name);

#ifdef __cplusplus
}
#endif
#endif /* SLUICE_NAME_H */
