"""Every table on ../shared/corpus is what it was: speed work must not change any output.

The fingerprints (row count + content hash per table, scripts/fingerprint_tables.py) in
tests/gold/table_fingerprints.json were taken from a clean + analyze of the whole shared corpus.
A change meant to alter results (a better rule, a lexicon fix) regenerates them with
`make fingerprints` and says so in its commit message; a change meant only to be faster must
leave them alone.
"""
import json
import sys

from corpus_paths import REPO, shared

from speechkit.analyze import analyze_corpus
from speechkit.clean import clean_corpus

sys.path.insert(0, str(REPO / "scripts"))
import fingerprint_tables as fp  # noqa: E402

GOLD = REPO / "tests" / "gold" / "table_fingerprints.json"


def test_every_table_on_the_shared_corpus_is_unchanged(tmp_path):
    corpus = shared()
    out = tmp_path / "processed"
    clean_corpus(corpus, out, jobs=2, use_cache=False)
    analyze_corpus(out, jobs=2, use_cache=False)
    found = fp.fingerprints(out)
    expected = json.loads(GOLD.read_text(encoding="utf-8"))
    assert fp.differences(found, expected) == []


def test_the_fingerprint_sees_a_changed_cell_and_ignores_the_run_id(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({"doc_id": ["a", "b"], "score": [0.5, None], "text": ["推进妇女发展", "加强儿童保护"]})
    pq.write_table(table.replace_schema_metadata({b"speechkit.run_id": b"one"}), tmp_path / "t.parquet")
    first = fp.fingerprints(tmp_path)
    pq.write_table(table.replace_schema_metadata({b"speechkit.run_id": b"two"}), tmp_path / "t.parquet")
    assert fp.fingerprints(tmp_path) == first
    pq.write_table(table.set_column(2, "text", pa.array(["推进妇女发展", "加强儿童保障"])), tmp_path / "t.parquet")
    assert fp.differences(fp.fingerprints(tmp_path), first) == ["t: sha256 differ (rows 2 → 2)"]


def test_the_nmf_weights_are_held_to_a_tolerance_not_to_their_last_bits(tmp_path):
    """The float32 NMF weights differ in their last bits between CPUs (BLAS kernels): within 1e-4 they
    are the same result, beyond it a different one — the terms and ids are hashed as everywhere."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    def write(weights, ids=("a", "b")):
        pq.write_table(pa.table({"doc_id": list(ids), "topic": [1, 1], "weight": weights}), tmp_path / "doc_topics.parquet")
        return fp.fingerprints(tmp_path)

    first = write([0.25, 0.75])
    assert fp.differences(write([0.25 + 2e-5, 0.75 - 1e-5]), first) == []
    assert fp.differences(write([0.25 + 2e-3, 0.75]), first) != []
    assert fp.differences(write([0.25, 0.75], ids=("a", "c")), first) != []
