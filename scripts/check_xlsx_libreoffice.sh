#!/usr/bin/env bash
# Documented check (issue 5): LibreOffice (headless, Debian package) converts every xlsx bkdesk writes to PDF
# without error. Usage: scripts/check_xlsx_libreoffice.sh FILE.xlsx|DIR [...]
#   With no argument, it writes the outputs of a sample commune first (scripts/make_output_samples.py).
# Installs libreoffice-calc-nogui with apt-get when soffice is missing (needs root). Exit 0 = all converted.
# LO_TIMEOUT (seconds per file, default 600): a province-wide workbook is thousands of printed pages.
set -u
here="$(cd "$(dirname "$0")/.." && pwd)"
py="${PYTHON:-$here/../venv/bin/python}"; [ -x "$py" ] || py=python3
if ! command -v soffice >/dev/null 2>&1; then
    echo "soffice not found: installing libreoffice-calc-nogui"
    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q libreoffice-calc-nogui || exit 3
fi
files=()
if [ $# -eq 0 ]; then
    out="$(mktemp -d)"
    (cd "$here" && "$py" scripts/make_output_samples.py --out "$out" --no-png) || exit 3
    set -- "$out"
fi
for arg in "$@"; do
    if [ -d "$arg" ]; then while IFS= read -r f; do files+=("$f"); done < <(find "$arg" -name '*.xlsx' | sort)
    else files+=("$arg"); fi
done
[ ${#files[@]} -gt 0 ] || { echo "no xlsx files given"; exit 3; }
conv="$(mktemp -d)"; profile="$(mktemp -d)"
failed=0
for f in "${files[@]}"; do
    base="$(basename "${f%.xlsx}")"
    if timeout "${LO_TIMEOUT:-600}" soffice -env:UserInstallation="file://$profile" --headless --convert-to pdf --outdir "$conv" "$f" \
        >"$conv/$base.log" 2>&1 && [ -s "$conv/$base.pdf" ]; then
        pages="$(command -v pdfinfo >/dev/null && pdfinfo "$conv/$base.pdf" | awk '/^Pages:/ {print $2}')"
        echo "OK    $f -> $conv/$base.pdf ${pages:+($pages pages)}"
    else
        echo "FAIL  $f"; sed 's/^/      /' "$conv/$base.log"; failed=$((failed + 1))
    fi
done
echo "LibreOffice: ${#files[@]} file(s), $failed failed; PDFs in $conv"
[ "$failed" -eq 0 ]
