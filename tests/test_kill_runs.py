"""Twenty kill -9 at random moments of `speechkit run`: the readers never accept a mix of two runs (issue 15).

Two corpora with disjoint doc_ids are run alternately into one folder and killed at a random
moment. After every kill, either `sk.load` refuses the folder (MixedRunError), or the tables it
accepts agree with each other row for row: every analysed doc_id is a document of this
documents.parquet, every document is analysed, every removal belongs to a document.
"""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from corpus_paths import DEMO
from speechkit.decode import decode_bytes
from speechkit.integrity import MixedRunError

SPEECHKIT = [sys.executable, "-m", "speechkit.cli"]


def _variant(dst: Path, tag: str) -> None:
    """The demo corpus with a tag written into every page (so every doc_id differs from the original)."""
    for src in sorted(DEMO.rglob("*")):
        if not src.is_file() or src.suffix.lower() not in (".txt", ".md", ".html", ".htm", ".shtml"):
            continue
        text, encoding, _ = decode_bytes(src.read_bytes())
        k = text.rfind("。")
        out = dst / src.relative_to(DEMO)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes((text[:k] + f"。{tag}" + text[k:]).encode(encoding))


def _consistent(out: Path) -> list[str]:
    docs = pd.read_parquet(out / "documents.parquet", columns=["doc_id", "status", "text"])
    ok = set(docs.loc[(docs["status"] == "ok") & (docs["text"].str.len() > 0), "doc_id"])
    wrong = []
    removals = set(pd.read_parquet(out / "removals.parquet", columns=["doc_id"])["doc_id"])
    if not removals <= set(docs["doc_id"]):
        wrong.append("removals of documents that are not in documents.parquet")
    for name in ("sentences", "tokens", "outlines", "themes", "targets", "doc_topics", "keywords"):
        path = out / f"{name}.parquet"
        if path.exists():
            ids = set(pd.read_parquet(path, columns=["doc_id"])["doc_id"])
            if not ids <= ok:
                wrong.append(f"{name}: rows of documents not in documents.parquet")
            if name in ("sentences", "outlines") and ids != ok:
                wrong.append(f"{name}: not every document analysed")
    return wrong


@pytest.mark.slow
def test_twenty_kills_never_leave_a_mix_that_the_readers_accept(tmp_path):
    import speechkit as sk

    a, b, out = tmp_path / "a", tmp_path / "b", tmp_path / "out"
    _variant(a, "甲本")
    _variant(b, "乙本")
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    subprocess.run(SPEECHKIT + ["run", str(a), "-o", str(out), "-j", "2", "--no-report"], check=True, env=env,
                   capture_output=True, timeout=300)
    rng = random.Random(15)
    accepted = refused = 0
    for i in range(20):
        raw = b if i % 2 == 0 else a
        proc = subprocess.Popen(SPEECHKIT + ["run", str(raw), "-o", str(out), "-j", "2", "--no-report"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True, env=env)
        time.sleep(rng.uniform(0.3, 7.0))
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
        try:
            sk.load(out)
        except MixedRunError:
            refused += 1
            continue
        accepted += 1
        assert _consistent(out) == [], f"kill {i}: the readers accepted tables of two runs"
    # the next complete run repairs the folder
    subprocess.run(SPEECHKIT + ["run", str(a), "-o", str(out), "-j", "2", "--no-report"], check=True, env=env,
                   capture_output=True, timeout=300)
    sk.load(out)
    assert _consistent(out) == []
    assert accepted + refused == 20
