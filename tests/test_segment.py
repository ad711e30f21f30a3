"""Tests for speechkit.segment: sentence splitting, dictionaries, stopwords, segmentation."""

from __future__ import annotations

import importlib.resources
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from speechkit.segment import (
    REDACTION_MARKS,
    SENTENCE_END,
    Segmenter,
    is_number,
    is_redaction,
    load_stopwords,
    read_user_dict,
    split_sentences,
)

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
DOMAIN_DICT = Path(str(importlib.resources.files("speechkit") / "data" / "domain_dict.txt"))


def _corpus_dir(name: str) -> Path:
    folder = CORPUS / name
    if not folder.is_dir():
        pytest.skip(f"shared corpus folder {folder} is absent")
    return folder


@pytest.fixture(scope="module", params=["jieba", "rjieba"])
def segmenter(request) -> Segmenter:
    return Segmenter(request.param)


@pytest.fixture(scope="module")
def jieba_segmenter() -> Segmenter:
    return Segmenter("jieba")


# ── split_sentences ──────────────────────────────────────────────────────────


def test_split_sentences_on_chinese_and_ascii_marks():
    text = "要抓好托育服务。办好民生实事！能否做到?必须做到;还要坚持；最后一句"
    assert [s for _, _, s in split_sentences(text)] == [
        "要抓好托育服务。",
        "办好民生实事！",
        "能否做到?",
        "必须做到;",
        "还要坚持；",
        "最后一句",
    ]


def test_split_sentences_offsets_index_into_text_and_are_stripped():
    text = "  同志们：\n\n　今天召开全区妇女儿童工作会议。 \r\n下面讲三点意见  "
    result = split_sentences(text)
    assert [s for _, _, s in result] == ["同志们：", "今天召开全区妇女儿童工作会议。", "下面讲三点意见"]
    for start, end, sentence in result:
        assert text[start:end] == sentence


def test_split_sentences_keeps_closing_quote_with_its_sentence():
    text = "他强调：“要把儿童优先落到实处。”随后部署工作。"
    assert [s for _, _, s in split_sentences(text)] == [
        "他强调：“要把儿童优先落到实处。”",
        "随后部署工作。",
    ]


def test_split_sentences_drops_pieces_without_words():
    assert split_sentences("。。\n|\n”\n  \n") == []
    assert split_sentences("") == []


def test_split_sentences_does_not_split_decimals_or_commas():
    text = "覆盖率达到85.5%，比上年提高2.3个百分点,成效明显。"
    assert len(split_sentences(text)) == 1


_TEXT_ALPHABET = st.sampled_from(list("妇女儿童托育两癌筛查，,、：“”（）ab12 \u3000") + list(SENTENCE_END))


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=_TEXT_ALPHABET, max_size=60))
def test_split_sentences_properties(text):
    result = split_sentences(text)
    previous_end = 0
    for start, end, sentence in result:
        assert text[start:end] == sentence
        assert sentence == sentence.strip() and sentence
        assert start >= previous_end
        previous_end = end
        # only the tail may hold sentence-ending marks
        body = sentence.rstrip("".join(SENTENCE_END) + "”’」』）)》〉】〕\"'")
        assert not any(mark in body for mark in SENTENCE_END)
    # every word character of the text lands in some sentence
    covered = set()
    for start, end, _ in result:
        covered.update(range(start, end))
    assert all(i in covered for i, ch in enumerate(text) if ch.isalnum())


# ── dictionaries and stopwords ───────────────────────────────────────────────


def test_bundled_domain_dict_is_large_and_well_formed():
    entries = read_user_dict(DOMAIN_DICT)
    words = [e.word for e in entries]
    assert len(words) >= 350
    assert len(set(words)) == len(words)
    for required in ("男女平等基本国策", "家庭家教家风", "两纲两规划", "人身安全保护令", "新质生产力"):
        assert required in words


def test_read_user_dict_accepts_optional_fields(tmp_path):
    path = tmp_path / "user.txt"
    path.write_text("# 注释\n巾帼暖心驿站 3000 n\n\n家庭服务站\n妇女微家 500\n", encoding="utf-8")
    entries = read_user_dict(path)
    assert [(e.word, e.freq, e.pos) for e in entries] == [
        ("巾帼暖心驿站", 3000, "n"),
        ("家庭服务站", None, None),
        ("妇女微家", 500, None),
    ]


@pytest.mark.parametrize(
    "bad_line",
    ["巾帼暖心驿站 很多 n", "巾帼暖心驿站 0 n", "巾帼暖心驿站 100 n 多余", "巾帼暖心驿站 100 名词", "*** 100 n"],
)
def test_malformed_user_dict_line_names_file_and_line(tmp_path, bad_line):
    path = tmp_path / "my_dict.txt"
    path.write_text(f"托育驿站 100 n\n# 注释\n{bad_line}\n", encoding="utf-8")
    with pytest.raises(ValueError) as excinfo:
        Segmenter(user_dict=path)
    message = str(excinfo.value)
    assert "my_dict.txt" in message and ":3:" in message


def test_load_stopwords_bundled_and_extra(tmp_path):
    bundled = load_stopwords()
    for filler in ("同志们", "进一步", "切实", "一是", "工作", "的"):
        assert filler in bundled
    for content in ("妇女", "儿童", "发展", "托育", "两癌筛查"):
        assert content not in bundled
    extra = tmp_path / "extra_stop.txt"
    extra.write_text("# 我的停用词\n蓬勃\n", encoding="utf-8")
    assert load_stopwords(extra) == bundled | {"蓬勃"}


def test_no_domain_phrase_is_a_stopword():
    stopwords = load_stopwords()
    assert not {e.word for e in read_user_dict(DOMAIN_DICT)} & stopwords


# ── Segmenter ────────────────────────────────────────────────────────────────


def test_every_domain_phrase_stays_whole(segmenter):
    for entry in read_user_dict(DOMAIN_DICT):
        assert segmenter.cut(entry.word) == [entry.word], entry.word


def test_domain_phrases_stay_whole_in_context(segmenter):
    tokens = segmenter.cut("坚持男女平等基本国策，注重家庭家教家风建设，推进儿童友好城市和普惠托育。")
    for phrase in ("男女平等基本国策", "家庭家教家风", "儿童友好城市", "普惠托育"):
        assert phrase in tokens


def test_user_dict_adds_words(tmp_path):
    phrase = "巾帼暖心驿站"
    assert Segmenter("jieba").cut(phrase) != [phrase]
    path = tmp_path / "user.txt"
    path.write_text(f"{phrase} 3000 n\n", encoding="utf-8")
    for backend in ("jieba", "rjieba"):
        assert Segmenter(backend, user_dict=path).cut(f"建成{phrase}十个")[1] == phrase


def test_jieba_backend_leaves_global_tokenizer_alone(jieba_segmenter):
    import jieba

    jieba_segmenter.cut("两纲两规划")
    assert "两纲两规划" not in jieba.dt.FREQ


def test_dictionary_loads_once_and_lazily(monkeypatch):
    import speechkit.segment as segment_module

    made = []
    real_make = segment_module._make_tokenizer

    def counting_make(backend):
        made.append(backend)
        return real_make(backend)

    monkeypatch.setattr(segment_module, "_make_tokenizer", counting_make)
    seg = Segmenter("jieba")
    assert made == []
    seg.cut("推进托育服务")
    seg.cut("开展两癌筛查")
    seg.content_tokens("建设妇女之家")
    assert made == ["jieba"]


def test_private_jieba_tokenizers_do_not_share_user_words(tmp_path):
    path = tmp_path / "user.txt"
    path.write_text("巾帼暖心驿站 3000 n\n", encoding="utf-8")
    with_word = Segmenter("jieba", user_dict=path)
    assert with_word.cut("巾帼暖心驿站") == ["巾帼暖心驿站"]
    assert Segmenter("jieba").cut("巾帼暖心驿站") != ["巾帼暖心驿站"]


def test_content_tokens_filters_noise(segmenter):
    sentence = "同志们，要切实推进〔*〕区**同志提出的普惠托育服务，_总书记强调新增托位300个、覆盖率85%，A类××县○○镇。"
    tokens = segmenter.content_tokens(sentence)
    assert "普惠托育服务" in tokens and "托位" in tokens and "总书记" in tokens
    for noise in ("同志们", "切实", "推进", "300", "85%", "A", "，", "。", "区", "县", "镇"):
        assert noise not in tokens
    assert not any(ch in REDACTION_MARKS for token in tokens for ch in token)


_NOISY_ALPHABET = st.sampled_from(list("妇女儿童托育服务两纲规划市区县") + list(REDACTION_MARKS) + list("，。 12aB%"))


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=_NOISY_ALPHABET, max_size=40))
def test_redaction_marks_never_become_tokens(text):
    seg = _shared_rjieba()
    for token in seg.content_tokens(text):
        assert token and token == token.strip()
        assert not is_redaction(token)
        assert token[0] not in REDACTION_MARKS and token[-1] not in REDACTION_MARKS
        assert not is_number(token)


_RJIEBA: list[Segmenter] = []


def _shared_rjieba() -> Segmenter:
    if not _RJIEBA:
        _RJIEBA.append(Segmenter("rjieba"))
    return _RJIEBA[0]


def test_is_number_and_is_redaction():
    for number in ("2024", "3.5", "100%", "2021-2030", "2021—2030", "１２"):
        assert is_number(number)
    for word in ("十四五", "A股", "HPV", "两癌"):
        assert not is_number(word)
    for mark in ("*", "**", "〔*〕", "_", "××", "○○", "＊"):
        assert is_redaction(mark)
    assert not is_redaction("*区") and not is_redaction("")


def test_fingerprint_tracks_backend_and_dictionaries(tmp_path):
    base = Segmenter("jieba").fingerprint
    assert len(base) == 40 and int(base, 16) >= 0
    assert Segmenter("jieba").fingerprint == base
    assert Segmenter("rjieba").fingerprint != base
    user = tmp_path / "user.txt"
    user.write_text("巾帼暖心驿站 3000 n\n", encoding="utf-8")
    with_user = Segmenter("jieba", user_dict=user).fingerprint
    assert with_user != base
    user.write_text("巾帼暖心驿站 3001 n\n", encoding="utf-8")
    assert Segmenter("jieba", user_dict=user).fingerprint != with_user
    stop = tmp_path / "stop.txt"
    stop.write_text("蓬勃\n", encoding="utf-8")
    assert Segmenter("jieba", stopwords=stop).fingerprint != base


def test_unknown_backend_is_rejected():
    with pytest.raises(ValueError, match="pkuseg"):
        Segmenter("pkuseg")


# ── on the real corpus ───────────────────────────────────────────────────────


def _token_spans(tokens: list[str]) -> list[tuple[int, int, str]]:
    spans, pos = [], 0
    for token in tokens:
        spans.append((pos, pos + len(token), token))
        pos += len(token)
    return spans


def test_seed_speeches_keep_domain_phrases_and_drop_redactions(segmenter):
    seeds = _corpus_dir("seeds")
    dictionary = {e.word for e in read_user_dict(DOMAIN_DICT)}
    phrases = [w for w in dictionary if len(w) >= 3]
    checked = 0
    for path in sorted(seeds.glob("*.txt")):
        text = path.read_text(encoding="utf-8", errors="replace")
        for _, _, sentence in split_sentences(text):
            tokens = segmenter.cut(sentence)
            assert "".join(tokens) == sentence
            spans = _token_spans(tokens)
            for phrase in phrases:
                start = sentence.find(phrase)
                while start >= 0:
                    end = start + len(phrase)
                    covering = [t for a, b, t in spans if a < end and b > start]
                    # kept whole (alone or inside a longer token), or it competes with
                    # another dictionary phrase that overlaps it (家庭家教家风|建设)
                    assert any(phrase in t for t in covering) or any(
                        t in dictionary and t != phrase for t in covering
                    ), (phrase, "/".join(covering))
                    checked += 1
                    start = sentence.find(phrase, start + 1)
            content = segmenter.content_tokens(sentence)
            assert not any(is_redaction(t) or t in segmenter.stopwords for t in content)
    assert checked >= 100


def test_rjieba_is_a_drop_in_for_jieba_on_real_text():
    """With the bundled dictionary both backends give identical tokens (the basis of the default)."""
    from corpus_paths import DEMO

    from speechkit.readers import read_source

    jieba_seg, rjieba_seg = Segmenter("jieba"), Segmenter("rjieba")
    # every document of the demo corpus as its reader gives it (Word, PDF and CSV rows included)
    texts = [doc.text for p in sorted(DEMO.rglob("*")) if p.is_file()
             for doc in read_source(p.read_bytes(), p.relative_to(DEMO).as_posix())[0]]
    from corpus_paths import SHARED

    seeds = SHARED / "seeds"
    if seeds.exists():
        texts += [p.read_text(encoding="utf-8") for p in sorted(seeds.iterdir())]
    differing = []
    for text in texts:
        for _, _, sentence in split_sentences(text):
            if jieba_seg.cut(sentence) != rjieba_seg.cut(sentence):
                differing.append(sentence)
    assert differing == []


# ── cut_many: the sentences of a document in one call ───────────────────────

_EDGY = ("各位代表：\r\n  过去一年，全市GDP增长5.2%，PM_2.5浓度下降8%；Micro-LED项目投产。“办实事！”他说。\n"
         "〔*〕区新建托位300个  。\t2021-2030年规划（草案）……\n\n。。——a-b c\n最后一句没有句号")


@pytest.mark.parametrize("backend", ["rjieba", "jieba"])
def test_cut_many_is_the_cut_of_every_sentence(backend):
    seg = Segmenter(backend)
    sentences = [s for _, _, s in split_sentences(_EDGY)]
    cuts = seg.cut_many(sentences)
    assert cuts == [seg.cut(s) for s in sentences]
    tokens = cuts[[i for i, s in enumerate(sentences) if "PM_2.5" in s][0]]
    i = tokens.index("PM")
    assert tokens[i:i + 3] == ["PM", "_", "2.5"]  # ASCII runs split the jieba way by both backends


def test_content_values_judge_new_tokens_the_same_whether_the_memo_has_room_or_is_full():
    seg = Segmenter()
    raw = seg.cut("要切实推进〔*〕区普惠托育服务，新增托位300个，托育服务再上新台阶。")
    expected = ["" if not seg.is_content(t.strip().strip("〔*〕")) else t.strip().strip("〔*〕") for t in raw]
    assert seg.content_values(raw) == expected and "普惠托育服务" in expected and "" in expected
    full = Segmenter()
    full._content_memo.update((f"占位{i}", "") for i in range(500_000))  # the memo at its cap
    assert full.content_values(raw) == expected
    assert not set(raw) & set(full._content_memo)  # nothing memoised beyond the cap
