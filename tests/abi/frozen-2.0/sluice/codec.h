/*
 * Sluice — binary-to-text encodings: base64 and base32hex (RFC 4648) and
 * hex, as DNS presentation formats, key files and configuration secrets
 * use them. Part of libsluice-wire.
 * SPDX-License-Identifier: MIT OR Apache-2.0
 *
 * Nothing here allocates. Encoders never write a NUL; they fail with
 * SL_ESPACE instead of writing a partial result. Decoders treat their input
 * as hostile and never write beyond the capacity they are given.
 */
#ifndef SLUICE_CODEC_H
#define SLUICE_CODEC_H

#include <sluice/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Characters of the base64 form of @p n octets (with '=' padding). */
#define SL_BASE64_LEN(n) (((size_t)(n) + 2) / 3 * 4)
/** Characters of the unpadded base32hex form of @p n octets. */
#define SL_BASE32HEX_LEN(n) (((size_t)(n)*8 + 4) / 5)
/** Characters of the hex form of @p n octets. */
#define SL_HEX_LEN(n) ((size_t)(n)*2)

/**
 * Base64 (RFC 4648 §4) with padding.
 * @return characters written to @p out (no NUL), or SL_ESPACE
 */
SL_API int sl_base64_encode(const uint8_t *in, size_t len, char *out, size_t outcap);

/**
 * Decodes base64. Blanks (space, tab, CR, LF) between characters are skipped
 * so that presentation formats may split the data into several tokens.
 * Padding is required, must come last, and the bits it leaves unused must be
 * zero (RFC 4648 §3.5), so that every octet string has exactly one accepted
 * encoding. Empty input decodes to zero octets.
 * @return SL_OK, SL_ESYNTAX or SL_ESPACE (more than @p outcap octets)
 */
SL_API int sl_base64_decode(const char *in, size_t len, uint8_t *out, size_t outcap,
			    size_t *outlen);

/**
 * Base32 with the "extended hex" alphabet (RFC 4648 §7), upper case, without
 * padding — the form NSEC3 uses for hashed owner names (RFC 5155 §3.3).
 * @return characters written (no NUL), or SL_ESPACE
 */
SL_API int sl_base32hex_encode(const uint8_t *in, size_t len, char *out, size_t outcap);

/**
 * Decodes unpadded base32hex, either case. Blanks are skipped. Lengths that
 * no octet string encodes to and non-zero unused trailing bits are rejected.
 * @return SL_OK, SL_ESYNTAX or SL_ESPACE
 */
SL_API int sl_base32hex_decode(const char *in, size_t len, uint8_t *out, size_t outcap,
			       size_t *outlen);

/** Hex, upper case. @return characters written (no NUL), or SL_ESPACE */
SL_API int sl_hex_encode(const uint8_t *in, size_t len, char *out, size_t outcap);

/**
 * Decodes hex digits, either case; blanks between digits are skipped; an odd
 * number of digits is an error. @return SL_OK, SL_ESYNTAX or SL_ESPACE
 */
SL_API int sl_hex_decode(const char *in, size_t len, uint8_t *out, size_t outcap, size_t *outlen);

#ifdef __cplusplus
}
#endif
#endif /* SLUICE_CODEC_H */
