"""The per-item content cache, in data formats only — never pickle.

A cache entry is read back as data: a clean entry is JSON (one documents row and its removal
rows), an analyze entry is Arrow IPC (one table per streamed table, plus a small JSON header).
Nothing in an entry can run code when it is read, so handing over a processed folder hands
over data, not programs. Every entry carries a CRC-32 of its bytes (of each table's, in an Arrow
entry), checked when it is read: an entry that is damaged (a crash before the disk had it, a
flipped bit, an edit), of another version or of another schema is ignored (the item is
recomputed). Since the check finds a torn entry, entries are renamed into place without an
fsync (a thousand syncs cost about a second of a run). Writing an entry is best effort: a full disk or a read-only
cache folder never aborts a run — the run only loses its cache.
"""
from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path

__all__ = ["MAX_ENTRY_BYTES", "entry_path", "load_json_entry", "store_json_entry", "load_arrow_entry", "store_arrow_entry"]

#: an entry larger than this is not worth keeping (one huge document would write hundreds of MB that a
#: re-run reads back no faster than it recomputes): clean and analyze skip such entries
MAX_ENTRY_BYTES = 64 << 20

_MAGIC = b"SKC2"  # speechkit cache (Arrow entry), format 2: each table's CRC-32 in the header
_HEADER = struct.Struct("<4sQ")
_JSON_MAGIC = b"SKJ1"  # a JSON entry: magic, CRC-32 of the JSON bytes, the JSON bytes
_JSON_HEADER = struct.Struct("<4sI")


def entry_path(cache_dir: Path, key: str, suffix: str) -> Path:
    """Where the entry for ``key`` lives: ``cache_dir/ab/abcdef….suffix`` (two-level fan-out)."""
    return Path(cache_dir) / key[:2] / f"{key}{suffix}"


def _json_default(value):
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def store_json_entry(path: Path, obj) -> bool:
    """Write ``obj`` as a JSON entry at ``path`` (atomically); False (and no exception) when it cannot be
    written or would be larger than :data:`MAX_ENTRY_BYTES` (then nothing is written).

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "ab" / "x.json"
    >>> store_json_entry(p, {"text": "同志们", "year": 2024}), load_json_entry(p)
    (True, {'text': '同志们', 'year': 2024})
    """
    from speechkit.io import atomic_write_bytes

    try:
        data = json.dumps(obj, ensure_ascii=False, default=_json_default).encode("utf-8", "surrogatepass")
        if len(data) > MAX_ENTRY_BYTES:
            return False
        atomic_write_bytes(path, _JSON_HEADER.pack(_JSON_MAGIC, zlib.crc32(data)) + data, durable=False)
        return True
    except (OSError, TypeError, ValueError):
        return False


def load_json_entry(path: Path):
    """The JSON value stored at ``path``, or None when there is none or it is damaged (its CRC-32
    does not match: a torn write or an edit).

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.json"
    >>> _ = store_json_entry(p, {"text": "同志们"})
    >>> _ = p.write_bytes(p.read_bytes().replace("同".encode(), "各".encode()))
    >>> load_json_entry(p) is None
    True
    """
    try:
        raw = Path(path).read_bytes()
        magic, crc = _JSON_HEADER.unpack_from(raw)
        data = memoryview(raw)[_JSON_HEADER.size:]
        if magic != _JSON_MAGIC or zlib.crc32(data) != crc:
            return None
        return json.loads(bytes(data).decode("utf-8", "surrogatepass"))
    except (OSError, ValueError, struct.error):
        return None


def store_arrow_entry(path: Path, tables: dict, meta: dict, *, capped: bool = True) -> bool:
    """Write Arrow ``tables`` (name → ``pyarrow.Table``) and a JSON ``meta`` dict as one entry; False on failure
    or, when ``capped``, if the tables hold more than :data:`MAX_ENTRY_BYTES` (then nothing is written)."""
    import pyarrow as pa

    from speechkit.io import atomic_write_bytes

    if capped and sum(table.nbytes for table in tables.values()) > MAX_ENTRY_BYTES:
        return False
    try:
        blobs, index, offset = [], {}, 0
        for name, table in tables.items():
            sink = pa.BufferOutputStream()
            with pa.ipc.new_stream(sink, table.schema) as writer:
                writer.write_table(table)
            blob = sink.getvalue().to_pybytes()
            index[name] = [offset, len(blob), zlib.crc32(blob)]
            blobs.append(blob)
            offset += len(blob)
        header = json.dumps({"tables": index, "meta": meta}, ensure_ascii=False, default=_json_default).encode()
        atomic_write_bytes(path, _HEADER.pack(_MAGIC, len(header)) + header + b"".join(blobs), durable=False)
        return True
    except (OSError, TypeError, ValueError, pa.ArrowException):
        return False


def load_arrow_entry(path: Path, schemas: dict, only: tuple[str, ...] | None = None) -> tuple[dict, dict] | None:
    """``(tables, meta)`` of the entry at ``path`` when it holds exactly the tables of ``schemas``
    (name → ``pyarrow.Schema``) with those schemas; None when absent, damaged or stale.

    ``only`` names the tables to read (the others are not even read from disk: the analyze stage
    takes a cached document's term counts long before its rows).
    """
    import pyarrow as pa

    try:
        fh = open(path, "rb")
    except OSError:
        return None
    try:
        with fh:
            head = fh.read(_HEADER.size)
            magic, size = _HEADER.unpack_from(head)
            if magic != _MAGIC:
                return None
            header = json.loads(fh.read(size))
            base = _HEADER.size + size
            index = header["tables"]
            if set(index) != set(schemas):
                return None
            wanted = [name for name in index if only is None or name in only]
            if only is None:
                blob = fh.read()
                start = 0
            else:  # the wanted tables' bytes only
                first = min(index[name][0] for name in wanted) if wanted else 0
                last = max(index[name][0] + index[name][1] for name in wanted) if wanted else 0
                fh.seek(base + first)
                blob = fh.read(last - first)
                start = first
            buffer = pa.py_buffer(blob)
            tables = {}
            for name in wanted:
                offset, length, crc = index[name]
                if offset - start < 0 or offset - start + length > len(blob):
                    return None
                part = buffer.slice(offset - start, length)
                if zlib.crc32(part) != crc:  # torn or edited
                    return None
                table = pa.ipc.open_stream(part).read_all()
                if table.schema != schemas[name]:
                    return None
                tables[name] = table
        meta = header.get("meta")
        return (tables, meta) if isinstance(meta, dict) else None
    except (ValueError, KeyError, TypeError, OSError, struct.error, pa.ArrowException):
        return None
