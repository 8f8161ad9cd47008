#!/bin/sh
# Configures (once) and builds Sluice in the source tree.
# Usage: pkg/build.sh [extra configure arguments]
# SPDX-License-Identifier: MIT OR Apache-2.0
set -eu
cd "$(dirname "$0")/.."
[ -x configure ] || autoreconf -fi
[ -f Makefile ] || ./configure --quiet "$@"
make -j"$(nproc)"
