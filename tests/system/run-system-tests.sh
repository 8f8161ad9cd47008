#!/bin/sh
# Sluice system tests: the real sluiced on free loopback ports, queried with
# kdig and dnspython. Run by `make check` (tests/Makefile.inc sets the
# environment); by hand from the repo root after `make`:
#   tests/system/run-system-tests.sh
# Exit 77 (automake SKIP) only when kdig or pytest/dnspython is missing.
# SPDX-License-Identifier: MIT OR Apache-2.0

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
: "${SLUICE_SRCDIR:=$repo}"
: "${SLUICE_BUILDDIR:=$repo}"
: "${SLUICE_TEST_PLUGINS:=$SLUICE_BUILDDIR/tests/unit/plugins/.libs}"
export SLUICE_SRCDIR SLUICE_BUILDDIR SLUICE_TEST_PLUGINS
# The source tree may be read-only (make distcheck): no __pycache__ there.
PYTHONDONTWRITEBYTECODE=1
export PYTHONDONTWRITEBYTECODE

if ! command -v kdig >/dev/null 2>&1; then
	echo "SKIP: kdig not found (Debian: apt-get install knot-dnsutils)" >&2
	exit 77
fi

# A python3 that has pytest and dnspython: $PYTHON if set, else the first
# python3 on PATH, else Debian's (a pyenv or venv python3 earlier on PATH may
# lack the Debian python3-pytest / python3-dnspython packages).
py=
for cand in ${PYTHON:-} python3 /usr/bin/python3; do
	if command -v "$cand" >/dev/null 2>&1 &&
		"$cand" -c 'import pytest, dns.message' >/dev/null 2>&1; then
		py=$cand
		break
	fi
done
if [ -z "$py" ]; then
	echo "SKIP: python3 with pytest and dnspython not found" \
		"(Debian: apt-get install python3-pytest python3-dnspython)" >&2
	exit 77
fi

# -rfEs: summary of failures, errors and skips; --durations: spot slow tests.
exec "$py" -m pytest -q -p no:cacheprovider -rfEs --durations=5 \
	"$SLUICE_SRCDIR/tests/system" "$@"
