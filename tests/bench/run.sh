#!/bin/sh
# Sluice benchmark: sluiced vs knotd vs nsd, one command.
#   tests/bench/run.sh [--quick] [--profile] [other bench.py options]
# See tests/bench/README.md.
set -e
here=$(cd "$(dirname "$0")" && pwd)
exec python3 "$here/bench.py" "$@"
