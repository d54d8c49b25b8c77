#!/usr/bin/env bash
# Documented check (issue 5): LibreOffice (headless, Debian package) converts every xlsx bkdesk writes to PDF
# without error. Usage: scripts/check_xlsx_libreoffice.sh FILE.xlsx|DIR [...]
#   With no argument, it writes the outputs of a sample commune first (scripts/make_output_samples.py).
# Installs libreoffice-calc-nogui with apt-get when soffice is missing (needs root). Exit 0 = all converted.
# LO_TIMEOUT (seconds per file, default 600): a province-wide workbook is thousands of printed pages.
#
#   scripts/check_xlsx_libreoffice.sh --province DB [YEAR]
# writes the province workbook of the 15 reports (bkdesk report --form all --unit 06) from DB (e.g. the
# outputs benchmark database) and fails unless LibreOffice converts it within LO_LIMIT seconds (default 120,
# issue 19), printing the time and the page count. The report command logs in like any other: set
# BKDESK_USER and BKDESK_PASSWORD for the database (benchmarks' databases: bench / bench-mat-khau).
# What keeps it fast is in bkdesk/export/render/xlsx.py (fixed print scale and explicit print area: LibreOffice
# paginates every sheet but the first again for each page it prints).
set -u
here="$(cd "$(dirname "$0")/.." && pwd)"
py="${PYTHON:-$here/.venv/bin/python}"; [ -x "$py" ] || py="$here/../venv/bin/python"; [ -x "$py" ] || py=python3
if ! command -v soffice >/dev/null 2>&1; then
    echo "soffice not found: installing libreoffice-calc-nogui"
    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q libreoffice-calc-nogui || exit 3
fi
files=()
limit=""
if [ "${1:-}" = "--province" ]; then
    [ -n "${2:-}" ] && [ -f "$2" ] || { echo "usage: $0 --province DB [YEAR]"; exit 3; }
    out="$(mktemp -d)"
    (cd "$here" && "$py" -m bkdesk report --db "$2" --form all --unit 06 --round "${3:-2024}" \
        --out "$out/bao_cao_15_tinh.xlsx") || exit 3
    limit="${LO_LIMIT:-120}"
    set -- "$out/bao_cao_15_tinh.xlsx"
fi
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
    t0=$(date +%s)
    # -k: on timeout soffice's launcher can outlive the killed office process; kill it too
    if timeout -k 15 "${limit:-${LO_TIMEOUT:-600}}" soffice -env:UserInstallation="file://$profile" --headless --convert-to pdf --outdir "$conv" "$f" \
        >"$conv/$base.log" 2>&1 && [ -s "$conv/$base.pdf" ]; then
        pages="$(command -v pdfinfo >/dev/null && pdfinfo "$conv/$base.pdf" | awk '/^Pages:/ {print $2}')"
        echo "OK    $f -> $conv/$base.pdf ${pages:+($pages pages)} in $(( $(date +%s) - t0 )) s${limit:+ (limit $limit s)}"
    else
        echo "FAIL  $f after $(( $(date +%s) - t0 )) s${limit:+ (limit $limit s)}"; sed 's/^/      /' "$conv/$base.log"
        failed=$((failed + 1))
    fi
done
echo "LibreOffice: ${#files[@]} file(s), $failed failed; PDFs in $conv"
[ "$failed" -eq 0 ]
