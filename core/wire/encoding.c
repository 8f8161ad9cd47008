/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Sluice core — base64, base32hex and hex (RFC 4648) for RDATA text.
 *
 * Decoders accept exactly one spelling of each octet string (apart from
 * letter case where the alphabet allows it, and blanks): padding where the
 * alphabet has it, no stray characters, zero unused bits. Zone data thus
 * round-trips through wire form unchanged, and BIND rejects the same inputs.
 */
#include "encoding.h"

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b32hex_alphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUV";
static const char hex_alphabet[] = "0123456789ABCDEF";

/* The value of base64 digit @p c (RFC 4648 §4). @return false for any other character */
static bool b64_value(char c, unsigned *v)
{
	if (c >= 'A' && c <= 'Z')
		*v = (unsigned)(c - 'A');
	else if (c >= 'a' && c <= 'z')
		*v = (unsigned)(c - 'a' + 26);
	else if (c >= '0' && c <= '9')
		*v = (unsigned)(c - '0' + 52);
	else if (c == '+')
		*v = 62;
	else if (c == '/')
		*v = 63;
	else
		return false;
	return true;
}

/* The value of base32hex digit @p c, either case (RFC 4648 §7). */
static bool b32hex_value(char c, unsigned *v)
{
	if (c >= '0' && c <= '9')
		*v = (unsigned)(c - '0');
	else if (c >= 'A' && c <= 'V')
		*v = (unsigned)(c - 'A' + 10);
	else if (c >= 'a' && c <= 'v')
		*v = (unsigned)(c - 'a' + 10);
	else
		return false;
	return true;
}

bool sl_hex_digit(char c, unsigned *v)
{
	if (c >= '0' && c <= '9')
		*v = (unsigned)(c - '0');
	else if (c >= 'A' && c <= 'F')
		*v = (unsigned)(c - 'A' + 10);
	else if (c >= 'a' && c <= 'f')
		*v = (unsigned)(c - 'a' + 10);
	else
		return false;
	return true;
}

int sl_base64_encode(const uint8_t *in, size_t len, char *out, size_t outcap)
{
	size_t need = SL_BASE64_LEN(len);
	size_t o = 0;

	if (need > outcap)
		return SL_ESPACE;
	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		size_t n = len - i;

		if (n > 1)
			v |= (uint32_t)in[i + 1] << 8;
		if (n > 2)
			v |= in[i + 2];
		out[o++] = b64_alphabet[(v >> 18) & 63];
		out[o++] = b64_alphabet[(v >> 12) & 63];
		out[o++] = n > 1 ? b64_alphabet[(v >> 6) & 63] : '=';
		out[o++] = n > 2 ? b64_alphabet[v & 63] : '=';
	}
	return (int)o;
}

int sl_base64_decode(const char *in, size_t len, uint8_t *out, size_t outcap, size_t *outlen)
{
	uint32_t acc = 0;
	unsigned nchars = 0; /* characters of the current 4-character quantum */
	unsigned npad = 0;
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		char c = in[i];
		unsigned v;

		if (sl_is_blank(c))
			continue;
		if (c == '=') {
			/* Padding fills positions 3 and 4 of a quantum only. */
			if (nchars + npad < 2)
				return SL_ESYNTAX;
			npad++;
			if (nchars + npad > 4)
				return SL_ESYNTAX;
			continue;
		}
		/* Nothing may follow padding. */
		if (npad > 0)
			return SL_ESYNTAX;
		if (!b64_value(c, &v))
			return SL_ESYNTAX;
		acc = (acc << 6) | v;
		if (++nchars == 4) {
			if (outcap - o < 3)
				return SL_ESPACE;
			out[o++] = (uint8_t)(acc >> 16);
			out[o++] = (uint8_t)(acc >> 8);
			out[o++] = (uint8_t)acc;
			acc = 0;
			nchars = 0;
		}
	}
	if (npad == 0) {
		if (nchars != 0)
			return SL_ESYNTAX;
	} else {
		size_t n = nchars - 1; /* 2 chars -> 1 octet, 3 -> 2 */

		if (nchars + npad != 4)
			return SL_ESYNTAX;
		/* The bits below the last whole octet must be zero. */
		if (acc & ((1u << (nchars * 6 - n * 8)) - 1))
			return SL_ESYNTAX;
		acc >>= nchars * 6 - n * 8;
		if (outcap - o < n)
			return SL_ESPACE;
		if (n == 2)
			out[o++] = (uint8_t)(acc >> 8);
		out[o++] = (uint8_t)acc;
	}
	*outlen = o;
	return SL_OK;
}

int sl_base32hex_encode(const uint8_t *in, size_t len, char *out, size_t outcap)
{
	size_t need = SL_BASE32HEX_LEN(len);
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t o = 0;

	if (need > outcap)
		return SL_ESPACE;
	for (size_t i = 0; i < len; i++) {
		acc = (acc << 8) | in[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out[o++] = b32hex_alphabet[(acc >> bits) & 31];
		}
	}
	if (bits > 0)
		out[o++] = b32hex_alphabet[(acc << (5 - bits)) & 31];
	return (int)o;
}

int sl_base32hex_decode(const char *in, size_t len, uint8_t *out, size_t outcap,
			size_t *outlen)
{
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t nchars = 0;
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned v;

		if (sl_is_blank(in[i]))
			continue;
		if (!b32hex_value(in[i], &v))
			return SL_ESYNTAX;
		nchars++;
		acc = (acc << 5) | v;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			if (o == outcap)
				return SL_ESPACE;
			out[o++] = (uint8_t)(acc >> bits);
		}
		acc &= (1u << bits) - 1;
	}
	/*
	 * A final group of 1, 3 or 6 characters encodes no whole octet, and the
	 * leftover bits (fewer than 5 in a valid encoding) must be zero.
	 */
	switch (nchars % 8) {
	case 1: case 3: case 6:
		return SL_ESYNTAX;
	default:
		break;
	}
	if (acc != 0)
		return SL_ESYNTAX;
	*outlen = o;
	return SL_OK;
}

int sl_hex_encode(const uint8_t *in, size_t len, char *out, size_t outcap)
{
	if (len > outcap / 2)
		return SL_ESPACE;
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = hex_alphabet[in[i] >> 4];
		out[2 * i + 1] = hex_alphabet[in[i] & 15];
	}
	return (int)(2 * len);
}

int sl_hex_decode(const char *in, size_t len, uint8_t *out, size_t outcap, size_t *outlen)
{
	unsigned hi = 0;
	bool half = false; /* hi holds the first digit of an octet */
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned v;

		if (sl_is_blank(in[i]))
			continue;
		if (!sl_hex_digit(in[i], &v))
			return SL_ESYNTAX;
		if (!half) {
			hi = v;
			half = true;
			continue;
		}
		if (o == outcap)
			return SL_ESPACE;
		out[o++] = (uint8_t)(hi << 4 | v);
		half = false;
	}
	if (half)
		return SL_ESYNTAX;
	*outlen = o;
	return SL_OK;
}
