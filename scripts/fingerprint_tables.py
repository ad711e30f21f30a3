#!/usr/bin/env python
"""Fingerprints of every table of a processed folder: does an optimisation change any output?

`python scripts/fingerprint_tables.py PROCESSED_DIR` prints, per table, its row count and a SHA-256
of its content (schema metadata such as the run id left out, floats rounded to 9 decimals so that
a change of summation order in the last bit does not count as a different result; the float32 NMF
weights, whose last bits depend on the CPU's BLAS kernels, as values held to 1e-4 beside the hash).
`--write FILE` stores them as JSON; `--check FILE` compares and lists the tables that differ
(exit 1). tests/test_table_identity.py runs clean + analyze over ../shared/corpus and holds the
result to tests/gold/table_fingerprints.json: a speed change must leave it alone; a change meant
to alter results regenerates it (`make fingerprints`) and says so in its commit message.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

FLOAT_DECIMALS = 9
#: Float columns of models fitted in float32 (NMF): their last bits depend on the BLAS kernels the
#: CPU gets (on one machine, OpenBLAS's Haswell, Sandybridge and Prescott kernels give topic terms
#: in the same order and weights up to 1.5e-5 apart), so no rounding makes their hash the same
#: on every machine. Their values are kept (6 decimals) and held to ABSOLUTE_TOLERANCE instead;
#: every other column (the topics' terms and ranks, the doc_ids) is hashed as everywhere.
FLOAT32_MODEL_COLUMNS = {"topics": ("weight",), "doc_topics": ("weight",)}
ABSOLUTE_TOLERANCE = 1e-4


def _column_values(values) -> list[float]:
    import numpy as np

    return [round(float(v), 6) for v in np.nan_to_num(np.asarray(values, dtype=np.float64))]


def table_fingerprint(path: Path) -> dict:
    """Row count, column names and content hash of one Parquet table (and the values of its
    :data:`FLOAT32_MODEL_COLUMNS`, which the hash leaves out)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    digest = hashlib.sha256()
    tolerant = FLOAT32_MODEL_COLUMNS.get(path.stem, ())
    kept = {}
    for name, column in zip(table.column_names, table.columns):
        if name in tolerant:
            kept[name] = _column_values(column.to_numpy())
            continue
        if pa.types.is_floating(column.type):
            column = pc.round(column.cast(pa.float64()), FLOAT_DECIMALS)
        # values, not buffers: the bytes under a null slot are undefined in Arrow
        digest.update(json.dumps([name, str(column.type), column.to_pylist()], ensure_ascii=False,
                                 default=str).encode("utf-8"))
    digest = digest.hexdigest()
    found = {"rows": table.num_rows, "columns": list(table.column_names), "sha256": digest}
    if kept:
        found["values"] = kept
    return found


def _values_match(found: dict, expected: dict) -> bool:
    if set(found) != set(expected):
        return False
    return all(len(found[n]) == len(expected[n]) and all(abs(a - b) <= ABSOLUTE_TOLERANCE for a, b in zip(found[n], expected[n]))
               for n in found)


def fingerprints(folder: Path) -> dict[str, dict]:
    """Every ``*.parquet`` table of ``folder`` → its fingerprint (sorted by table name)."""
    return {p.stem: table_fingerprint(p) for p in sorted(Path(folder).glob("*.parquet"))}


def differences(found: dict[str, dict], expected: dict[str, dict]) -> list[str]:
    """One line per table whose rows, columns or content differ (or that is missing / extra)."""
    lines = []
    for name in sorted(set(found) | set(expected)):
        f, e = found.get(name), expected.get(name)
        if f is None or e is None:
            lines.append(f"{name}: {'missing' if f is None else 'not expected'}")
        else:
            what = [k for k in ("rows", "columns", "sha256") if f[k] != e[k]]
            if not _values_match(f.get("values", {}), e.get("values", {})):
                what.append(f"{', '.join(FLOAT32_MODEL_COLUMNS.get(name, ())) or 'float32'} values (beyond {ABSOLUTE_TOLERANCE})")
            if what:
                lines.append(f"{name}: {', '.join(what)} differ (rows {e['rows']} → {f['rows']})")
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", type=Path)
    ap.add_argument("--write", type=Path)
    ap.add_argument("--check", type=Path)
    args = ap.parse_args(argv)
    found = fingerprints(args.folder)
    if args.write:
        args.write.write_text(json.dumps(found, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    if args.check:
        diff = differences(found, json.loads(args.check.read_text(encoding="utf-8")))
        print("\n".join(diff) if diff else f"{len(found)} tables identical to {args.check}")
        return 1 if diff else 0
    for name, fp in found.items():
        print(f"{name:18} {fp['rows']:>8}  {fp['sha256'][:16]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
