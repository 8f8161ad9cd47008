/*
 * Sluice — common definitions shared by every public header.
 * SPDX-License-Identifier: MIT OR Apache-2.0
 */
#ifndef SLUICE_COMMON_H
#define SLUICE_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Marks a symbol that is part of libsluice's public ABI. */
#define SL_API __attribute__((visibility("default")))

/** printf-style format checking for functions taking (fmt, ...). */
#define SL_PRINTF(fmt_idx, first_arg) __attribute__((format(printf, fmt_idx, first_arg)))

/**
 * Error codes. Every fallible function in libsluice returns 0 (SL_OK) on
 * success or one of these negative values; sl_strerror() describes them.
 */
enum sl_error {
	SL_OK = 0,           /**< Success. */
	SL_EINVAL = -1,      /**< Invalid argument or state. */
	SL_ENOMEM = -2,      /**< Allocation failed or a fixed pool is exhausted. */
	SL_ESPACE = -3,      /**< Output buffer or message has no room left. */
	SL_EMALFORMED = -4,  /**< Input (wire data) is malformed or truncated. */
	SL_ESYNTAX = -5,     /**< Presentation-format text does not parse. */
	SL_ENOTFOUND = -6,   /**< The requested item does not exist. */
	SL_EEXIST = -7,      /**< The item already exists. */
	SL_ELIMIT = -8,      /**< A configured or protocol limit was exceeded. */
	SL_ENOTSUP = -9,     /**< Operation or feature not supported. */
	SL_EIO = -10,        /**< I/O or system call failure (see errno). */
	SL_ECONFIG = -11,    /**< Configuration error (details in the error buffer). */
	SL_EABI = -12,       /**< Plugin ABI version or descriptor mismatch. */
	SL_ELOOP = -13,      /**< Compression-pointer loop or chain too long. */
};

/**
 * Returns a static, human-readable description of an SL_E* error code.
 * Unknown codes yield "unknown error".
 */
SL_API const char *sl_strerror(int err);

/** Version string of the libsluice this code runs against, e.g. "0.1.0". */
SL_API const char *sl_version(void);

/*
 * Network byte order (big-endian) fields, as DNS writes every integer. The
 * caller has checked that the octets are there; these never check bounds.
 * Inline: they sit on every packet path and compile to a load and a swap.
 */

/** Reads the 16-bit big-endian value at @p p. */
static inline uint16_t sl_read_u16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

/** Reads the 32-bit big-endian value at @p p. */
static inline uint32_t sl_read_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/** Writes @p v at @p p as 2 octets, big-endian. */
static inline void sl_write_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/** Writes @p v at @p p as 4 octets, big-endian. */
static inline void sl_write_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

#ifdef __cplusplus
}
#endif
#endif /* SLUICE_COMMON_H */
