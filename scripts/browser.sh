#!/usr/bin/env bash
# Makes sure Debian's chromium is installed at /usr/bin/chromium, for the headless browser tests
# (tests/ui_support.py drives it with Playwright). Idempotent: apt runs only when it is missing.
# Needs root (as on the dev machines and CI) or sudo.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [ ! -x "$CHROMIUM" ]; then
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "browser: $CHROMIUM is missing and apt-get is not available: install Chromium by hand." >&2
        exit 1
    fi
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1; then
            sudo="sudo"
        else
            echo "browser: $CHROMIUM is missing and installing it needs root (or sudo)." >&2
            exit 1
        fi
    fi
    echo "browser: installing Debian's chromium package..."
    start=$(date +%s)
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends chromium >/dev/null
    echo "browser: chromium installed in $(( $(date +%s) - start )) s"
    if [ ! -x "$CHROMIUM" ]; then
        echo "browser: apt-get installed chromium but $CHROMIUM does not exist." >&2
        exit 1
    fi
fi

# --version needs no display and no profile; it does not reach the network.
echo "browser: $("$CHROMIUM" --version 2>/dev/null || echo "chromium at $CHROMIUM (version unknown)")"
