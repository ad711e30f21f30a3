"""No rule cuts speech from the clean corpora of the shared folder.

city-reports-2024, province-reports-2025 and national-reports hold government work reports
as clean text: beyond a few preambles, bylines, source lines and one portal footer there is
nothing to remove. Every removal is checked here for speech — an outline heading or a body
sentence — with patterns written for this test, independently of the cleaner's own guard
(speechkit/data/speech_guard.toml), and every offending cut is listed.
"""
import re
import sys

import pytest

from corpus_paths import REPO, shared
from speechkit.boilerplate import load_rules
from speechkit.clean import clean_file

sys.path.insert(0, str(REPO / "scripts"))
# the same judge of speech that `make eval` (scripts/eval_rules.py) reports with
from eval_rules import speech_in  # noqa: E402

CLEAN_CORPORA = ("city-reports-2024", "province-reports-2025", "national-reports")


def test_the_checker_sees_the_speech_the_old_sponsor_rule_cut():
    assert speech_in("八、着力维护安全稳定\n") == "outline heading"
    assert speech_in("（七）聚焦维护和谐稳定，加强安全治理和风险防范\n") == "outline heading"
    assert speech_in("推动已落户央企子公司有效运营、落地项目30个以上，引进央企二\n") == "body sentence"
    assert speech_in("主办单位：省教育厅，各州、市人民政府\n") == "body sentence"
    assert speech_in("来源：河北日报\n") is None and speech_in("——2024年1月16日在亳州市第五届人民代表大会第三次会议上\n") is None


@pytest.fixture(scope="module")
def cleaned():
    rules = load_rules()
    results = []
    for sub in CLEAN_CORPORA:
        folder = shared(sub)
        for path in sorted(folder.glob("*.txt")):
            row, removals = clean_file(path, f"{sub}/{path.name}", rules=rules)
            results.append((row, removals))
    return results


def test_no_removal_on_the_clean_corpora_is_speech(cleaned):
    assert len(cleaned) >= 200
    assert all(row["status"] == "ok" for row, _ in cleaned)
    cut_speech = [(row["source_path"], r["rule"], why, r["text"].strip()[:60])
                  for row, removals in cleaned for r in removals if (why := speech_in(r["text"]))]
    listing = "\n".join(f"{path}: {rule} cut {why}: {text}" for path, rule, why, text in cut_speech)
    assert not cut_speech, f"{len(cut_speech)} removals of speech:\n{listing}"


def test_the_clean_corpora_lose_only_a_little(cleaned):
    """Chrome in these corpora is a few lines per report: no report loses 2 % of its non-blank characters."""
    visible = lambda text: len(re.sub(r"\s", "", text))  # noqa: E731
    heavy = [(row["source_path"], visible(row["raw_text"]), visible(row["text"])) for row, _ in cleaned
             if visible(row["text"]) < 0.98 * visible(row["raw_text"])]
    assert heavy == []


def test_the_chrome_that_is_there_still_goes(cleaned):
    """The portal footer of one city report (a sponsor line with a hotline, ICP, 公网安备) and the 来源 lines go."""
    by_path = {row["source_path"]: (row, removals) for row, removals in cleaned}
    row, removals = by_path["city-reports-2024/益阳.txt"]
    assert {"sponsor_line", "licence_footer"} <= {r["rule"] for r in removals}
    assert "ICP备" not in row["text"] and "咨询热线" not in row["text"]
    assert "八、着力维护安全稳定" in row["text"]
    row, _ = by_path["province-reports-2025/2025年河北省政府工作报告.txt"]
    assert "来源：河北日报" not in row["text"]
    row, _ = by_path["province-reports-2025/2025年云南省政府工作报告.txt"]
    assert row["text"].count("主办单位：") == 10
