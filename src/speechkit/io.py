"""Reading and atomically writing the pipeline's tables.

Every table is written to a temporary file in the destination directory and
then renamed over the old one with :func:`os.replace`, so an interrupted run
leaves either the previous complete table or the new complete one, never half.
"""
from __future__ import annotations

import json
import os
import re
import tempfile
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas is imported where a DataFrame is made: a stage's fast path never needs it (~0.5 s)
    import pandas as pd

__all__ = ["write_table", "read_table", "require_table", "read_run_manifest", "write_run_manifest", "remove_run_manifest",
           "open_parquet", "atomic_write_bytes", "atomic_write_text", "TableMissing", "TableUnreadable", "TableSink",
           "sweep_stale_temp_files", "new_run_id", "table_run", "RUN_KEY", "INPUT_RUN_KEY", "excel_safe_text",
           "arrow_to_pandas"]

RUN_KEY = b"speechkit.run_id"  # Parquet key-value metadata: the run that wrote the table
INPUT_RUN_KEY = b"speechkit.input_run"  # …and the run of the documents table it was computed from


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


def arrow_to_pandas(table) -> pd.DataFrame:
    """A ``pyarrow.Table`` as a DataFrame whose integer columns with nulls stay integers (``Int64``).

    Plain ``to_pandas`` turns an int64 column with one null into float64 (``deadline_year``
    2025 → 2025.0); a researcher exporting to Stata or CSV must get 2025.

    >>> import pyarrow as pa
    >>> arrow_to_pandas(pa.table({"deadline_year": pa.array([2025, None])}))["deadline_year"].tolist()
    [2025, <NA>]
    """
    import pandas as pd
    import pyarrow as pa

    frame = table.to_pandas()
    for name, column in zip(table.column_names, table.columns):
        if pa.types.is_integer(column.type) and column.null_count:
            frame[name] = pd.array(column.to_pylist(), dtype="Int64")
    return frame


STALE_AFTER_S = 3600.0
_OWNER = re.compile(r"\.pid(\d+)\.")


def owner_tag() -> str:
    """The tag that marks a temp file or part folder as this process's: ``.pid1234.``."""
    return f".pid{os.getpid()}."


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by another user
        return True
    except OSError:
        return True
    return True


def sweep_stale_temp_files(out_dir: Path, older_than_s: float = STALE_AFTER_S) -> list[Path]:
    """Delete temp files (``.NAME.pidN.XXXX.tmp``) and part folders (``.parts.pidN.*``) left in
    ``out_dir`` by a run that is no longer alive, and return what was deleted.

    Every temp entry carries its writer's process id; an entry whose process still runs is never
    touched, however old (a long ``analyze`` stops touching its part folder after the first batch),
    and an entry whose process is gone is swept at once. Entries without an owner tag (written by
    an older speechkit) go when untouched for ``older_than_s`` seconds. Finished tables are never
    touched.
    """
    import shutil
    import time

    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        return []
    cutoff = time.time() - older_than_s
    swept = []
    for entry in list(out_dir.glob(".*.tmp")) + list(out_dir.glob(".parts*")):
        try:
            owner = _OWNER.search(entry.name)
            if owner is not None:
                if _alive(int(owner.group(1))):
                    continue
            elif entry.lstat().st_mtime > cutoff:
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink()
            swept.append(entry)
        except OSError:
            pass
    return swept


def atomic_write_bytes(path: Path, data: bytes, *, durable: bool = True) -> Path:
    """Write ``data`` to ``path`` atomically (temp file in the same directory, then rename).

    ``durable=False`` skips the fsync before the rename: for files a reader checks itself and may
    lose (cache entries carry a checksum), where a thousand syncs would cost a second of a run."""
    def write(tmp: str) -> None:
        with open(tmp, "wb") as fh:
            fh.write(data)

    return _atomic_via(path, write, sync=durable)


def atomic_write_text(path: Path, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically."""
    return atomic_write_bytes(path, text.encode(encoding))


def _atomic_via(path: Path, writer, *, sync: bool = True) -> Path:
    """Let ``writer(tmp_path)`` write a hidden temp file beside ``path``, sync it (unless ``sync`` is
    False), rename it into place.

    On any failure (or interrupt) the temp file is removed and ``path`` keeps its previous content.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}{owner_tag()}", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        writer(tmp)
        if sync:
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
        _publish(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        if isinstance(exc, OSError) and exc.errno is not None and exc.filename in (tmp, None):
            # the user knows the table, not its hidden temp file: name the table (disk full, read-only …)
            raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from exc
        raise
    return path


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def excel_safe_text(value):
    """A text cell that a spreadsheet would read as a formula (it begins with ``= + - @``, tab or CR)
    gets a leading apostrophe, so Excel and LibreOffice show it as text; other values pass through.

    >>> excel_safe_text("=SUM(A1)"), excel_safe_text(">="), excel_safe_text("妇女")
    ("'=SUM(A1)", '>=', '妇女')
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _csv_cell(value):
    """List-like cells become JSON arrays in CSV; text that would be a formula is quoted as text."""
    if isinstance(value, (list, tuple)) or hasattr(value, "tolist") and not isinstance(value, str):
        items = value.tolist() if hasattr(value, "tolist") else list(value)
        return json.dumps(items, ensure_ascii=False, default=str)
    return excel_safe_text(value)


def new_run_id() -> str:
    """A fresh run id (written into every table of the run)."""
    return uuid.uuid4().hex[:16]


def _with_run(table, run: dict | None):
    if not run:
        return table
    meta = dict(table.schema.metadata or {})
    meta.update({k if isinstance(k, bytes) else k.encode(): str(v).encode() for k, v in run.items() if v is not None})
    return table.replace_schema_metadata(meta)


def table_run(path: Path) -> dict[str, str]:
    """The run metadata of a Parquet table (``{'run_id': …, 'input_run': …}``; empty when absent).

    Reads only the file footer. A damaged file raises :class:`TableUnreadable`.
    """
    meta = open_parquet(Path(path)).schema_arrow.metadata or {}
    out = {}
    for key, name in ((RUN_KEY, "run_id"), (INPUT_RUN_KEY, "input_run")):
        if key in meta:
            out[name] = meta[key].decode()
    return out


def _statistics_columns(schema) -> list[str]:
    """The columns whose Parquet min/max statistics are written: all but text and binary ones. The
    statistics of a text column hold copies of its smallest and largest values — for the text of a
    150 MB page, two more copies of the page in memory while the table is written — and no reader
    of speechkit's tables filters on them.

    >>> import pyarrow as pa
    >>> _statistics_columns(pa.schema([("doc_id", pa.string()), ("year", pa.int64()), ("text", pa.large_string())]))
    ['year']
    """
    import pyarrow as pa

    textual = (pa.types.is_string, pa.types.is_large_string, pa.types.is_string_view, pa.types.is_binary,
               pa.types.is_large_binary, pa.types.is_binary_view)
    return [f.name for f in schema if not any(test(f.type) for test in textual)]


def write_table(df: pd.DataFrame, out_dir: Path, name: str, formats: tuple[str, ...] = ("parquet",),
                run: dict | None = None) -> list[Path]:
    """Write ``df`` as ``out_dir/name.parquet`` (and ``name.csv`` when ``"csv"`` is in ``formats``).

    ``run`` (``{RUN_KEY: id, INPUT_RUN_KEY: id}``) is stored in the Parquet key-value metadata,
    so that a reader can tell whether a set of tables belongs together. CSV twins are UTF-8 with a
    BOM so that Excel shows Chinese headers and text; list-valued columns are written as JSON
    arrays; text cells that begin with ``= + - @`` (a formula to Excel) are quoted as text.
    """
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    out_dir = Path(out_dir)
    written = [out_dir / f"{name}.parquet"]
    if "parquet" in formats:
        table = _with_run(pa.Table.from_pandas(df, preserve_index=False), run)
        _atomic_via(written[0], lambda p: pq.write_table(table, p, write_statistics=_statistics_columns(table.schema)))
        del table
    if "csv" in formats:
        csv_df = df.copy()
        csv_df.columns = [excel_safe_text(str(c)) for c in csv_df.columns]
        for col in csv_df.columns:
            if csv_df[col].dtype == object or pd.api.types.is_string_dtype(csv_df[col].dtype):
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
    return arrow_to_pandas(open_parquet(require_table(processed_dir, name)).read(columns=columns))


def _table_signature(path: Path) -> list | None:
    """Size, modification time and run id of a table: changes whenever the table is rewritten."""
    try:
        st = Path(path).stat()
        return [st.st_size, st.st_mtime_ns, table_run(path).get("run_id")]
    except (OSError, TableUnreadable):
        return None


def read_run_manifest(manifest: Path, key: str, out_dir: Path, tables) -> dict | None:
    """What the last run saved in ``manifest`` if it had this ``key`` and the ``tables`` in ``out_dir``
    are still the very files that run wrote (same size, time and run id, readable footers): a
    whole-run cache hit. Anything else — a table rewritten by another run, damaged, or missing — is
    a miss, and the stage recomputes."""
    try:
        saved = json.loads(Path(manifest).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(saved, dict) or saved.get("key") != key:
        return None
    recorded = saved.get("tables")
    if not isinstance(recorded, dict) or set(recorded) != set(tables):
        return None
    for t in tables:
        signature = _table_signature(Path(out_dir) / f"{t}.parquet")
        if signature is None or signature != recorded[t]:
            return None
    return saved


def write_run_manifest(manifest: Path, key: str, out_dir: Path, tables, **saved) -> Path | None:
    """Record (atomically) that a run with ``key`` completed and wrote ``tables`` into ``out_dir``,
    with what a cache hit must report. Best effort: a manifest that cannot be written only costs
    the next run its fast path."""
    signatures = {t: _table_signature(Path(out_dir) / f"{t}.parquet") for t in tables}
    try:
        return atomic_write_text(manifest, json.dumps({"key": key, "tables": signatures, **saved}, ensure_ascii=False,
                                                      default=str))
    except OSError:
        return None


def remove_run_manifest(manifest: Path) -> None:
    """Forget a whole-run cache hit (``--no-cache``, or before a stage rewrites its tables)."""
    try:
        Path(manifest).unlink()
    except FileNotFoundError:
        pass


class TableSink:
    """Stream a table to ``out_dir/name.parquet`` in batches; the file appears only on :meth:`commit`.

    Rows are appended as row groups to a temporary file, so memory stays flat
    however large the corpus; :meth:`commit` renames it into place (atomic),
    :meth:`abort` deletes it. ``schema`` is a ``pyarrow.Schema``.
    """

    def __init__(self, out_dir: Path, name: str, schema, formats: tuple[str, ...] = ("parquet",), run: dict | None = None):
        import pyarrow.parquet as pq

        schema = _with_run(schema.empty_table(), run).schema
        self.out_dir, self.name, self.schema, self.formats = Path(out_dir), name, schema, formats
        self.out_dir.mkdir(parents=True, exist_ok=True)
        fd, self._tmp = tempfile.mkstemp(prefix=f".{name}.parquet{owner_tag()}", suffix=".tmp", dir=self.out_dir)
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
        self._writer.write_table(table.replace_schema_metadata(self.schema.metadata))
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
        with open(self._tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        target = self.out_dir / f"{self.name}.parquet"
        _publish(self._tmp, target)
        written = [target]
        if "csv" in self.formats:
            written += write_table(arrow_to_pandas(open_parquet(target).read()), self.out_dir, self.name, ("csv",))[1:]
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
