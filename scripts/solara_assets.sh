#!/usr/bin/env bash
# Fills Solara's offline CDN cache so that `solara run` pages render without internet access.
#
# The Solara server serves its JavaScript/CSS from /_solara/cdn/<path>; for a file it does not
# have under its cache directory, <sys.prefix>/share/solara/cdn/<path>, it tries the public CDN
# (and logs "Could not load URL: ..." when that fails, leaving the page blank). <path> starts
# with "<npm package>@<version as written in solara's source>" (an exact version, or a range
# such as vega@5), followed by the file's path inside the npm package. So each package is
# fetched from the npm registry with `npm pack <package>@<version>` and the tarball's package/
# folder is unpacked into <cache>/<package>@<version as written>/.
#
# Which packages: read from the installed solara's own source (page template, widget .vue files,
# Markdown component), so a solara upgrade that moves a version is followed; if that reading
# finds nothing, the list below (checked against solara 1.64.1, Vue 2 mode) is used.
#
# Usage: scripts/solara_assets.sh [PYTHON]
#   PYTHON: the venv's python (default: <repo>/.venv/bin/python). The cache goes under its
#   sys.prefix, or under $SOLARA_ASSETS_PROXY_CACHE_DIR when that is set (as solara does).
# Idempotent: a package already unpacked (marker file present) is left alone ("cached").
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PY="${1:-$here/../.venv/bin/python}"

# Checked against solara 1.64.1 with ipyvue/ipyvuetify < 3 (Vue 2 mode) and ipywidgets 8.
FALLBACK_ASSETS=(
    "@widgetti/solara-vuetify-app@10.1.1 dist/solara-vuetify-app8.min.js dist/main8.css dist/fonts.css"
    "requirejs@2.3.6 require.js"
    "font-awesome@4.5.0 css/font-awesome.min.css"
    "@widgetti/vue-grid-layout@2.3.13-alpha.2 dist/vue-grid-layout.umd.js"
    "vega@5 build/vega.min.js"
    "vega-lite@5 build/vega-lite.min.js"
    "vega-embed@6 build/vega-embed.min.js"
    "katex@0.16.9 dist/katex.min.js dist/katex.min.css dist/contrib/auto-render.min.js"
    "mermaid@10.8.0 dist/mermaid.min.js"
)
MARKER=".solara-assets-npm-pack"

die() { echo "solara_assets: $*" >&2; exit 1; }

[ -x "$PY" ] || die "no python at $PY (create the venv first: scripts/setup.sh), or pass the venv's python as the first argument"
command -v npm >/dev/null 2>&1 || die "npm is not installed; it is needed to fetch Solara's front-end packages from the npm registry (Debian: apt-get install -y npm)"
command -v tar >/dev/null 2>&1 || die "tar is not installed"

# One line "CACHE <dir>", then one line per package: "<folder> <path in package> ...".
discovery="$("$PY" - <<'PYEOF'
import os, re, sys
from pathlib import Path

cache = os.environ.get("SOLARA_ASSETS_PROXY_CACHE_DIR") or os.path.join(sys.prefix, "share", "solara", "cdn")
print("CACHE", cache)
try:
    import importlib.util
    spec = importlib.util.find_spec("solara")
    root = Path(spec.origin).parent if spec and spec.origin else None
except Exception:
    root = None
if root is None:
    sys.exit(0)

def version_of(dist):
    try:
        from importlib.metadata import version
        return version(dist)
    except Exception:
        return ""

vue3 = version_of("ipyvue").startswith("3")
widgets_major = (version_of("ipywidgets") or "8").split(".")[0]

files = [root / "server" / "templates" / "solara.html.j2"]
files += sorted((root / "widgets" / "vue").glob("*.vue"))
files += sorted((root / "components").glob("*.vue")) + sorted((root / "components").glob("*.py"))
# "<cdn>/<pkg>@<version>/<path>" as written in the template ({{cdn}}) and in widgets (getCdn()}).
url = re.compile(r"""(?:\{\{\s*cdn\s*\}\}|getCdn\(\)\})/((?:@[\w.-]+/)?[\w.-]+@[\w.^~-]+)/([^\s'"`)]+)""")
found = {}
for f in files:
    try:
        text = f.read_text(errors="replace")
    except OSError:
        continue
    for folder, path in url.findall(text):
        path = re.sub(r"\{\{\s*ipywidget_major_version\s*\}\}", widgets_major, path)
        if "{" in path or "$" in path:
            continue
        if "solara-vuetify3-app@" in folder and not vue3:
            continue
        if "solara-vuetify-app@" in folder and vue3:
            continue
        found.setdefault(folder, [])
        if path not in found[folder]:
            found[folder].append(path)
settings = root / "server" / "settings.py"
try:
    m = re.search(r'fontawesome_path:\s*str\s*=\s*"/([^/"]+)/([^"]+)"', settings.read_text())
    if m:
        found.setdefault(m.group(1), []).append(m.group(2))
except OSError:
    pass
for folder, paths in found.items():
    print(folder, *paths)
PYEOF
)" || die "could not run $PY to find sys.prefix"

cache="$(printf '%s\n' "$discovery" | sed -n 's/^CACHE //p')"
[ -n "$cache" ] || die "could not determine the cache directory from $PY"
mapfile -t assets < <(printf '%s\n' "$discovery" | grep -v '^CACHE ' || true)
if [ "${#assets[@]}" -eq 0 ]; then
    echo "solara_assets: could not read the asset list from the installed solara; using the list checked for solara 1.64.1" >&2
    assets=("${FALLBACK_ASSETS[@]}")
fi

mkdir -p "$cache"
work="$(mktemp -d "${TMPDIR:-/tmp}/solara-assets.XXXXXX")"
trap 'rm -rf "$work"' EXIT

echo "solara_assets: cache $cache"
status=0
for line in "${assets[@]}"; do
    read -r folder paths <<<"$line"
    dest="$cache/$folder"
    if [ -f "$dest/$MARKER" ]; then
        echo "cached   $folder"
        continue
    fi
    # npm wants "<name>@<version or range>": that is exactly the folder name.
    spec="$folder"
    pack_dir="$work/pack.$RANDOM$RANDOM"
    mkdir -p "$pack_dir"
    if ! tgz="$(cd "$pack_dir" && npm pack --loglevel=error "$spec" 2>"$pack_dir/npm.err")"; then
        echo "FAILED   $folder: npm pack $spec failed:" >&2
        sed 's/^/    /' "$pack_dir/npm.err" >&2
        status=1
        continue
    fi
    tgz="$(printf '%s\n' "$tgz" | tail -n 1)"
    if [ ! -f "$pack_dir/$tgz" ]; then
        echo "FAILED   $folder: npm pack $spec produced no tarball (got '$tgz')" >&2
        status=1
        continue
    fi
    version="$(printf '%s' "$tgz" | sed -E 's/\.tgz$//; s/.*-([0-9]+\.[0-9]+\.[0-9]+.*)$/\1/')"
    mkdir -p "$pack_dir/unpacked"
    if ! tar -xzf "$pack_dir/$tgz" -C "$pack_dir/unpacked" --no-same-owner; then
        echo "FAILED   $folder: could not unpack $tgz" >&2
        status=1
        continue
    fi
    src="$pack_dir/unpacked/package"
    [ -d "$src" ] || src="$(find "$pack_dir/unpacked" -mindepth 1 -maxdepth 1 -type d | head -n 1)"
    # The public CDN minifies on request: "x.min.js" exists there even where the package only
    # has "x.js". Mirror that with a copy, so such a request is served from the cache too.
    missing=()
    for p in $paths; do
        if [ ! -f "$src/$p" ]; then
            unmin="$(printf '%s' "$p" | sed -E 's/\.min\.(js|css)$/.\1/')"
            if [ "$unmin" != "$p" ] && [ -f "$src/$unmin" ]; then
                cp "$src/$unmin" "$src/$p"
            else
                missing+=("$p")
            fi
        fi
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        echo "FAILED   $folder: $tgz has no ${missing[*]} (the path solara requests)" >&2
        status=1
        continue
    fi
    mkdir -p "$(dirname "$dest")"
    if [ -e "$dest" ]; then
        # Files the server cached by itself earlier (with internet access): complete the folder.
        cp -a "$src/." "$dest/"
    else
        # Same filesystem as the cache: the folder appears complete or not at all.
        staged="$(mktemp -d "$cache/.staging.XXXXXX")"
        mv "$src" "$staged/package"
        mv "$staged/package" "$dest"
        rmdir "$staged"
    fi
    chmod -R a+rX "$dest"
    # Written last: a folder without it (an interrupted run) is completed by the next run.
    printf '%s\n' "$spec -> $tgz" >"$dest/$MARKER"
    echo "fetched  $folder ($version)"
done

[ "$status" -eq 0 ] || die "some packages could not be fetched (see above); Solara pages will stay blank offline until they are"
