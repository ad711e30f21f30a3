"""scripts/draw_theme_sample.py: the candidates, the anchors and the draw, on small made-up files
(no shared corpus needed)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

import draw_theme_sample as dts  # noqa: E402

LONG = "一二三四五六七八九十甲乙丙丁戊己庚辛壬癸子丑寅卯"  # 24 characters
SENTENCES = {
    "corpus-a/x.txt": [LONG + "。", LONG + "之后不同。", "短句子。", "第三个句子足够长了。", "第三个句子足够长了。"],
    "corpus-a/y.txt": ["另一个文件的句子。", "判过的句子在这里。"],
    "corpus-b/z.txt": ["乙库的第一句很长很长。", "乙库的第二句也很长。"],
}


def test_anchor_is_the_prefix_when_unique_else_a_window_no_other_sentence_holds():
    sents = SENTENCES["corpus-a/x.txt"]
    # the first 20 characters of the second sentence are also those of the first one
    a = dts.anchor_for(sents[1], sents)
    assert len(a) <= dts.ANCHOR and a != sents[1][:20]
    assert dts.locate(sents, a) == sents[1] and a not in sents[0]
    # the first sentence starts the second: its one window the second lacks is the one with its full stop
    b = dts.anchor_for(sents[0], sents)
    assert b == sents[0][-20:] and dts.locate(sents, b) == sents[0] and b not in sents[1]
    # a sentence held whole by a later one has no unique window: the one the eval locates on it
    inner = LONG[:20]
    assert dts.anchor_for(inner, [inner, "前" + inner + "后"]) == inner
    assert dts.anchor_for(inner, ["前" + inner + "后", inner]) is None
    # a short sentence is its own anchor; a repeated text is located on its first copy
    assert dts.anchor_for("短句子。", sents) == "短句子。"
    assert dts.anchor_for(sents[3], sents) == sents[3]


def test_candidates_leave_out_short_judged_and_repeated_sentences():
    taken = {("corpus-a/y.txt", "判过的句子在这里。")}
    pool = dts.candidates(SENTENCES, "corpus-a", taken, min_chars=8)
    assert ("corpus-a/x.txt", "短句子。") not in pool  # 4 characters
    assert ("corpus-a/y.txt", "判过的句子在这里。") not in pool
    assert pool.count(("corpus-a/x.txt", "第三个句子足够长了。")) == 1
    assert all(f.startswith("corpus-a/") for f, _ in pool) and len(pool) == 4


def test_judged_locates_gold_rows_like_the_eval(tmp_path):
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({"file": "corpus-a/y.txt", "anchor": "判过的", "themes": [], "borderline": []},
                               ensure_ascii=False) + "\n", encoding="utf-8")
    assert dts.judged(SENTENCES, [gold, tmp_path / "absent.jsonl"]) == {("corpus-a/y.txt", "判过的句子在这里。")}


def test_draw_is_reproducible_per_seed_and_counts_per_corpus(tmp_path):
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({"file": "corpus-a/y.txt", "anchor": "判过的"}, ensure_ascii=False) + "\n",
                    encoding="utf-8")
    first = dts.draw(SENTENCES, [("corpus-a", 3), ("corpus-b", 1)], 7, [gold])
    assert first == dts.draw(SENTENCES, [("corpus-a", 3), ("corpus-b", 1)], 7, [gold])
    assert [r["file"].split("/")[0] for r in first] == ["corpus-a"] * 3 + ["corpus-b"]
    assert all(r["sentence"] != "判过的句子在这里。" for r in first)
    for r in first:
        assert dts.locate(SENTENCES[r["file"]], r["anchor"]) == r["sentence"]
    seeds = {tuple(r["sentence"] for r in dts.draw(SENTENCES, [("corpus-a", 3)], s, [gold])) for s in range(20)}
    assert len(seeds) > 1


def test_asking_more_than_the_candidates_stops():
    import pytest
    with pytest.raises(SystemExit):
        dts.draw(SENTENCES, [("corpus-b", 3)], 1, [])
