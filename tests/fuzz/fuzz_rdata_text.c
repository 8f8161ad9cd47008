/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * libFuzzer target for the RDATA text codec.
 *
 * Input: two octets of RR type (network order), then presentation text. Text
 * that parses must yield RDATA that validates, prints, and parses back to the
 * identical wire form. The one sanctioned difference: type bitmaps given as
 * "\#" data may carry trailing zero octets or empty windows (valid per
 * RFC 4034, which only asks senders to avoid them); printing lists the types,
 * so re-parsing yields the minimal encoding — which must then be stable.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sluice/rr.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every octet may print as a 4-character escape, plus quotes and separators. */
#define TEXT_MAX (5 * SL_RDATA_MAXLEN + 1024)

static uint8_t wire1[SL_RDATA_MAXLEN];
static uint8_t wire2[SL_RDATA_MAXLEN];
static char text1[TEXT_MAX];
static char text2[TEXT_MAX];

static const uint8_t origin[] = { 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0 };

static bool has_bitmap(uint16_t type)
{
	return type == SL_TYPE_NSEC || type == SL_TYPE_NSEC3;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint16_t type;
	size_t len1, len2;
	char err[256];
	int n1, n2;

	if (size < 2)
		return 0;
	type = (uint16_t)(data[0] << 8 | data[1]);
	if (sl_rdata_from_text(type, (const char *)data + 2, size - 2, origin, wire1,
			       sizeof(wire1), &len1, err, sizeof(err)) != SL_OK)
		return 0;
	if (sl_rdata_check(type, wire1, len1) != SL_OK)
		abort();

	n1 = sl_rdata_to_text(type, wire1, len1, text1, sizeof(text1));
	if (n1 < 0 || (size_t)n1 != strlen(text1))
		abort();
	/* Printed names are absolute: no origin needed the second time. */
	if (sl_rdata_from_text(type, text1, (size_t)n1, NULL, wire2, sizeof(wire2), &len2, err,
			       sizeof(err)) != SL_OK)
		abort();
	if (len1 == len2 && memcmp(wire1, wire2, len1) == 0)
		return 0;
	if (!has_bitmap(type))
		abort();

	/* Bitmap canonicalised: the minimal form must print the same and be a fixpoint. */
	n2 = sl_rdata_to_text(type, wire2, len2, text2, sizeof(text2));
	if (n2 != n1 || memcmp(text1, text2, (size_t)n1) != 0)
		abort();
	if (sl_rdata_from_text(type, text2, (size_t)n2, NULL, wire1, sizeof(wire1), &len1, err,
			       sizeof(err)) != SL_OK ||
	    len1 != len2 || memcmp(wire1, wire2, len1) != 0)
		abort();
	return 0;
}
