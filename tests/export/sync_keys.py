"""Sealed packages in the sync tests: every package is encrypted (to the level above or a passphrase).

Tests about merging, not about who may read a package, export with a test passphrase and merge with it:
these wrappers have the product's signatures with ``passphrase`` defaulting to ``TEST_PASSPHRASE``. Tests of
the recipient keys themselves use ``link`` (the receiving database's key file, registered in the sender's)."""

from __future__ import annotations

from pathlib import Path

from bkdesk.export.sync import merge as _merge
from bkdesk.export.sync import package as _package
from bkdesk.export.sync import recipients
from bkdesk.export.sync.sealing import OpenKeys
from bkdesk.model.jobs import NO_CONTROL

TEST_PASSPHRASE = "cụm mật khẩu kiểm thử"


def write_package(conn, unit_code, review_year, out, control=NO_CONTROL, passphrase=TEST_PASSPHRASE):
    return _package.write_package(conn, unit_code, review_year, out, control, passphrase=passphrase)


def merge_files(conn, db_path, files, control=NO_CONTROL, user=None, trust_new=False, passphrase=TEST_PASSPHRASE):
    return _merge.merge_files(conn, db_path, files, control, user=user, trust_new=trust_new, passphrase=passphrase)


def read_package(path, conn, control=NO_CONTROL, schema=None, keys=None):
    return _package.read_package(path, conn, control, schema, keys or OpenKeys([], TEST_PASSPHRASE))


def link(receiver, *senders, folder: Path) -> str:
    """Register the receiving database's recipient key in each sender database, through a real key file
    (as ``bkdesk keys export-recipient`` / ``add-recipient``). Returns the key's fingerprint."""
    path, r = recipients.write_recipient_file(receiver, Path(folder) / f"khoa-nhan-{r_code(receiver)}.json")
    for s in senders:
        recipients.add_recipient(s, path)
    return r.fingerprint


def r_code(conn) -> str:
    from bkdesk.model.store import settings

    return settings.get(conn, settings.SCOPE_CODE) or "x"


def passphrase_file(folder: Path, text: str = TEST_PASSPHRASE) -> str:
    """A passphrase file for the command line (--passphrase-file)."""
    path = Path(folder) / "cum-mat-khau.txt"
    path.write_text(text + "\n", encoding="utf-8")
    return str(path)


# --- what an attacker who knows the passphrase could do: open, edit, seal again -----------------------

class Opened:
    """A package opened with openpyxl and its content key: read and rewrite the sealed tables and the
    manifest as the product writes them (for forgery and tampering tests)."""

    def __init__(self, src, passphrase: str = TEST_PASSPHRASE):
        import openpyxl

        from bkdesk.export.sync import package_format as fmt
        from bkdesk.export.sync import sealing

        self.wb = openpyxl.load_workbook(src)
        self.ws = self.wb[fmt.MANIFEST_SHEET]
        self.manifest = {r[0].value: r[1].value or "" for r in self.ws.iter_rows(min_row=2) if r[0].value}
        self.key = sealing.open_content_key(self.manifest, OpenKeys([], passphrase), "goi.xlsx")

    def tables(self) -> list[str]:
        from bkdesk.export.sync import package_format as fmt

        return [s[len(fmt.DATA_PREFIX):] for s in self.wb.sheetnames if s.startswith(fmt.DATA_PREFIX)]

    def header(self, table: str) -> list[str]:
        return [c.value for c in self.wb[f"d_{table}"][1] if c.value]

    def cells(self, table: str) -> list[str]:
        from bkdesk.export.sync import sealing

        parts = [r[0] for r in self.wb[f"d_{table}"].iter_rows(min_row=2, max_col=1, values_only=True) if r[0]]
        return sealing.open_table(self.key, self.manifest["seal_id"], table, parts, "x")

    def set_cells(self, table: str, cells: list[str]) -> None:
        from bkdesk.export.sync import sealing

        ws = self.wb[f"d_{table}"]
        ws.delete_rows(2, ws.max_row)
        parts = sealing.seal_table(self.key, self.manifest["seal_id"], table, cells)
        for i, part in enumerate(parts, start=2):
            ws.cell(row=i, column=1).value = part
        self.set(f"parts.{table}", str(len(parts)))

    def set(self, key: str, value: str) -> None:
        for r in self.ws.iter_rows(min_row=2):
            if r[0].value == key:
                r[1].value = value
                self.manifest[key] = value
                return
        raise KeyError(key)

    def recompute_checksum(self) -> str:
        from bkdesk.export.sync import package_format as fmt

        checksum = fmt.Checksum()
        for table in self.tables():
            h = checksum.table(table, self.header(table))
            for cell in self.cells(table):
                fmt.Checksum.add(h, cell)
        digest = checksum.digest(self.manifest)
        self.set(fmt.CHECKSUM_KEY, digest)
        return digest

    def save(self, dst):
        self.wb.save(dst)
        return Path(dst) if isinstance(dst, (str, Path)) else dst
