#!/usr/bin/env bash
# Refreshes the vendored front-end libraries in civicgrid/web/static/vendor/ at pinned versions.
#
# Pages never load anything from a CDN: every script, stylesheet and image is served by our own
# host, so the platform works on a government intranet with no Internet access. This script is
# the only place that talks to the npm registry; its output is committed. Bump a version here,
# run it, look at the pages, commit the result together with VERSIONS.txt.
#
# htmx is not vendored here: django-htmx (a Python dependency) ships it as
# static/django_htmx/htmx-2.min.js and templates load it with {% htmx_script %}.
set -euo pipefail
cd "$(dirname "$0")/.."

LEAFLET=1.9.4
MARKERCLUSTER=1.5.3
ECHARTS=6.1.0
SWAGGER_UI=5.32.0

VENDOR=civicgrid/web/static/vendor
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

fetch() {  # fetch NAME VERSION -> unpacked package directory on stdout
  local name=$1 version=$2 dir="$WORK/$1"
  mkdir -p "$dir"
  (cd "$dir" && npm pack --silent "$name@$version" >/dev/null)
  tar -xzf "$dir"/*.tgz -C "$dir"
  echo "$dir/package"
}

echo "leaflet $LEAFLET"
pkg=$(fetch leaflet "$LEAFLET")
rm -rf "$VENDOR/leaflet" && mkdir -p "$VENDOR/leaflet"
cp "$pkg/dist/leaflet.js" "$pkg/dist/leaflet.css" "$pkg/LICENSE" "$VENDOR/leaflet/"
cp -r "$pkg/dist/images" "$VENDOR/leaflet/images"

echo "leaflet.markercluster $MARKERCLUSTER"
pkg=$(fetch leaflet.markercluster "$MARKERCLUSTER")
rm -rf "$VENDOR/leaflet.markercluster" && mkdir -p "$VENDOR/leaflet.markercluster"
cp "$pkg/dist/leaflet.markercluster.js" "$pkg/dist/MarkerCluster.css" \
   "$pkg/dist/MarkerCluster.Default.css" "$pkg/MIT-LICENCE.txt" "$VENDOR/leaflet.markercluster/"

echo "echarts $ECHARTS"
pkg=$(fetch echarts "$ECHARTS")
rm -rf "$VENDOR/echarts" && mkdir -p "$VENDOR/echarts"
cp "$pkg/dist/echarts.min.js" "$pkg/LICENSE" "$pkg/NOTICE" "$VENDOR/echarts/"

echo "swagger-ui-dist $SWAGGER_UI"  # the API docs page, /api/v1/docs
pkg=$(fetch swagger-ui-dist "$SWAGGER_UI")
rm -rf "$VENDOR/swagger-ui" && mkdir -p "$VENDOR/swagger-ui"
cp "$pkg/swagger-ui-bundle.js" "$pkg/swagger-ui-bundle.js.LICENSE.txt" "$pkg/swagger-ui.css" \
   "$pkg/LICENSE" "$pkg/NOTICE" "$VENDOR/swagger-ui/"

htmx=$(.venv/bin/python - <<'EOF'
import re, importlib.metadata as md, pathlib, django_htmx
js = pathlib.Path(django_htmx.__file__).parent / "static/django_htmx/htmx-2.min.js"
v = re.search(r'version:"([0-9.]+)"', js.read_text()).group(1)
print(f"{v} (inside django-htmx {md.version('django-htmx')})")
EOF
)

cat > "$VENDOR/VERSIONS.txt" <<EOF
# Vendored front-end libraries (refresh with scripts/vendor_assets.sh; never load from a CDN).
# package                 version   licence        files
leaflet                   $LEAFLET     BSD-2-Clause   leaflet/ (leaflet.js, leaflet.css, images/, LICENSE)
leaflet.markercluster     $MARKERCLUSTER     MIT            leaflet.markercluster/ (js, css, MIT-LICENCE.txt)
echarts                   $ECHARTS     Apache-2.0     echarts/ (echarts.min.js, LICENSE, NOTICE)
swagger-ui-dist           $SWAGGER_UI    Apache-2.0     swagger-ui/ (bundle js + its LICENSE.txt, css, LICENSE, NOTICE)
htmx.org                  $htmx  0BSD  served from django_htmx/htmx-2.min.js
EOF
find "$VENDOR" -type f -exec chmod 644 {} +
echo "done: $VENDOR/VERSIONS.txt"
