#!/usr/bin/env bash
# Make the venv ready: find a Python >= 3.12, create the venv ($FISSION_VENV, by default
# ./.venv) and install Fission there with the versions pinned by constraints.txt: the core
# (what `fission run` needs), plus the extras asked for (pyproject.toml, sim/extras.py).
# Sourced by ./fission and scripts/test.sh, which then call `fission_setup [EXTRA...]`.
# Installs only when there is something to do: no venv yet, pyproject.toml or
# constraints.txt changed (the stamp hashes both), or an extra not installed yet is asked
# for (extras once installed stay installed). Prints only then, and how long it took.
set -euo pipefail

FISSION_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${FISSION_VENV:-$FISSION_ROOT/.venv}"
FISSION_STAMP="$VENV/.fission-installed"

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

# The extras a fission command line needs (the same as sim/extras.py says): `app` for
# `fission app`, `calibration` for `fission calibrate` (not with --transactions: scipy
# only), `optimise` for `fission optimise`, `dask` for `fission run` or `fission
# optimise` with `--workers N` (N > 1) or `--address`, `images` for `fission report
# --images`.
fission_extras_for() {
    local command="${1:-}" extras="" arg value="" next=""
    [ $# -gt 0 ] && shift
    case "$command" in
        app) extras="app" ;;
        calibrate) extras="calibration" ;;
        optimise) extras="optimise" ;;
    esac
    for arg in "$@"; do
        if [ -n "$next" ]; then
            value="$arg"
            arg="$next=$value"
            next=""
        fi
        case "$command:$arg" in
            *:-h | *:--help) echo "" && return 0 ;; # help needs nothing more
            run:--workers | run:--address | optimise:--workers | optimise:--address) next="${arg}" ;;
            run:--workers=* | optimise:--workers=*)
                value="${arg#--workers=}"
                if [[ "$value" =~ ^[0-9]+$ ]] && [ "$value" -gt 1 ]; then extras="$extras dask"; fi
                ;;
            run:--address=* | optimise:--address=*) extras="$extras dask" ;;
            report:--images) extras="$extras images" ;;
            calibrate:--transactions | calibrate:--transactions=*) extras="${extras/calibration/}" ;; # scipy only
        esac
    done
    echo "$extras"
}

# Sorted, comma-separated, each once; `test` and `bench` include every other extra.
fission_merge_extras() {
    local all=" " out="" e
    for e in $(echo "$*" | tr ',' ' '); do all="$all$e "; done
    for e in app bench calibration dask images optimise test; do
        case "$all" in *" $e "*) ;; *) continue ;; esac
        case "$e:$all" in app:*" test "* | dask:*" test "* | calibration:*" test "* | images:*" test "* | optimise:*" test "*) continue ;; esac
        case "$e:$all" in app:*" bench "* | dask:*" bench "* | calibration:*" bench "* | images:*" bench "* | optimise:*" bench "*) continue ;; esac
        out="${out:+$out,}$e"
    done
    echo "$out"
}

# Install the core and the extras given (and those installed before), if not done yet.
fission_setup() {
    local hash old="" old_hash="" old_extras="" extras stamp start python
    hash="$(cat "$FISSION_ROOT/pyproject.toml" "$FISSION_ROOT/constraints.txt" | sha256sum | cut -c1-16)"
    if [ -f "$FISSION_STAMP" ]; then
        old="$(cat "$FISSION_STAMP")"
        read -r old_hash old_extras <<<"$old" || true
    fi
    extras="$(fission_merge_extras "$old_extras" "$@")"
    stamp="$hash${extras:+ $extras}"
    if [ -x "$VENV/bin/python" ] && [ "$old" = "$stamp" ]; then
        return 0
    fi
    start=$SECONDS
    if [ ! -x "$VENV/bin/python" ]; then
        if ! python="$(find_python)"; then
            echo "fission: no Python 3.12 or newer found (tried python3.13, python3.12, python3, pyenv versions)." >&2
            echo "fission: install Python 3.12+ and try again." >&2
            exit 1
        fi
        echo "fission: setting up $VENV with $("$python" --version) (first run only: about 3 minutes)..." >&2
        "$python" -m venv "$VENV"
        "$VENV/bin/python" -m pip install --quiet --upgrade pip -c "$FISSION_ROOT/constraints.txt" >&2
    elif [ "$old_hash" != "$hash" ]; then
        echo "fission: pyproject.toml or constraints.txt changed: updating $VENV..." >&2
    else
        echo "fission: installing what this command needs (extra: $*; first use only)..." >&2
    fi
    # PYTHONWARNINGS: setuptools' notes while it builds the editable install are noise here.
    PYTHONWARNINGS=ignore "$VENV/bin/python" -m pip install --quiet \
        -c "$FISSION_ROOT/constraints.txt" -e "$FISSION_ROOT${extras:+[$extras]}" >&2
    echo "$stamp" >"$FISSION_STAMP"
    echo "fission: set up in $((SECONDS - start)) s${extras:+ (extras: $extras)}" >&2
}
