#!/usr/bin/env bash
# Smoke test of the installer build: builds the Linux one-folder bundle from installer/bkdesk.spec in a
# throwaway venv (PyInstaller from PyPI), then runs the bundle the way an offline laptop would: a clean
# environment (no Python, no venv, no PYTHONPATH), offscreen Qt, no network when `unshare -n` works.
#   installer/smoke.sh            build + run; prints "SMOKE OK" and the bundle size at the end
# Environment: BKDESK_SMOKE_DIR (work folder, default a new temp folder, removed unless KEEP=1),
#              PYTHON (interpreter for the build venv, default python3), PYINSTALLER (pip spec).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
work=${BKDESK_SMOKE_DIR:-$(mktemp -d /tmp/bkdesk-smoke.XXXXXX)}
python=${PYTHON:-python3}
mkdir -p "$work"
if [ -z "${BKDESK_SMOKE_DIR:-}" ] && [ "${KEEP:-0}" != 1 ]; then trap 'rm -rf "$work"' EXIT; fi

step() { printf '\n== %s\n' "$*"; }
fail() { echo "SMOKE FAILED: $*" >&2; exit 1; }

# PyInstaller reads shared-library dependencies with objdump (binutils) on Linux.
if ! command -v objdump >/dev/null; then
  step "installing binutils (objdump)"
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq binutils >/dev/null
fi

step "build venv in $work/venv"
[ -x "$work/venv/bin/python" ] || "$python" -m venv "$work/venv"
mapfile -t deps < <("$python" -c 'import sys, tomllib; print("\n".join(tomllib.load(open(sys.argv[1], "rb"))["project"]["dependencies"]))' "$repo/pyproject.toml")
# Only what pyproject.toml declares (plus the build tool and a PDF reader for the checks below): a
# dependency missing from pyproject.toml fails here as it would in the Windows installer.
"$work/venv/bin/pip" install -q --disable-pip-version-check "${PYINSTALLER:-pyinstaller}" pypdf "${deps[@]}"
"$work/venv/bin/pyinstaller" --version

step "pyinstaller installer/bkdesk.spec"
start=$(date +%s)
# The source tree is found through PYTHONPATH (nothing is installed into the build venv).
PYTHONPATH="$repo" "$work/venv/bin/pyinstaller" --noconfirm --clean --log-level WARN \
  --distpath "$work/dist" --workpath "$work/build" "$repo/installer/bkdesk.spec"
echo "build took $(( $(date +%s) - start )) s"

bundle="$work/dist/bkdesk"
gui="$bundle/bkdesk"
cli="$bundle/bkdesk-cli"
[ -x "$gui" ] && [ -x "$cli" ] || fail "executables missing in $bundle"
for f in standards/vn-2022-2026.json units/units-bac-kan.csv codelists/vn-2022-2026.json \
         icons/bkdesk-256.png licenses/third-party.json fonts/DejaVuSans.ttf; do
  [ -f "$bundle/_internal/bkdesk/resources/$f" ] || fail "resource $f missing from the bundle"
done

# A clean environment: what a freshly installed laptop has. HOME and XDG folders inside the work folder.
home="$work/home"
rm -rf "$home" && mkdir -p "$home"
net=()
if unshare -n true 2>/dev/null; then net=(unshare -n); fi
run() {
  env -i HOME="$home" PATH=/usr/bin:/bin LANG=C.UTF-8 QT_QPA_PLATFORM=offscreen \
    XDG_DATA_HOME="$home/data" XDG_CONFIG_HOME="$home/config" XDG_STATE_HOME="$home/state" \
    XDG_CACHE_HOME="$home/cache" "${net[@]}" "$@"
}
has_command() { run "$cli" "$1" --help >/dev/null 2>&1; }
db="$work/smoke.sqlite"
out="$work/out"
rm -rf "$db" "$db"-* "$out" && mkdir -p "$out"
[ ${#net[@]} -gt 0 ] && echo "(running without network: unshare -n)"

step "bkdesk --version"
version=$(run "$cli" --version)
expected=$(PYTHONPATH="$repo" "$python" -c 'import bkdesk; print("bkdesk", bkdesk.__version__)')
echo "$version"
[ "$version" = "$expected" ] || fail "version '$version' != '$expected'"
ran=("--version")

step "bkdesk init --commune 01954 --units 2022"
run "$cli" init --db "$db" --commune 01954 --units 2022 --officer "Nguyễn Thị Hà"
ran+=("init")

if has_command demo; then
  step "bkdesk demo --scale commune"
  run "$cli" demo --db "$db" --scale commune
  ran+=("demo --scale commune")
else
  echo "NOTE: no 'demo' command in this build yet: demo data skipped"
fi

step "bkdesk check"
run "$cli" check --db "$db"
ran+=("check")

# Exports: run the ones this build has; each output is read back by an independent reader.
if has_command targets; then
  step "bkdesk targets --year 2022 (xlsx report)"
  run "$cli" targets --year 2022 --out "$out/chi-tieu-2022.xlsx"
  "$work/venv/bin/python" - "$out/chi-tieu-2022.xlsx" <<'EOF'
import sys
from openpyxl import load_workbook
wb = load_workbook(sys.argv[1], read_only=True)
cells = [str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row if c]
assert len(cells) > 20 and any("Bắc Kạn" in c or "nghèo" in c for c in cells), cells[:20]
print(f"read back: {len(cells)} cells")
EOF
  ran+=("targets xlsx")
fi
if has_command export-package && has_command merge; then
  step "bkdesk export-package (commune, sealed to the district's recipient key) + merge into the district database"
  district_db="$work/district.sqlite"
  rm -f "$district_db" "$district_db"-*
  run "$cli" init --db "$district_db" --scope district 062 --officer "Cán bộ huyện"
  run "$cli" keys export-recipient --db "$district_db" --out "$out/khoa-nhan-062.json"
  run "$cli" keys add-recipient --db "$db" "$out/khoa-nhan-062.json"
  run "$cli" export-package --db "$db" --unit 01954 --round "${SMOKE_ROUND:-2021}" --out "$out/goi-01954.xlsx"
  "$work/venv/bin/python" -c 'import sys; from openpyxl import load_workbook; wb = load_workbook(sys.argv[1], read_only=True); print("package sheets:", len(wb.sheetnames))' "$out/goi-01954.xlsx"
  run "$cli" merge --db "$district_db" --trust-new "$out/goi-01954.xlsx" | tee "$out/merge.txt"
  grep -q "thêm" "$out/merge.txt" || fail "merge did not report added households"
  run "$cli" check --db "$district_db"
  ran+=("export-package" "merge into district")
else
  echo "NOTE: no export-package/merge commands in this build yet: package round trip skipped"
fi
if has_command report; then
  step "bkdesk report (xlsx and PDF)"
  run "$cli" report --db "$db" --form all --unit 01954 --round 2022 --out "$out/report.xlsx"
  run "$cli" report --db "$db" --form 1 --unit 01954 --round 2022 --out "$out/report.pdf"
  "$work/venv/bin/python" -c 'import sys; from openpyxl import load_workbook; load_workbook(sys.argv[1], read_only=True)' "$out/report.xlsx"
  ran+=("report xlsx+pdf")
fi
if has_command forms; then
  step "bkdesk forms (PDF, fonts from the bundle)"
  run "$cli" forms --db "$db" --kind review --unit 01954 --round 2022 --out "$out/forms.pdf"
  "$work/venv/bin/python" - "$out/forms.pdf" <<'EOF'
import sys
from pypdf import PdfReader
reader = PdfReader(sys.argv[1])
text = "".join(page.extract_text() or "" for page in reader.pages[:3])
assert any(ch in text for ch in "ưđộệ"), text[:200]
print(f"read back: {len(reader.pages)} pages, Vietnamese text found")
EOF
  ran+=("forms pdf")
fi
has_command report || has_command forms || echo "NOTE: no report/PDF-form command in this build yet: skipped (fonts checked present in the bundle)"

step "GUI for 3 seconds (offscreen)"
gui_log="$work/gui.log"
run "$gui" --db "$db" >"$gui_log" 2>&1 &
gui_pid=$!
sleep 3
if ! kill -0 "$gui_pid" 2>/dev/null; then
  wait "$gui_pid" || true
  cat "$gui_log"
  fail "the GUI exited before 3 s"
fi
kill "$gui_pid" && wait "$gui_pid" 2>/dev/null || true
logs=("$gui_log")
if [ -d "$home/state" ]; then mapfile -t -O 1 logs < <(find "$home/state" -name '*.log' -type f); fi
if grep -E -i -n 'Traceback|error|critical|fatal|exception' "${logs[@]}"; then
  fail "errors in the GUI log"
fi
echo "GUI ran 3 s; logs clean (${logs[*]})"
ran+=("GUI 3 s")

step "bundle"
size=$(du -sh "$bundle" | cut -f1)
files=$(find "$bundle" -type f | wc -l)
echo "bundle: $bundle"
echo "bundle size: $size ($files files)"
echo "ran: ${ran[*]}"
echo "SMOKE OK"
