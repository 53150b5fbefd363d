#!/usr/bin/env bash
# Rebuild the partial plotly.js bundle that every chikuden report inlines:
# src/chikuden/report/assets/plotly-partial.min.js (+ plotly.js-LICENSE.txt next to it).
#
#   scripts/build_plotly_bundle.sh            the plotly.js version of the installed plotly package
#   scripts/build_plotly_bundle.sh 4.1.1      an explicit plotly.js version
#
# The bundle holds plotly.js's core (which always carries the scatter trace) and the trace types
# listed in TRACES below, nothing else: no maps, no WebGL, no 3D. It is built with esbuild from
# the npm registry's plotly.js package at the SAME version that the Python plotly package ships
# (tests/test_plotly_bundle.py checks this and that every trace type a chart can produce is in
# the bundle). Not run by `make test`: run it after upgrading plotly or adding a trace type, then
# commit the two files it writes. Needs node and npm (Debian: apt-get install nodejs npm).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="$ROOT/src/chikuden/report/assets"
TRACES=(bar)           # besides scatter, which plotly.js's core registers itself
ESBUILD_VERSION=0.28.2

say() { echo "build_plotly_bundle.sh: $*" >&2; }
die() { say "$*"; exit 1; }

command -v npm >/dev/null 2>&1 || die "npm is missing: apt-get install nodejs npm"
PY="$ROOT/.venv/bin/python"
[ -x "$PY" ] || PY=$(command -v python3)
VERSION="${1:-$("$PY" -c 'import plotly.offline as o; print(o.get_plotlyjs_version())')}"
[[ "$VERSION" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "not a plotly.js version: $VERSION"

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
echo '{"name": "chikuden-plotly-bundle", "version": "0.0.0", "private": true}' > package.json
say "installing plotly.js@$VERSION and esbuild@$ESBUILD_VERSION from the npm registry"
npm install --silent --no-audit --no-fund "plotly.js@$VERSION" "esbuild@$ESBUILD_VERSION" >&2

{
  echo "'use strict';"
  echo "var Plotly = require('plotly.js/lib/core');"
  echo "Plotly.register(["
  for t in "${TRACES[@]}"; do echo "    require('plotly.js/lib/$t'),"; done
  echo "]);"
  echo "module.exports = Plotly;"
} > entry.js

# As plotly.js's own build (esbuild-config.js), except: CSS imports are empty (the only one
# reachable is maplibre's, required when a map trace registers, which this bundle has none of).
npx --no-install esbuild entry.js --bundle --minify --format=iife --global-name=Plotly \
  --target=es2016 --define:global=window --define:define.amd=false --loader:.css=empty \
  --legal-comments=eof --log-level=warning --outfile=bundle.js >&2

installed=$(node -p "require('plotly.js/package.json').version")
[ "$installed" = "$VERSION" ] || die "npm installed plotly.js $installed, not $VERSION"
if grep -qi '</script' bundle.js; then die "the bundle contains '</script' and cannot be inlined"; fi

mkdir -p "$OUT"
{
  echo "/**"
  echo "* plotly.js v$VERSION (chikuden partial bundle; traces: scatter ${TRACES[*]})"
  echo "* Built by scripts/build_plotly_bundle.sh with esbuild $ESBUILD_VERSION from the npm package plotly.js@$VERSION."
  echo "* Copyright 2012-$(date -u +%Y), Plotly, Inc. All rights reserved."
  echo "* Licensed under the MIT license (plotly.js-LICENSE.txt next to this file)"
  echo "*/"
  cat bundle.js
} > "$OUT/plotly-partial.min.js"
cp node_modules/plotly.js/LICENSE "$OUT/plotly.js-LICENSE.txt"
say "wrote $OUT/plotly-partial.min.js ($(wc -c < "$OUT/plotly-partial.min.js") bytes)"
