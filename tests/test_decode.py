import pytest

from speechkit.decode import DecodeError, decode_bytes, html_dom, html_to_text, read_raw

SPEECH = "同志们：今天我们召开全市妇女儿童工作会议，部署2024年工作。到2025年底，普惠性幼儿园覆盖率要达到85%以上。"


@pytest.mark.parametrize("encoding,expected", [
    ("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gb18030", "gb18030"), ("gbk", "gb18030"), ("utf-16", "utf-16"),
])
def test_encodings_are_detected(encoding, expected):
    text, enc, _ = decode_bytes(SPEECH.encode(encoding))
    assert text == SPEECH
    assert enc == expected


def test_big5_traditional_page_is_detected():
    trad = "同志們：今天我們召開全市婦女兒童工作會議，總結過去一年的工作，部署今後的重點任務。" * 3
    text, enc, _ = decode_bytes(trad.encode("big5"))
    assert text == trad and enc.startswith("big5")


def test_truncated_utf8_keeps_the_good_part():
    data = SPEECH.encode("utf-8")[:-2]
    text, enc, notes = decode_bytes(data)
    assert SPEECH.startswith(text) and len(text) == len(SPEECH) - 1
    assert notes and "truncated" in notes[0]


@pytest.mark.parametrize("data,message", [
    (b"", "empty"), (b"   \n ", "whitespace"), (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG"), (b"%PDF-1.7 \x00\x01", "PDF"),
])
def test_unusable_bytes_raise_specific_errors(data, message):
    with pytest.raises(DecodeError, match=message):
        decode_bytes(data)


def test_html_visible_text_without_scripts_styles_nav_kept_and_flagged():
    html = """<html><head><title>在全市妇女代表大会上的讲话_某某网</title><style>.a{content:'样式文字'}</style>
    <script>var s = '脚本里的中文';</script></head><body><nav><a>首页</a><a>新闻中心</a></nav>
    <h1>在全市妇女代表大会上的讲话</h1><div class="article"><p>同志们：</p><p>今天&nbsp;召开大会，&#x4E00;起部署工作。</p></div>
    <div style="display: none">隐藏的文字</div></body></html>"""
    text, hints = html_to_text(html)
    assert "脚本" not in text and "样式" not in text and "隐藏" not in text
    # <nav> text is visible text: it stays in raw_text and the clean stage cuts it as a recorded removal
    assert text.splitlines() == ["首页新闻中心", "在全市妇女代表大会上的讲话", "同志们：", "今天 召开大会，一起部署工作。"]
    assert [line.nav for line in html_dom(html).lines] == [True, False, False, False]
    assert hints["h1"] == "在全市妇女代表大会上的讲话"


def test_read_raw_sniffs_html_saved_as_txt(tmp_path):
    p = tmp_path / "page.txt"
    p.write_text("<!DOCTYPE html><html><body><p>同志们：现在开会。</p></body></html>", encoding="utf-8")
    page = read_raw(p)
    assert page.format == "html" and page.text == "同志们：现在开会。"


# --- NUL bytes ------------------------------------------------------------------------------

@pytest.mark.parametrize("positions", [[0], [10], [5000], [3, 40, 77, 5000, 9000]])
def test_utf8_with_stray_nuls_is_read_without_them(positions):
    data = bytearray((SPEECH * 80).encode("utf-8"))
    for pos in sorted(positions, reverse=True):  # between characters: SPEECH is 3-byte CJK and ASCII
        cut = pos - pos % 3 if pos < 30 else data.index("。".encode(), pos)
        data[cut:cut] = b"\x00"
    text, enc, notes = decode_bytes(bytes(data))
    assert "\x00" not in text and text == SPEECH * 80
    assert enc == "utf-8" and notes == [f"{len(positions)} NUL byte(s) dropped (the file is UTF-8 apart from them)"]


def test_utf8_full_of_nuls_and_utf16_without_bom_are_not_taken_for_utf8_with_nuls():
    with pytest.raises(DecodeError, match="not a text file"):
        decode_bytes(b"\x00\x00\x01abc\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02" * 50)
    text, enc, _ = decode_bytes(("各位代表：" + SPEECH * 5).encode("utf-16-le"))
    assert text.startswith("各位代表") and enc.startswith("utf_16")


def test_a_nul_in_another_encoding_does_not_survive_either():
    text, enc, notes = decode_bytes(("同志们：" * 40).encode("gb18030") + b"\x00" + SPEECH.encode("gb18030") * 3)
    assert enc == "gb18030" and "\x00" not in text and SPEECH in text
    assert any("NUL" in n for n in notes)
