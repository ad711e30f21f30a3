"""HTML main content, chrome cuts and page metadata (decode.html_dom, htmlmain, htmlmeta)."""
from __future__ import annotations

import importlib.util

import pytest

from corpus_paths import REPO, shared
from speechkit.clean import CleanOptions, clean_file
from speechkit.decode import html_dom
from speechkit.htmlmain import EXTRACTORS, ExtractorError, chrome_decisions, chrome_spans, main_container
from speechkit.htmlmeta import labelled_date, page_date, page_title, url_date

PARAS = [
    "同志们：今天我们召开全市妇女儿童工作会议，主要任务是总结去年工作，部署今年任务。",
    "一、充分肯定成绩",
    "过去一年，全市新建儿童之家45个，培训城乡妇女1.2万人次，各项指标稳步推进。",
    "二、明确重点任务",
    "要把妇女儿童事业放在经济社会发展全局中谋划，确保规划目标如期实现。",
]


def gov_page(after_body: str = "", head: str = "", article_extra: str = "") -> str:
    """A portal page of the usual kind: top menu, breadcrumb, title, info line, article, related list, footer."""
    body = "".join(f"<p>{p}</p>" for p in PARAS)
    return f"""<html><head><title>在全市妇女儿童工作会议上的讲话_领导讲话_某市妇联</title>{head}</head><body>
    <div class="top"><a href="/">首页</a> | <a href="/a">机构概况</a> | <a href="/b">政策法规</a> | <a href="/c">工作动态</a></div>
    <div class="menu"><ul><li><a href="/1">领导讲话</a></li><li><a href="/2">互动交流</a></li><li><a href="/3">网上办事</a></li></ul></div>
    <div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/s">领导讲话</a></div>
    <div class="main"><h1>在全市妇女儿童工作会议上的讲话</h1>
    <div class="info">2024-01-10 09:30 来源：市妇儿工委办</div>
    <div class="TRS_Editor">{body}{article_extra}</div>
    <div class="related"><h3>相关链接</h3><ul><li><a href="/x1">在全市妇女代表大会上的讲话</a></li>
    <li><a href="/x2">在全市家庭教育工作推进会上的讲话</a></li><li><a href="/x3">关于做好妇女儿童工作的通知</a></li></ul></div>
    {after_body}</div>
    <div class="foot"><a href="/m">网站地图</a> | <a href="/l">联系我们</a> | <a href="/d">有奖调查</a>
    <p>主办单位：某市妇女联合会 地址：某市人民路1号 电话：0571-00000000</p></div></body></html>"""


def _cut(dom, spans):
    return {dom.text[s:e].strip(): rule for s, e, rule in spans}


# --- DOM facts and chrome decisions ----------------------------------------------------


def test_dom_facts_link_chars_nav_and_paths():
    dom = html_dom("<body><nav><a href=/>首页</a></nav><div id=x><p>现在<a href=#>开会</a>。</p></div></body>")
    assert dom.text.splitlines() == ["首页", "现在开会。"]
    nav, para = dom.lines
    assert (nav.nav, nav.chars, nav.link_chars) == (True, 2, 2)
    assert (para.nav, para.chars, para.link_chars) == (False, 5, 2)
    assert [dom.elements[i].tag for i in para.path] == ["body", "div", "p"]
    assert dom.elements[para.path[1]].id == "x"


def test_menus_related_links_and_footer_are_cut_the_article_and_its_headings_kept():
    dom = html_dom(gov_page())
    kept = [dom.text[l.start:l.end] for l, d in zip(dom.lines, chrome_decisions(dom)) if d is None]
    assert kept == PARAS  # the short headings 一、… are article lines: they share the article's container
    cut = " ".join(dom.text[s:e] for s, e, _ in chrome_spans(dom))
    for chrome in ("机构概况", "网上办事", "当前位置", "在全市家庭教育工作推进会上的讲话", "有奖调查", "主办单位"):
        assert chrome in cut


def test_main_container_is_the_block_of_paragraphs_not_a_paragraph():
    dom = html_dom(gov_page())
    assert [dom.elements[i].cls for i in main_container(dom)] == ["TRS_Editor"]


def test_link_list_inside_the_article_is_an_html_link_block():
    extra = '<p><a href="/p">上一篇：在全市妇女代表大会上的讲话</a></p><p><a href="/n">下一篇：某某工作要点</a></p>'
    dom = html_dom(gov_page(article_extra=extra))
    cut = _cut(dom, chrome_spans(dom))
    assert cut["上一篇：在全市妇女代表大会上的讲话\n下一篇：某某工作要点"] == "html_link_block"


def test_a_sentence_with_a_link_in_it_stays():
    extra = '<p>详见<a href="/g">《某市妇女发展规划》</a>，各地要对照规划抓好落实，确保各项任务落地见效。</p>'
    dom = html_dom(gov_page(article_extra=extra))
    kept = [dom.text[l.start:l.end] for l, d in zip(dom.lines, chrome_decisions(dom)) if d is None]
    assert kept[-1].startswith("详见《某市妇女发展规划》")


def test_table_layout_page_keeps_the_article_cell():
    html = ("<body><table><tr><td class=left><a href=/1>首页</a><br><a href=/2>新闻中心</a><br><a href=/3>通知公告</a></td>"
            "<td class=content>" + "".join(f"<p>{p}</p>" for p in PARAS) + "</td></tr>"
            "<tr><td colspan=2>版权所有 某县人民政府办公室 备案号：浙ICP备00000000号</td></tr></table></body>")
    dom = html_dom(html)
    decisions = chrome_decisions(dom)
    assert [dom.text[l.start:l.end] for l, d in zip(dom.lines, decisions) if d is None] == PARAS
    assert {d for d in decisions if d} == {"html_outside_main"}


def test_a_page_without_article_text_is_not_cut_away():
    dom = html_dom("<body><nav><a href=/>首页</a></nav><ul><li><a href=/a>通知一</a></li><li><a href=/b>通知二</a></li></ul></body>")
    assert chrome_decisions(dom) == ["html_nav", None, None]


def test_unknown_extractor_is_a_clear_error():
    with pytest.raises(ExtractorError, match="unknown HTML extractor 'magic'"):
        chrome_spans(html_dom(gov_page()), extractor="magic")
    with pytest.raises(ValueError, match="choose one of: dom, readability"):
        CleanOptions(html_extractor="magic")


# --- the clean stage: every cut recorded -----------------------------------------------


@pytest.mark.parametrize("extractor", EXTRACTORS)
def test_clean_records_every_html_cut_and_rebuilds_the_text(tmp_path, extractor):
    module = {"readability": "readability", "trafilatura": "trafilatura"}.get(extractor)
    if module and importlib.util.find_spec(module) is None:
        pytest.skip(f"{module} not installed")
    page = tmp_path / "speech.html"
    page.write_text(gov_page(after_body="<p>发布时间：2024-01-10</p>"), encoding="utf-8")
    row, removals = clean_file(page, "speech.html", CleanOptions(html_extractor=extractor))
    raw, pieces, pos = row["raw_text"], [], 0
    for r in sorted(removals, key=lambda r: r["start"]):
        assert raw[r["start"]:r["end"]] == r["text"] and r["start"] >= pos
        pieces.append(raw[pos:r["start"]])
        pos = r["end"]
    assert "".join(pieces) + raw[pos:] == row["text"]
    for p in PARAS:
        assert p in row["text"]
    if extractor != "none":
        assert "网上办事" not in row["text"] and "在全市家庭教育工作推进会上的讲话" not in row["text"]
        assert {"html_outside_main"} <= {r["rule"] for r in removals}
    assert row["date"] == "2024-01-10" and row["title"] == "在全市妇女儿童工作会议上的讲话"


def test_cli_rejects_an_unknown_extractor(tmp_path):
    from typer.testing import CliRunner

    from speechkit.cli import app

    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "a.html").write_text(gov_page(), encoding="utf-8")
    result = CliRunner().invoke(app, ["clean", str(tmp_path / "raw"), "--out", str(tmp_path / "out"),
                                      "--html-extractor", "magic"])
    assert result.exit_code != 0 and "magic" in result.output


# --- dates -------------------------------------------------------------------------------


def test_date_precedence_meta_then_label_then_near_then_url():
    meta = '<meta name="PubDate" content="2024-01-09 08:00">'
    dom = html_dom(gov_page(head=meta, after_body="<p>发布时间：2024-01-08</p>"))
    assert page_date(dom) == ("2024-01-09", "meta")
    dom = html_dom(gov_page(after_body="<p>发布时间：2024-01-08</p>"))
    assert page_date(dom, [d is None for d in chrome_decisions(dom)]) == ("2024-01-08", "label")
    dom = html_dom(gov_page())
    assert page_date(dom, [d is None for d in chrome_decisions(dom)]) == ("2024-01-10", "near")
    dom = html_dom(gov_page().replace("2024-01-10 09:30 ", "")
                   .replace("</head>", '<link rel="canonical" href="http://www.a.gov.cn/art/2023/12/t20231229_1.html"></head>'))
    assert page_date(dom, [d is None for d in chrome_decisions(dom)]) == ("2023-12-29", "url")


def test_labelled_date_after_a_long_body_is_found():
    body = "".join(f"<p>{PARAS[2]}</p>" for _ in range(80))  # far beyond the first 3,000 characters
    dom = html_dom(f"<body><div class=art>{body}</div><div class=bottom>发布日期：2023年6月15日</div></body>")
    assert page_date(dom, [d is None for d in chrome_decisions(dom)]) == ("2023-06-15", "label")
    assert labelled_date("正文。\n" * 2000 + "时间：2023-06-15 10:20") == "2023-06-15"


def test_a_date_inside_the_first_sentence_is_not_the_page_date():
    dom = html_dom("<body><div class=art><p>2014年8月22日，由某某公司主办的第三届论坛在北京举行，来自各地的代表参加会议。</p>"
                   "<p>会议期间，代表们围绕主题进行了深入讨论，形成了多项共识。</p></div></body>")
    assert page_date(dom, [d is None for d in chrome_decisions(dom)]) == (None, None)


def test_dates_related_list_items_do_not_win_over_the_article_date():
    related = "".join(f'<li><a href="/n{i}">某某新闻标题第{i}条</a><span>2019-0{i}-01</span></li>' for i in range(1, 6))
    dom = html_dom(gov_page(after_body=f"<ul class=list>{related}</ul>"))
    assert page_date(dom, [d is None for d in chrome_decisions(dom)])[0] == "2024-01-10"


@pytest.mark.parametrize("url, iso", [
    ("http://www.gov.cn/zhengce/2023-06/15/content_5.htm", "2023-06-15"),
    ("http://www.xinhuanet.com/politics/2019-12/10/c_1125327450.htm", "2019-12-10"),
    ("https://www.zj.gov.cn/art/2023/6/15/art_1.html", None),  # /2023/6/15/: one digit — ambiguous, not read
    ("http://www.a.gov.cn/xxgk/202306/t20230615_888.html", "2023-06-15"),
    ("http://news.a.com/20230615/abc.shtml", "2023-06-15"),
    ("http://www.a.gov.cn/art/202313/99.html", None),
])
def test_url_dates(url, iso):
    assert url_date(url) == iso


# --- titles ------------------------------------------------------------------------------


def test_title_is_the_headline_not_a_channel_logo():
    html = gov_page().replace("<h1>在全市妇女儿童工作会议上的讲话</h1>", '<h1><a href="/">新闻中心</a></h1>'
                              '<div class="title">在全市妇女儿童工作会议上的讲话</div>')
    assert page_title(html_dom(html)) == "在全市妇女儿童工作会议上的讲话"


def test_title_from_head_title_without_the_site_suffix():
    for head, want in [("全市妇女儿童工作会议召开_要闻_某市人民政府", "全市妇女儿童工作会议召开"),
                       ("全市妇女儿童工作会议召开-新华网", "全市妇女儿童工作会议召开"),
                       ("2023-2024学年工作要点", "2023-2024学年工作要点")]:
        dom = html_dom(f"<html><head><title>{head}</title></head><body><p>正文，很短。</p></body></html>")
        assert page_title(dom) == want


def test_title_keeps_h1_when_title_is_truncated():
    html = ("<html><head><title>定了！某某邮轮母港即将开通！地铁直达+无敌免..._政务_某某新闻</title></head><body>"
            "<h1>定了！某某邮轮母港即将开通！地铁直达+无敌免...</h1><p>正文，很短。</p></body></html>")
    assert page_title(html_dom(html)) == "定了！某某邮轮母港即将开通！地铁直达+无敌免..."


# --- end to end over real portal pages ---------------------------------------------------


def _eval_module():
    spec = importlib.util.spec_from_file_location("eval_html", REPO / "scripts" / "eval_html.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_html_pages_reach_the_targets_and_beat_the_peers():
    pages = shared("html-pages")
    ev = _eval_module()
    gold = ev.load_gold(pages)
    mine = ev.score(ev.speechkit_tool("dom"), gold, pages)
    misses = [m for m in mine["misses"] if "F1" not in m]
    assert mine["F1"] >= 0.97, mine["misses"]
    assert mine["menus"] <= 0.05, misses
    assert mine["date"] >= 0.97, misses
    assert mine["title"] >= 0.95, misses
    for name, tool in ev._peers_available().items():
        if name == "htmldate (date only)":
            continue
        peer = ev.score(tool, gold, pages)
        assert mine["F1"] > peer["F1"], (name, peer["F1"])
        if name == "trafilatura":
            assert mine["date"] >= peer["date"], (name, peer["date"])
