#!/usr/bin/env bash
# Creates .venv with Python >= 3.12, installs the project with every extra (ui: the front end; dask:
# sweeps on Dask; optimise: Optuna and EMA Workbench; xlsx: Excel export; test: test and style tools) at the versions
# pinned in constraints.txt (the ones CI tested), and fills Solara's offline asset cache (the front
# end's JavaScript), and compiles the engine's kernels into numba's cache. With --test it also installs
# Chromium for the end-to-end browser tests.
# Idempotent: re-runs pip only when pyproject.toml or constraints.txt changed. scripts/lock.sh
# refreshes constraints.txt.
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
        echo "  Looked for python3.12, python3.13, python3 and python on PATH and in ${PYENV_ROOT:-$HOME/.pyenv}/versions/." >&2
        echo "  Mesa 3.5 needs Python >= 3.12: install one (e.g. 'pyenv install 3.12') and run this again." >&2
        exit 1
    fi
    echo "setup: creating .venv with $py ($("$py" --version))"
    "$py" -m venv .venv
fi

stamp=.venv/.setup-stamp
want="$(cat pyproject.toml constraints.txt | sha256sum | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
    if ! .venv/bin/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[ui,dask,optimise,xlsx,test,fast]"; then
        echo "setup: installing the pinned versions of constraints.txt failed (see pip's message above)." >&2
        echo "  They were tested on $(sed -n 's/^# Python: //p' constraints.txt); this .venv has $(.venv/bin/python --version)." >&2
        echo "  On another Python, scripts/lock.sh resolves and pins versions for it (then run the tests)." >&2
        exit 1
    fi
    echo "$want" > "$stamp"
fi

# Compile the engine's kernels into numba's on-disk cache now, so a first run that uses them (50,000 consumers
# or more, a comparison's workers) loads them instead of compiling (issue 24). Again only when a kernel or rule
# file changed (numba's cache is keyed by the files' times too).
kernel_files=(simulation/_compiled.py simulation/network/compiled.py simulation/rules/*.py)
kernels_want="$( (.venv/bin/python -c 'import numba; print(numba.__version__)' 2>/dev/null; stat -c '%n %Y %s' "${kernel_files[@]}") | sha256sum | cut -d' ' -f1)"
kernels_stamp=simulation/__pycache__/.kernels-warm
if [ ! -f "$kernels_stamp" ] || [ "$(cat "$kernels_stamp")" != "$kernels_want" ]; then
    echo "setup: compiling the engine's kernels into numba's cache (once, under a minute)"
    .venv/bin/python -m simulation.warm_kernels
    mkdir -p simulation/__pycache__ && echo "$kernels_want" > "$kernels_stamp"
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
