"""Reading and atomically writing the pipeline's tables.

Every table is written to a temporary file in the destination directory and
then renamed over the old one with :func:`os.replace`, so an interrupted run
leaves either the previous complete table or the new complete one, never half.
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pandas as pd

__all__ = ["write_table", "read_table", "require_table", "read_run_manifest", "write_run_manifest", "open_parquet", "atomic_write_bytes", "atomic_write_text", "TableMissing",
           "TableUnreadable", "TableSink", "sweep_stale_temp_files"]


def _umask_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


_FILE_MODE = _umask_mode()


def _publish(tmp: str, path: Path) -> None:
    """Give the temp file ordinary permissions (mkstemp makes it 0600) and rename it into place."""
    os.chmod(tmp, _FILE_MODE)
    os.replace(tmp, path)


class TableMissing(FileNotFoundError):
    """A table the stage needs is not in the processed directory."""


class TableUnreadable(ValueError):
    """A table file exists but is not a readable Parquet file (damaged, truncated, or not Parquet)."""


def open_parquet(path: Path):
    """Open ``path`` as a ``pyarrow.parquet.ParquetFile``; a damaged file raises :class:`TableUnreadable` naming it."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        raise TableUnreadable(f"{path}: damaged or not a Parquet table; re-run the stage that writes it") from exc


STALE_AFTER_S = 3600.0


def sweep_stale_temp_files(out_dir: Path, older_than_s: float = STALE_AFTER_S) -> list[Path]:
    """Delete temp files (``.NAME.XXXX.tmp``) and part folders (``.parts-*``) left in ``out_dir``
    by an interrupted run, and return what was deleted.

    Only entries untouched for ``older_than_s`` seconds go: a run still writing into the same
    folder keeps touching its own temp files. Finished tables are never touched.
    """
    import shutil
    import time

    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        return []
    cutoff = time.time() - older_than_s
    swept = []
    for entry in list(out_dir.glob(".*.tmp")) + list(out_dir.glob(".parts-*")):
        try:
            if entry.lstat().st_mtime > cutoff:
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink()
            swept.append(entry)
        except OSError:
            pass
    return swept


def atomic_write_bytes(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (temp file in the same directory, then rename)."""
    def write(tmp: str) -> None:
        with open(tmp, "wb") as fh:
            fh.write(data)

    return _atomic_via(path, write)


def atomic_write_text(path: Path, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically."""
    return atomic_write_bytes(path, text.encode(encoding))


def _atomic_via(path: Path, writer) -> Path:
    """Let ``writer(tmp_path)`` write a hidden temp file beside ``path``, sync it, rename it into place.

    On any failure (or interrupt) the temp file is removed and ``path`` keeps its previous content.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        writer(tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        _publish(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path


def _csv_cell(value):
    """List-like cells become JSON arrays in CSV; everything else passes through."""
    if isinstance(value, (list, tuple)) or hasattr(value, "tolist") and not isinstance(value, str):
        return json.dumps(list(value), ensure_ascii=False)
    return value


def write_table(df: pd.DataFrame, out_dir: Path, name: str, formats: tuple[str, ...] = ("parquet",)) -> list[Path]:
    """Write ``df`` as ``out_dir/name.parquet`` (and ``name.csv`` when ``"csv"`` is in ``formats``).

    CSV twins are UTF-8 with a BOM so that Excel shows Chinese headers and text.
    List-valued columns are written to CSV as JSON arrays.
    """
    out_dir = Path(out_dir)
    written = [out_dir / f"{name}.parquet"]
    if "parquet" in formats:
        _atomic_via(written[0], lambda p: df.to_parquet(p, index=False))
    if "csv" in formats:
        csv_df = df.copy()
        for col in csv_df.columns:
            if csv_df[col].dtype == object:
                csv_df[col] = csv_df[col].map(_csv_cell)
        written.append(
            _atomic_via(out_dir / f"{name}.csv", lambda p: csv_df.to_csv(p, index=False, encoding="utf-8-sig"))
        )
    return written


def require_table(processed_dir: Path, name: str) -> Path:
    """The path of ``processed_dir/name.parquet``; :class:`TableMissing` with a hint when absent."""
    path = Path(processed_dir) / f"{name}.parquet"
    if not path.exists():
        hint = "run `speechkit clean` first" if name == "documents" else "run `speechkit analyze` first"
        raise TableMissing(f"{path}: no such table ({hint})")
    return path


def read_table(processed_dir: Path, name: str, columns: list[str] | None = None) -> pd.DataFrame:
    """Read ``processed_dir/name.parquet``; raise :class:`TableMissing` with a hint when absent."""
    return open_parquet(require_table(processed_dir, name)).read(columns=columns).to_pandas()


def read_run_manifest(manifest: Path, key: str, out_dir: Path, tables) -> dict | None:
    """What the last run saved in ``manifest`` if it had this ``key`` and its ``tables`` are all in
    ``out_dir`` (a whole-run cache hit), else None."""
    if not all((Path(out_dir) / f"{t}.parquet").exists() for t in tables):
        return None
    try:
        saved = json.loads(Path(manifest).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return saved if isinstance(saved, dict) and saved.get("key") == key else None


def write_run_manifest(manifest: Path, key: str, **saved) -> Path:
    """Record (atomically) that a run with ``key`` completed, with what a cache hit must report."""
    return atomic_write_text(manifest, json.dumps({"key": key, **saved}, ensure_ascii=False))


class TableSink:
    """Stream a table to ``out_dir/name.parquet`` in batches; the file appears only on :meth:`commit`.

    Rows are appended as row groups to a temporary file, so memory stays flat
    however large the corpus; :meth:`commit` renames it into place (atomic),
    :meth:`abort` deletes it. ``schema`` is a ``pyarrow.Schema``.
    """

    def __init__(self, out_dir: Path, name: str, schema, formats: tuple[str, ...] = ("parquet",)):
        import pyarrow.parquet as pq

        self.out_dir, self.name, self.schema, self.formats = Path(out_dir), name, schema, formats
        self.out_dir.mkdir(parents=True, exist_ok=True)
        fd, self._tmp = tempfile.mkstemp(prefix=f".{name}.parquet.", suffix=".tmp", dir=self.out_dir)
        os.close(fd)
        self._writer = pq.ParquetWriter(self._tmp, schema)
        self.rows = 0
        self._pending: list[dict] = []

    def write(self, rows: list[dict], flush_at: int = 50_000) -> None:
        """Append row dicts (missing keys become nulls); they are written in row groups of ``flush_at``."""
        if rows:
            self._pending.extend(rows)
            self.rows += len(rows)
        if len(self._pending) >= flush_at:
            self._flush()

    def write_arrow(self, table) -> None:
        """Append a ``pyarrow.Table`` with this sink's schema."""
        self._flush()
        self._writer.write_table(table)
        self.rows += table.num_rows

    def _flush(self) -> None:
        import pyarrow as pa

        if self._pending:
            self._writer.write_table(pa.Table.from_pylist(self._pending, schema=self.schema))
            self._pending = []

    def commit(self) -> list[Path]:
        """Close and move the table into place; write the CSV twin if asked."""
        self._flush()
        self._writer.close()
        target = self.out_dir / f"{self.name}.parquet"
        _publish(self._tmp, target)
        written = [target]
        if "csv" in self.formats:
            written += write_table(pd.read_parquet(target), self.out_dir, self.name, ("csv",))[1:]
        return written

    def abort(self) -> None:
        """Drop the partial file."""
        try:
            self._writer.close()
        finally:
            try:
                os.unlink(self._tmp)
            except FileNotFoundError:
                pass
