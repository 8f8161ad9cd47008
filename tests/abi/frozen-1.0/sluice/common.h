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

#ifdef __cplusplus
}
#endif
#endif /* SLUICE_COMMON_H */
