"""The per-item content cache, in data formats only — never pickle.

A cache entry is read back as data: a clean entry is JSON (one documents row and its removal
rows), an analyze entry is Arrow IPC (one table per streamed table, plus a small JSON header).
Nothing in an entry can run code when it is read, so handing over a processed folder hands
over data, not programs. An entry that is damaged, of another version or of another schema is
ignored (the item is recomputed). Writing an entry is best effort: a full disk or a read-only
cache folder never aborts a run — the run only loses its cache.
"""
from __future__ import annotations

import json
import struct
from pathlib import Path

__all__ = ["MAX_ENTRY_BYTES", "entry_path", "load_json_entry", "store_json_entry", "load_arrow_entry", "store_arrow_entry"]

#: an entry larger than this is not worth keeping (one huge document would write hundreds of MB that a
#: re-run reads back no faster than it recomputes): clean and analyze skip such entries
MAX_ENTRY_BYTES = 64 << 20

_MAGIC = b"SKC1"  # speechkit cache, format 1
_HEADER = struct.Struct("<4sQ")


def entry_path(cache_dir: Path, key: str, suffix: str) -> Path:
    """Where the entry for ``key`` lives: ``cache_dir/ab/abcdef….suffix`` (two-level fan-out)."""
    return Path(cache_dir) / key[:2] / f"{key}{suffix}"


def _json_default(value):
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def store_json_entry(path: Path, obj, *, max_bytes: int | None = None) -> bool:
    """Write ``obj`` as a JSON entry at ``path`` (atomically); False (and no exception) when it cannot be
    written or would be larger than ``max_bytes`` (default :data:`MAX_ENTRY_BYTES`; then nothing is written).

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "ab" / "x.json"
    >>> store_json_entry(p, {"text": "同志们", "year": 2024}), load_json_entry(p)
    (True, {'text': '同志们', 'year': 2024})
    """
    from speechkit.io import atomic_write_bytes

    try:
        data = json.dumps(obj, ensure_ascii=False, default=_json_default).encode("utf-8", "surrogatepass")
        if len(data) > (MAX_ENTRY_BYTES if max_bytes is None else max_bytes):
            return False
        atomic_write_bytes(path, data)
        return True
    except (OSError, TypeError, ValueError):
        return False


def load_json_entry(path: Path):
    """The JSON value stored at ``path``, or None when there is none or it is damaged."""
    try:
        return json.loads(Path(path).read_bytes().decode("utf-8", "surrogatepass"))
    except (OSError, ValueError):
        return None


def store_arrow_entry(path: Path, tables: dict, meta: dict) -> bool:
    """Write Arrow ``tables`` (name → ``pyarrow.Table``) and a JSON ``meta`` dict as one entry; False on failure."""
    import pyarrow as pa

    from speechkit.io import atomic_write_bytes

    try:
        blobs, index, offset = [], {}, 0
        for name, table in tables.items():
            sink = pa.BufferOutputStream()
            with pa.ipc.new_stream(sink, table.schema) as writer:
                writer.write_table(table)
            blob = sink.getvalue().to_pybytes()
            index[name] = [offset, len(blob)]
            blobs.append(blob)
            offset += len(blob)
        header = json.dumps({"tables": index, "meta": meta}, ensure_ascii=False, default=_json_default).encode()
        atomic_write_bytes(path, _HEADER.pack(_MAGIC, len(header)) + header + b"".join(blobs))
        return True
    except (OSError, TypeError, ValueError, pa.ArrowException):
        return False


def load_arrow_entry(path: Path, schemas: dict) -> tuple[dict, dict] | None:
    """``(tables, meta)`` of the entry at ``path`` when it holds exactly the tables of ``schemas``
    (name → ``pyarrow.Schema``) with those schemas; None when absent, damaged or stale."""
    import pyarrow as pa

    try:
        data = Path(path).read_bytes()
    except OSError:
        return None
    try:
        magic, size = _HEADER.unpack_from(data)
        if magic != _MAGIC:
            return None
        start = _HEADER.size
        header = json.loads(data[start:start + size])
        base = start + size
        index = header["tables"]
        if set(index) != set(schemas):
            return None
        tables = {}
        for name, (offset, length) in index.items():
            buf = pa.py_buffer(data[base + offset: base + offset + length])
            table = pa.ipc.open_stream(buf).read_all()
            if table.schema != schemas[name]:
                return None
            tables[name] = table
        meta = header.get("meta")
        return (tables, meta) if isinstance(meta, dict) else None
    except (ValueError, KeyError, TypeError, OSError, struct.error, pa.ArrowException):
        return None
