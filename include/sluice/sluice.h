/*
 * Sluice — umbrella header: everything a plugin may use.
 * SPDX-License-Identifier: MIT OR Apache-2.0
 */
#ifndef SLUICE_SLUICE_H
#define SLUICE_SLUICE_H

/** @file Includes every public header of libsluice. */
#include <sluice/answer.h>
#include <sluice/arena.h>
#include <sluice/codec.h>
#include <sluice/common.h>
#include <sluice/conf.h>
#include <sluice/error.h>
#include <sluice/log.h>
#include <sluice/msg.h>
#include <sluice/name.h>
#include <sluice/plugin.h>
#include <sluice/resp.h>
#include <sluice/rr.h>
#include <sluice/zone.h>
#include <sluice/zscan.h>

#endif /* SLUICE_SLUICE_H */
