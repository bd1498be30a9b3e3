#!/usr/bin/env bash
# The whole test suite, with its own set-up (the `test` extra: the test tools and every
# other extra, so everything is tested): lint, then every test (slow ones included).
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/bootstrap.sh"
fission_setup test
cd "$FISSION_ROOT"
"$VENV/bin/ruff" check sim tests benchmarks scripts
"$VENV/bin/ruff" format --check sim tests benchmarks scripts
# pytest exits 5 when it collected no test: that is a failure too (set -e).
exec "$VENV/bin/pytest" "$@"
