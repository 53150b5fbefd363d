#!/usr/bin/env bash
# Debian's chromium and the Noto CJK fonts for the browser tests (tests/browser/); prints the
# browser's path on stdout.
#
#   scripts/chromium.sh     install chromium and fonts-noto-cjk if missing, print chromium's path
#
# Idempotent: when both are installed it only prints the path. The tests drive this browser
# with the Python playwright package (never `playwright install`, which downloads a browser
# build of its own): CHIKUDEN_CHROMIUM=$(scripts/chromium.sh) pytest -m browser
set -euo pipefail

say() { echo "chromium.sh: $*" >&2; }
die() { say "$*"; exit 1; }

find_chromium() { command -v chromium || command -v chromium-browser || true; }
has_cjk_font() { fc-list :lang=ja family 2>/dev/null | grep -qi "Noto Sans CJK"; }

missing=()
[ -n "$(find_chromium)" ] || missing+=(chromium)
has_cjk_font || missing+=(fonts-noto-cjk)
if [ "${#missing[@]}" -gt 0 ]; then
  say "installing Debian's ${missing[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || die "run as root or install them: apt-get install ${missing[*]}"
    sudo="sudo -n"
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq >&2
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" fontconfig >&2
fi

path=$(find_chromium)
[ -n "$path" ] || die "chromium was installed but is not on PATH"
has_cjk_font || die "fonts-noto-cjk was installed but fontconfig finds no Noto Sans CJK font"
echo "$path"
