#!/usr/bin/env bash
# Make ./.venv ready: find a Python >= 3.12, create the venv, install Fission and its test
# tools. Re-installs only when pyproject.toml changed. Sourced by ./fission and
# scripts/test.sh; prints only when it has work to do.
set -euo pipefail

FISSION_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$FISSION_ROOT/.venv"

find_python() {
    local candidates=(python3.13 python3.12 python3 python)
    if command -v pyenv >/dev/null 2>&1; then
        local root
        root="$(pyenv root)"
        for v in "$root"/versions/3.1[2-9]*; do
            [ -x "$v/bin/python3" ] && candidates+=("$v/bin/python3")
        done
    fi
    for c in "${candidates[@]}"; do
        # Probe by running: pyenv shims exist on PATH but fail when not selected.
        if "$c" -c 'import sys; assert sys.version_info >= (3, 12)' >/dev/null 2>&1; then
            echo "$c"
            return 0
        fi
    done
    return 1
}

stamp="$(sha256sum "$FISSION_ROOT/pyproject.toml" | cut -c1-16)"
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$VENV/.fission-installed" 2>/dev/null)" != "$stamp" ]; then
    if ! PYTHON="$(find_python)"; then
        echo "fission: no Python 3.12 or newer found (tried python3.13, python3.12, python3, pyenv versions)." >&2
        echo "fission: install Python 3.12+ and try again." >&2
        exit 1
    fi
    echo "fission: setting up $VENV with $("$PYTHON" --version) (first run only)..." >&2
    [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip >&2
    "$VENV/bin/python" -m pip install --quiet -e "$FISSION_ROOT[test]" >&2
    echo "$stamp" > "$VENV/.fission-installed"
fi
