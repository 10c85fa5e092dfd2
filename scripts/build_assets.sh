#!/usr/bin/env bash
# Build Inclusion Pool's front-end assets from the pinned npm packages.
#
# Compiles GOV.UK Frontend from SCSS with our own neutral font stack (no
# GDS Transport, no crown) and copies the vendored JavaScript into static/.
# The output is committed, so running the Django app and its tests needs no
# Node.js; re-run this script after changing assets/ or package.json.
#
# Usage (from anywhere): scripts/build_assets.sh
# Safe to run repeatedly: every output is overwritten, never appended to.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

if ! command -v npm >/dev/null 2>&1; then
  echo "build_assets: npm is not installed; cannot rebuild assets (the committed static/ files still work)." >&2
  exit 1
fi

# Install exactly what package-lock.json records (no lifecycle scripts needed).
if [ ! -d node_modules/govuk-frontend ] || [ ! -x node_modules/.bin/sass ]; then
  npm ci --no-audit --no-fund --ignore-scripts
fi

GOVUK_DIST="node_modules/govuk-frontend/dist/govuk"

# 1. Stylesheet.
mkdir -p static/css
npx --no-install sass --pkg-importer=node --style=compressed --no-source-map \
  assets/scss/app.scss static/css/app.css

if grep -q "GDS Transport" static/css/app.css; then
  echo "build_assets: static/css/app.css mentions GDS Transport; check assets/scss/app.scss" >&2
  exit 1
fi

# Copy a minified script, dropping its trailing `//# sourceMappingURL=` comment:
# we do not ship the .map files, and Django's manifest storage (collectstatic)
# fails on references to files that do not exist.
copy_js() {
  mkdir -p "$(dirname "$2")"
  sed -e '$ s~//# sourceMappingURL=[^ ]*$~~' "$1" >"$2.tmp"
  mv "$2.tmp" "$2"
}

# 2. GOV.UK Frontend JavaScript (ES module, imported by static/js/app.js).
copy_js "$GOVUK_DIST/govuk-frontend.min.js" static/govuk/govuk-frontend.min.js

# 3. GOV.UK Frontend images and manifest. Fonts are deliberately not copied:
#    the GDS Transport typeface is only for GOV.UK services.
rm -rf static/govuk/assets
mkdir -p static/govuk/assets
cp -R "$GOVUK_DIST/assets/images" static/govuk/assets/images
if [ -f "$GOVUK_DIST/assets/manifest.json" ]; then
  cp "$GOVUK_DIST/assets/manifest.json" static/govuk/assets/manifest.json
fi
if [ -d "$GOVUK_DIST/assets/rebrand/images" ]; then
  # Some 5.x releases kept the refreshed brand's images in a rebrand/ folder.
  mkdir -p static/govuk/assets/rebrand
  cp -R "$GOVUK_DIST/assets/rebrand/images" static/govuk/assets/rebrand/images
  if [ -f "$GOVUK_DIST/assets/rebrand/manifest.json" ]; then
    cp "$GOVUK_DIST/assets/rebrand/manifest.json" static/govuk/assets/rebrand/manifest.json
  fi
fi

# 4. Other vendored libraries, served from our own origin (CSP: script-src 'self').
copy_js node_modules/chart.js/dist/chart.umd.min.js static/vendor/chart.umd.min.js
copy_js node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx.min.js

# 5. axe-core for the accessibility checks in the browser tests.
copy_js node_modules/axe-core/axe.min.js tests/browser/vendor/axe.min.js

echo "build_assets: built static/css/app.css and copied vendored assets."
