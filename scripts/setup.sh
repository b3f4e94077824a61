#!/usr/bin/env bash
# Creates .venv with Python >= 3.12, installs the project, its test tools and the optimise extra (Optuna,
# EMA Workbench), and fills Solara's offline asset cache (the front end's JavaScript). With --test it also
# installs Chromium for the end-to-end browser tests. Idempotent: re-runs pip only when pyproject.toml changed.
set -euo pipefail
with_browser=0
for arg in "$@"; do
    case "$arg" in
        --test) with_browser=1 ;;
        *) echo "setup: unknown option $arg (allowed: --test)" >&2; exit 2 ;;
    esac
done
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

find_python() {
    local candidates=()
    for name in python3.12 python3.13 python3 python; do
        command -v "$name" >/dev/null 2>&1 && candidates+=("$(command -v "$name")")
    done
    # pyenv's standard location, for shells whose PATH does not include pyenv's shims.
    local pyenv_root="${PYENV_ROOT:-$HOME/.pyenv}"
    for dir in "$pyenv_root"/versions/3.1[2-9]*/bin; do
        [ -x "$dir/python3" ] && candidates+=("$dir/python3")
    done
    for py in "${candidates[@]}"; do
        if "$py" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
            echo "$py"; return 0
        fi
    done
    return 1
}

if [ ! -x .venv/bin/python ]; then
    if ! py="$(find_python)"; then
        echo "setup: no Python 3.12 or newer found." >&2
        echo "  Looked for python3.13, python3.12, python3 and python on PATH and in ${PYENV_ROOT:-$HOME/.pyenv}/versions/." >&2
        echo "  Mesa 3.5 needs Python >= 3.12: install one (e.g. 'pyenv install 3.12') and run this again." >&2
        exit 1
    fi
    echo "setup: creating .venv with $py ($("$py" --version))"
    "$py" -m venv .venv
fi

stamp=.venv/.setup-stamp
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[test,optimise,xlsx,fast]"
    echo "$want" > "$stamp"
fi

if command -v npm >/dev/null 2>&1; then
    bash scripts/solara_assets.sh .venv/bin/python >/dev/null
else
    echo "setup: npm not found: the front end (run.py ui) needs it once to cache its JavaScript offline" >&2
    [ "$with_browser" = 1 ] && exit 1
fi
if [ "$with_browser" = 1 ]; then
    bash scripts/browser.sh
fi
