"""Build the demo corpus in data/raw/ and its ground truth in tests/demo_truth.toml.

The speech bodies live in scripts/demo_texts/*.txt (UTF-8, one paragraph per
line, full-width punctuation). They were written for this project; no text is
taken from any scraped page. Inside a body, ``⟦…⟧`` marks pollution that sits
*inside* the speech on the scraped page (page markers glued inside a word,
paywall gaps, photo captions): the brackets are dropped when the page is
written, and the bracketed text is left out of the clean body.

Everything around the body (portal chrome, breadcrumbs, source lines,
footers, HTML skeletons) is built here, per file, by the ``page_*`` functions.

Usage::

    .venv/bin/python scripts/make_demo_corpus.py          # write files
    .venv/bin/python scripts/make_demo_corpus.py --check  # write, then verify

``--check`` decodes every written file with charset_normalizer, compares the
decoded text with the composed source and checks the ground truth against the
clean bodies (must_keep present, must_remove absent from body but present on
the page, body length >= 1300).
"""

from __future__ import annotations

import argparse
import html
import re
import shutil
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))
from office_fixtures import add_chinese_list_numbering, number_paragraph  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
TEXTS = Path(__file__).resolve().with_name("demo_texts")
RAW = REPO / "data" / "raw"
TRUTH = REPO / "tests" / "demo_truth.toml"

MIN_BODY_CHARS = 1300
POLLUTION = re.compile(r"⟦(.*?)⟧", re.S)
TO_ASCII = str.maketrans("，：；（）！？", ",:;()!?")


# --------------------------------------------------------------------------- model


@dataclass
class Doc:
    source: str  # file name in demo_texts/
    path: str  # relative to data/raw, POSIX
    encoding: str  # Python codec used to write the file
    fmt: str  # txt | md | html
    build: Callable[["Doc"], str]  # composes the page text
    ascii_punct: bool = False  # scraped 范文 sites use ASCII , : ; ( )
    newline: str = "\n"
    truth: dict = field(default_factory=dict)
    binary: Callable[["Doc"], bytes] | None = None  # formats: .docx / .pdf written as bytes (see below)

    # -- body views -------------------------------------------------------
    def source_text(self) -> str:
        text = (TEXTS / self.source).read_text(encoding="utf-8")
        return text.translate(TO_ASCII) if self.ascii_punct else text

    def page_paragraphs(self) -> list[str]:
        """Body paragraphs as they appear on the page (in-body pollution kept)."""
        return [POLLUTION.sub(r"\1", p) for p in self.source_text().split("\n") if p.strip()]

    def clean_paragraphs(self) -> list[str]:
        """Body paragraphs with in-body pollution removed."""
        out = []
        for p in self.source_text().split("\n"):
            p = POLLUTION.sub("", p)
            if p.strip():
                out.append(p)
        return out

    def in_body_pollution(self) -> list[str]:
        return [m.strip() for m in POLLUTION.findall(self.source_text())]

    def clean_body(self) -> str:
        return "\n".join(self.clean_paragraphs())

    def body_chars(self) -> int:
        return len(re.sub(r"\s", "", self.clean_body()))

    @property
    def file(self) -> str:
        """The raw file: a row of a table of speeches is ``table.csv#N``."""
        return self.path.split("#", 1)[0]

    def page(self) -> str:
        text = self.build(self)
        if self.newline != "\n":
            text = text.replace("\n", self.newline)
        return text


def lines(*parts: str | list[str]) -> str:
    out: list[str] = []
    for p in parts:
        out.extend(p if isinstance(p, list) else [p])
    return "\n".join(out) + "\n"


def esc(s: str) -> str:
    return html.escape(s, quote=False)


def html_paragraphs(paras: list[str], indent: str = "", strong_if: Callable[[str], bool] | None = None) -> str:
    out = []
    for p in paras:
        body = esc(p)
        if strong_if and strong_if(p):
            body = f"<strong>{body}</strong>"
        out.append(f'{indent}<p>{body}</p>')
    return "\n".join(out)


# --------------------------------------------------------------------------- pages


def page_d01(d: Doc) -> str:
    return lines(
        "您好，欢迎访问越州文稿网！　请登录　免费注册　设为首页　加入收藏",
        "当前位置：首页 > 领导讲话 > 妇女儿童 > 正文",
        "在全市妇女儿童工作会议上的讲话",
        "——市委副书记 李某某",
        "来源：越州文稿网　编辑：沈一帆　阅读数：2316　发布时间：2021-02-26 08:41",
        d.page_paragraphs(),
        "（完）",
        "打印本页 | 收藏本文 | 关闭窗口",
        "上一篇：在全市“三八”国际妇女节纪念大会上的讲话",
        "下一篇：在全市未成年人保护工作推进会上的讲话",
        "关于本站 | 投稿须知 | 免责声明 | 联系我们",
        "Copyright © 2015-2021 越州文稿网 版权所有　增值电信业务经营许可证：浙B2-20150101",
    )


def page_d02(d: Doc) -> str:
    title = "在全市实施“两纲”“两规划”推进会上的讲话"
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="keywords" content="两纲,两规划,妇女儿童,推进会">
<meta name="description" content="副市长王某在全市实施两纲两规划推进会上的讲话全文">
<title>{esc(title)}_领导讲话_绍兴妇儿之窗</title>
<link rel="stylesheet" href="/static/css/main.css">
<style>
body {{ font-family: "微软雅黑", "宋体", sans-serif; }}
.article p {{ text-indent: 2em; line-height: 2; }}
.fontsize:before {{ content: "字号切换："; }}
.elder-mode:after {{ content: "长者模式已开启"; }}
</style>
<script type="text/javascript">
var siteName = "绍兴妇儿之窗";
var accessibleTip = "本站已支持无障碍浏览，请点击页面右上角按钮开启";
function setFont(size) {{ document.getElementById("zoom").style.fontSize = size + "px"; }}
</script>
</head>
<body>
<div class="topbar">
  <span>今天是：<span id="today"></span></span>
  <a href="javascript:;" class="accessible">无障碍浏览</a> | <a href="javascript:;">长者模式</a> | <a href="/login">用户登录</a>
</div>
<div class="header"><img src="/static/img/logo.png" alt="绍兴妇儿之窗"></div>
<div class="nav">
  <ul>
    <li><a href="/">网站首页</a></li>
    <li><a href="/jggk/">机构概况</a></li>
    <li><a href="/zcfg/">政策法规</a></li>
    <li><a href="/gzdt/">工作动态</a></li>
    <li><a href="/ldjh/">领导讲话</a></li>
    <li><a href="/ghjc/">规划监测</a></li>
    <li><a href="/hdjl/">互动交流</a></li>
  </ul>
</div>
<div class="position">当前位置：<a href="/">网站首页</a> &gt; <a href="/ldjh/">领导讲话</a> &gt; 正文</div>
<div class="content">
  <h1 class="title">{esc(title)}</h1>
  <div class="info">
    <span>发布时间：2022-03-18</span>
    <span>信息来源：市妇儿工委办公室</span>
    <span>作者：副市长 王某</span>
    <span>浏览次数：<em id="hits">1089</em></span>
    <span class="fontsize">【字号：<a href="javascript:setFont(18)">大</a> <a href="javascript:setFont(16)">中</a> <a href="javascript:setFont(14)">小</a>】</span>
  </div>
  <div class="article" id="zoom">
{html_paragraphs(d.page_paragraphs(), indent="    ")}
  </div>
  <div class="tools">【<a href="javascript:window.print()">打印本页</a>】【<a href="javascript:window.close()">关闭窗口</a>】 分享到：<a>微信</a> <a>微博</a></div>
</div>
<div class="footer">
  <p><a href="/wzdt/">网站地图</a> | <a href="/lxwm/">联系我们</a> | <a href="/yssm/">隐私声明</a></p>
  <p>主办：绍兴妇儿之窗编辑部　地址：绍兴市越城区示例路1号　邮编：312000</p>
  <p>版权所有 © 绍兴妇儿之窗　浙ICP备00012345号-2　网站标识码：DEMO000001</p>
  <p>建议使用1366×768以上分辨率浏览本站</p>
</div>
<script>
document.getElementById("today").innerText = new Date().toLocaleDateString("zh-CN");
var statTip = "访问统计加载中";
</script>
</body>
</html>
"""


def page_d03(d: Doc) -> str:
    title = "在全市妇女第十四次代表大会上的讲话"
    body = " ".join(d.page_paragraphs())
    tail = (
        f" ……(未完,全文共7860字,当前只显示2260字,请阅读下面提示信息。收藏{title})"
        " 上一篇:在全市巾帼建功标兵表彰会上的讲话"
        " 下一篇:在全市家庭家教家风建设推进会上的讲话"
        " 相关栏目:妇代会 妇联换届 三八节讲话 共同富裕"
    )
    return lines(
        f"| 标题:{title} |",
        "| 发布时间:2023-06-15 栏目:讲话致辞 |",
        f"| {title} {body}{tail} |",
    )


def page_d04(d: Doc) -> str:
    title = "在2024年全市妇女儿童工作会议上的讲话"
    return lines(
        "您好,欢迎访问笔耕文库",
        "当前位置:首页 > 讲话致辞 > 会议讲话 > 2024年全市妇女儿童工作会议讲话",
        "本篇围绕妇女全面发展、儿童健康成长和工作合力三个方面作出部署,结构清晰,可供各地参考。"
        "以下由网友整理分享的2024年全市妇女儿童工作会议讲话相关文档,供您学习参考,喜欢就分享吧!",
        "1/6" + title + title + "".join(d.page_paragraphs()),
        "笔耕文库内容均由用户上传,仅供学习交流,如需商用请联系原作者取得授权。",
        "本文标题:2024年全市妇女儿童工作会议讲话",
        "链接地址:https://www.bigeng-wenku.example.com/doc/20240222-0417.html",
    )


def page_d15(d: Doc) -> str:
    # a municipal portal's text export: the 2026 speech reviews 2025, the last year of the plans that the
    # 2021 and 2022 speeches set targets for (the demo pair for `speechkit followup`)
    title = "在2026年全市妇女儿童工作会议上的讲话"
    return lines(
        "绍兴市妇女儿童工作委员会",
        title,
        "来源：市妇儿工委办公室    发布时间：2026-02-12    浏览次数：318",
        *d.page_paragraphs(),
        "【打印本页】【关闭窗口】",
        "主办单位：绍兴市妇女儿童工作委员会办公室  联系电话：0575-85000000",
    )


def page_d05(d: Doc) -> str:
    return lines(
        "凝聚巾帼力量 共建出彩洛阳",
        "洛阳巾帼网 主办",
        "首页 > 妇联动态 > 领导讲话",
        "在2021年全市妇女儿童工作会议上的讲话(市长 王某)",
        "来源:洛阳巾帼网",
        "编辑:刘晓",
        "阅读数:865",
        "2021-03-02 09:15",
        d.page_paragraphs(),
        "评论(3)",
        "分享到: 微信 微博 QQ空间",
        "关于我们 | 联系我们 | 网站声明",
        "主办单位:洛阳巾帼网编辑部 Copyright©2018-2021 ly-jinguo.example.cn All Rights Reserved 豫ICP备00000000号",
    )


def page_d06(d: Doc) -> str:
    return lines(
        "您好,欢迎访问好范文网!",
        "当前位置:首页 > 工作报告 > 讲话稿 > 正文",
        "在全市妇女儿童工作会议上的讲话",
        "本文由会员上传,下载请先登录 | 字数:约5100字 | 格式:DOC",
        d.page_paragraphs(),
        "本文标题:在全市妇女儿童工作会议上的讲话",
        "链接地址:http://www.example-fw.cn/jianghua/2023/5521.html",
        "好范文网版权所有 未经书面授权禁止使用 举报电话:400-000-0000",
    )


def page_d07(d: Doc) -> str:
    title = "在全市实施“两纲”“两规划”推进会上的讲话"
    return f"""<!doctype html>
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>{esc(title)} - 讲话稿 - 公文范文库</title>
<style type="text/css">
.vip-badge:after {{ content: "会员专享"; color: #c00; }}
.copy-tip:before {{ content: "复制内容请先登录"; }}
.article p {{ margin: 0 0 1em; }}
</style>
<script>
var vipTip = "开通会员即可下载全文Word文档";
var copyTip = "复制成功，请注明出处";
document.oncopy = function () {{ alert(copyTip); }};
</script>
</head>
<body>
<div class="head">
  <a href="/" class="logo">公文范文库</a>
  <form action="/search"><input name="q" placeholder="请输入关键词搜索范文"><button>搜索</button></form>
  <a href="/vip/" class="vip-badge">开通VIP</a> <a href="/login">登录</a> <a href="/reg">注册</a>
</div>
<div class="menu">
  <a href="/">首页</a> | <a href="/zongjie/">工作总结</a> | <a href="/jihua/">工作计划</a> | <a href="/jianghua/">讲话稿</a> | <a href="/xinde/">心得体会</a> | <a href="/shuzhi/">述职报告</a> | <a href="/vip/">会员中心</a>
</div>
<div class="crumb">您的位置：<a href="/">首页</a> &gt; <a href="/jianghua/">讲话稿</a> &gt; 会议讲话</div>
<div class="main">
  <h1>{esc(title)}</h1>
  <div class="meta">时间：2024-05-20 | 分类：会议讲话 | 阅读：<em>2,345</em> | <span class="vip-badge"></span></div>
  <p class="intro">以下由网友整理分享的{esc(title)}相关文档,供您学习参考,喜欢就分享吧!</p>
  <div class="article">
{html_paragraphs(d.page_paragraphs(), indent="    ")}
  </div>
  <div class="download"><a href="/down/88213">下载Word文档</a> | <a href="javascript:;" class="copy-tip">复制全文</a></div>
  <div class="related">
    <h3>相关推荐</h3>
    <ul>
      <li><a href="/jianghua/88190.htm">在全市妇女儿童发展规划中期评估工作会议上的讲话</a></li>
      <li><a href="/jianghua/88201.htm">在全市学前教育普及普惠攻坚推进会上的讲话</a></li>
    </ul>
  </div>
</div>
<div class="footer">
  Copyright©2016-2024 公文范文库 fanwenku.example.net 版权所有 | 增值电信业务经营许可证：豫B2-20160000 |
  违法和不良信息举报电话：0379-60000000 | 本站内容未经书面授权禁止使用
</div>
</body>
</html>
"""


def page_d08(d: Doc) -> str:
    return lines(
        "武侯妇儿之窗",
        "首页 | 政务公开 | 工作动态 | 领导讲话 | 规划监测 | 办事服务",
        "当前位置：首页 > 领导讲话",
        "在2022年全区妇女儿童工作会议上的讲话",
        "发布日期：2022-02-17　　信息来源：区妇儿工委办公室",
        "【字号：加大 还原 减小】　　【打印】　【关闭窗口】",
        d.page_paragraphs(),
        "分享到：",
        "【打印本页】　【关闭窗口】",
        "网站地图 | 联系我们 | 隐私声明",
        "主办：武侯妇儿之窗编辑部　技术支持：示例网络科技有限公司",
        "ICP备案号：蜀ICP备12345678号-1　　网站标识码：DEMO510107",
    )


def page_d09(d: Doc) -> str:
    return lines(
        "守护童心 友好同行",
        "",
        "西南儿童友好发展研究会主办",
        "",
        "首页 > 城市频道 > 四川 > 成都市 > 武侯区 > 详情",
        "武侯区召开2023年妇女儿童工作会议",
        "  • 来源:锦官城市报",
        "  • 编辑:总编室",
        "  • 阅读数:",
        "  • 2023-01-12 10:30",
        "",
        "\n\n".join(d.page_paragraphs()),
        "",
        "关于我们 服务条款 版权声明 联系方式",
        "违法和不良信息举报电话:028-60000000 服务邮箱: jubao@tongxin-city.example.org",
        "增值电信业务经营许可证:川B2-20200000",
        "本网由西南儿童友好发展研究会主办,童心城市网版权所有,未经书面授权,不得转载使用",
        "Copyright©2020-2023 by tongxin-city.example.org. All Rights Reserved",
    )


def page_d10(d: Doc) -> str:
    title = "在武侯区第十次妇女代表大会上的讲话"
    return lines(
        "武侯巾帼网 > 要闻 > 正文",
        title,
        "区委书记 刘某某",
        "发布时间：2024年07月02日　　来源：区妇联",
        "",
        title,
        d.page_paragraphs(),
        "",
        "评论0",
        "我要评论　|　查看全部评论",
        "相关阅读：武侯区第十次妇女代表大会胜利闭幕",
    )


def page_d11(d: Doc) -> str:
    return lines(
        "赣南妇儿网",
        "【字号：加大 还原 减小】　【打印】　【关闭窗口】　分享到：",
        "当前位置：首页 > 工作动态 > 领导讲话",
        "在全市实施“两纲”“两规划”推进会上的讲话",
        "（副市长 周某某）",
        "发布时间：2021年12月09日　来源：市妇儿工委办　浏览次数：",
        ["　　" + p for p in d.page_paragraphs()],
        "【打印本页】　【关闭窗口】",
        "网站地图 | 联系我们 | 使用帮助",
        "主办：赣南妇儿网编辑部",
        "ICP备案号：京ICP备12345678号　赣公网安备36070000000000号",
    )


def page_d12(d: Doc) -> str:
    title = "在全市妇女儿童工作会议上的讲话"
    return lines(
        "您好,欢迎访问文秘之家网! 请登录 免费注册",
        "当前位置:首页 > 讲话发言 > 领导讲话",
        f"以下由网友整理分享的{title}相关文档,供您学习参考,喜欢就分享吧!",
        title + "".join(d.page_paragraphs()),
        "热门推荐:全市妇联工作会议讲话 | 三八妇女节座谈会讲话 | 儿童节慰问讲话",
        "文秘之家网版权所有 Copyright©2012-2022 wenmi-home.example.cn 未经书面授权禁止使用",
    )


def page_d13(d: Doc) -> str:
    title = "在赣州市妇女第七次代表大会上的讲话"
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=gb2312" />
<title>{esc(title)}--赣南妇女网</title>
<style type="text/css">
.con_title {{ font-size: 22px; text-align: center; }}
.print:before {{ content: "【打印】"; }}
.con p {{ text-indent: 2em; }}
</style>
<script language="javascript">
var _siteTitle = "赣南妇女网";
if (navigator.userAgent.indexOf("MSIE 6") > -1) {{ alert("您的浏览器版本过低，请升级后访问"); }}
function doZoom(size) {{ document.getElementById("con").style.fontSize = size + "px"; }}
</script>
</head>
<body>
<div id="top"><a href="/">赣南妇女网</a>　<a href="/wza/">无障碍</a>　<a href="/en/">English</a></div>
<div id="menu">
  <a href="/">首页</a><a href="/fldt/">妇联动态</a><a href="/qxdt/">县区动态</a><a href="/wqfw/">维权服务</a><a href="/jtjs/">家庭建设</a><a href="/ztzl/">专题专栏</a>
</div>
<div class="weizhi">您现在的位置：<a href="/">首页</a> &gt;&gt; <a href="/fldt/">妇联动态</a> &gt;&gt; 正文</div>
<div class="con_title">{esc(title)}</div>
<div class="con_info">发布日期：2023-09-15　作者：市委副书记 吴某某　来源：市妇联办公室　【字号：<a href="javascript:doZoom(16)">大</a> <a href="javascript:doZoom(14)">中</a> <a href="javascript:doZoom(12)">小</a>】</div>
<div class="article con" id="con">
{html_paragraphs(d.page_paragraphs(), indent="")}
</div>
<div class="con_tool"><a href="javascript:window.print()" class="print"></a>　【<a href="javascript:window.close()">关闭窗口</a>】</div>
<div id="footer">
<p>主办：赣南妇女网编辑部　　承办：示例信息中心　　责任编辑：刘珺</p>
<p>版权所有：赣南妇女网　　赣ICP备00000000号　　举报电话：0797-0000000</p>
</div>
</body>
</html>
"""


def page_d14(d: Doc) -> str:
    title = "在2023年全区妇女儿童工作会议上的讲话"
    paras = d.page_paragraphs()
    is_head = lambda p: p.startswith(("一要", "二要", "三要"))  # noqa: E731
    body = html_paragraphs(paras[:2], indent="      ")
    body += '\n      <p class="pic"><img src="/uploads/2023/02/lp0221.jpg" alt=""></p>'
    body += '\n      <p class="pic-note">会议现场（林晓 摄）</p>\n'
    body += html_paragraphs(paras[2:], indent="      ", strong_if=is_head)
    return f"""<!DOCTYPE html>
<html lang="zh-cmn-Hans">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}－临平妇儿服务网</title>
<style>
.pic-note {{ text-align: center; color: #666; }}
.share-box:before {{ content: "分享到："; }}
</style>
<script>
window.siteConfig = {{ name: "临平妇儿服务网", slogan: "让妇女儿童生活更美好" }};
function changeSize(s) {{ document.querySelector(".article").style.fontSize = s; }}
</script>
</head>
<body>
  <header>
    <div class="logo">临平妇儿服务网</div>
    <nav><a href="/">首页</a> <a href="/news/">新闻中心</a> <a href="/policy/">政策文件</a> <a href="/speech/">领导讲话</a> <a href="/service/">办事服务</a></nav>
  </header>
  <div class="breadcrumb">当前位置：<a href="/">首页</a> &gt; <a href="/speech/">领导讲话</a> &gt; 正文</div>
  <main>
    <h1>{esc(title)}</h1>
    <p class="sub">（区长 孙某某）</p>
    <div class="attr">2023-02-21 16:05　来源：区妇儿工委办　【字号：<a href="javascript:changeSize('18px')">加大</a> <a href="javascript:changeSize('16px')">还原</a> <a href="javascript:changeSize('14px')">减小</a>】</div>
    <div class="article">
{body}
    </div>
    <div class="share-box">微信 微博</div>
    <div class="tool">【打印】【关闭窗口】</div>
  </main>
  <footer>
    <p>网站地图 | 联系我们 | 网站声明</p>
    <p>主办：临平妇儿服务网编辑部　浙ICP备00098765号　Copyright©2021-2023 版权所有</p>
  </footer>
</body>
</html>
"""


# --------------------------------------------------------------------------- formats (issue 12)
# Documents as researchers keep them: a Word file whose 一、/（一） points are Word's automatic
# list numbering (with a header and a page-number footer), a PDF with a text layer (running header,
# page numbers, lines broken by the layout), and a CSV with one speech per row. The files are
# generated here, byte for byte reproducibly.

F01_HEADER = "湖州市妇女儿童工作委员会办公室"
F02_HEADER = "宜昌市人民政府办公室"
F02_TITLE = "在2023年全市妇女儿童工作会议上的讲话"


def page_f01(d: Doc) -> str:
    """What a reader of the .docx sees: header, body (numbering rendered), footer."""
    return lines(F01_HEADER, d.page_paragraphs(), "第1页")


_OUTLINE_MARK = re.compile(r"^(?:([一二三四五六七八九十]+)、|（([一二三四五六七八九十]+)）)")


def docx_f01(d: Doc) -> bytes:
    import io
    import zipfile

    import docx
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    document = docx.Document()
    add_chinese_list_numbering(document)
    for text in d.page_paragraphs():
        m = _OUTLINE_MARK.match(text)
        p = document.add_paragraph(text[m.end():] if m else text)
        if m:  # the number is Word's, not typed: the reader must render it
            number_paragraph(p, 0 if m.group(1) else 1)
    section = document.sections[0]
    section.header.paragraphs[0].text = F01_HEADER
    footer = section.footer.paragraphs[0]
    footer.add_run("第")
    for xml in ('<w:r {ns}><w:fldChar w:fldCharType="begin"/></w:r>',
                '<w:r {ns}><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>',
                '<w:r {ns}><w:fldChar w:fldCharType="separate"/></w:r>', '<w:r {ns}><w:t>1</w:t></w:r>',
                '<w:r {ns}><w:fldChar w:fldCharType="end"/></w:r>'):
        footer._p.append(parse_xml(xml.format(ns=nsdecls("w"))))
    footer.add_run("页")
    import datetime as dt

    props = document.core_properties
    props.title, props.author = d.truth["title"], "Administrator"
    props.created = props.modified = dt.datetime(2024, 2, 26, 9, 0, 0)
    props.last_modified_by, props.revision = "Administrator", 1
    buf = io.BytesIO()
    document.save(buf)
    # fixed member timestamps: the same bytes on every run
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2024, 2, 26, 9, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, src.read(info))
    return out.getvalue()


def page_f02(d: Doc) -> str:
    return lines(F02_HEADER, F02_TITLE, "（2023年2月20日）", d.page_paragraphs())


def pdf_f02(d: Doc) -> bytes:
    """Three A4 pages: running header, ``- n -`` page numbers, paragraphs with a two-character first-line
    indent, lines filled to the right margin (a text layer in the Adobe CID font STSong-Light)."""
    import io

    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    font, size = "STSong-Light", 12
    pdfmetrics.registerFont(UnicodeCIDFont(font))
    left, width, height = 72.0, 451.0, 842.0
    buf = io.BytesIO()
    c = canvas.Canvas(buf, invariant=1)
    page = [1]

    def decorate() -> None:
        c.setFont(font, 9)
        c.drawCentredString(297, height - 40, F02_HEADER)
        c.drawCentredString(297, 30, f"- {page[0]} -")

    decorate()
    c.setFont(font, 16)
    c.drawCentredString(297, height - 90, F02_TITLE)
    c.setFont(font, 12)
    c.drawCentredString(297, height - 115, "（2023年2月20日）")
    y = height - 150
    for text in d.page_paragraphs():
        line, offset = "", 2 * size
        rows = []
        for ch in text:
            if pdfmetrics.stringWidth(line + ch, font, size) > width - offset:
                rows.append((line, offset))
                line, offset = "", 0.0
            line += ch
        rows.append((line, offset))
        for row, off in rows:
            if y < 70:
                c.showPage()
                page[0] += 1
                decorate()
                y = height - 80
            c.setFont(font, size)
            c.drawString(left + off, y, row)
            y -= size * 1.8
    c.showPage()
    c.save()
    return buf.getvalue()


# a table of speeches: one row per speech; the speech text as a scraper stores it (source line on top)
TABLE_ROWS = {
    "f03_liuzhou_2022.txt": {"city": "柳州", "year": "2022", "类型": "妇儿工委全体会议",
                             "source": "来源：柳州市人民政府门户网站　发布时间：2022-03-08"},
    "f04_zunyi_2023.txt": {"city": "遵义", "year": "2023", "类型": "妇女儿童工作会议",
                           "source": "来源：遵义市人民政府网　发布时间：2023-03-15"},
}


def page_table_row(d: Doc) -> str:
    return lines(TABLE_ROWS[d.source]["source"], d.page_paragraphs())


def table_csv(docs: list[Doc]) -> bytes:
    import csv
    import io

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")  # as Excel writes it
    writer.writerow(["city", "year", "类型", "title", "full_text"])
    for d in docs:
        row = TABLE_ROWS[d.source]
        writer.writerow([row["city"], row["year"], row["类型"], d.truth["title"], d.page().rstrip("\n")])
    return buf.getvalue().encode("utf-8-sig")  # Excel's "CSV UTF-8"


# --------------------------------------------------------------------------- truth


def T(indicator, value, unit, comparator, deadline_year, kind, horizon=""):
    return {
        "indicator": indicator,
        "value": value,
        "unit": unit,
        "comparator": comparator,
        "deadline_year": deadline_year,
        "kind": kind,
        "horizon": horizon,
    }


A, TG = "achievement", "target"

DOCS: list[Doc] = [
    Doc(
        "d01_shaoxing_2021.txt", "绍兴/绍兴市2021年妇女儿童工作会议讲话.txt", "gb18030", "txt", page_d01,
        truth=dict(
            province="浙江省", city="绍兴市", district="", level="市", year=2021, date="2021-02-26",
            kind="妇女儿童工作会议", title="在全市妇女儿童工作会议上的讲话", meeting="全市妇女儿童工作会议",
            speaker="李某某", speaker_title="市委副书记", site="越州文稿网", url="",
            truncated=False, declared_chars=0, omitted_chars=0,
            announced_phrase="下面，我讲三点意见", announced_points=3, found_points=3, missing_numbers=[],
            numbering="一、 with （一） sub-points; 一是/二是 inside a sub-point; headings on own lines",
            must_remove=["欢迎访问越州文稿网", "当前位置：首页", "——市委副书记 李某某", "来源：越州文稿网", "阅读数：2316",
                         "打印本页 | 收藏本文", "上一篇：", "下一篇：", "免责声明", "版权所有", "增值电信业务经营许可证"],
            must_keep=["总结2020年全市妇女儿童工作", "全市共培训城乡妇女1.2万人次", "新建儿童之家45个",
                       "全市孕产妇死亡率控制在8/10万以下", "织密未成年人保护网", "以优异成绩庆祝中国共产党成立100周年"],
            targets=[
                T("培训城乡妇女", 1.2, "万人次", "=", 0, A),
                T("新建儿童之家", 45, "个", "=", 0, A),
                T("农村妇女两癌免费检查惠及适龄妇女", 4.3, "万人", "=", 0, A),
                T("孕产妇死亡率", 8, "/10万", "<=", 2025, TG),
                T("婴儿死亡率", 3, "‰", "<=", 2025, TG),
            ],
            not_values=["《绍兴市妇女发展规划（2021—2025年）》", "今年6月1日", "《中华人民共和国未成年人保护法》", "100周年"],
        ),
    ),
    Doc(
        "d02_shaoxing_2022.txt", "portal/sxfe_20220318_lgly.html", "utf-8", "html", page_d02,
        truth=dict(
            province="浙江省", city="绍兴市", district="", level="市", year=2022, date="2022-03-18",
            kind="两纲两规划推进会", title="在全市实施“两纲”“两规划”推进会上的讲话",
            meeting="全市实施“两纲”“两规划”推进会", speaker="王某", speaker_title="副市长",
            site="绍兴妇儿之窗", url="",
            truncated=False, declared_chars=0, omitted_chars=0,
            announced_phrase="我强调几点意见", announced_points=0, found_points=4, missing_numbers=[],
            numbering="第一，第二，… inline at paragraph start; 一是/二是/三是 inside points; 第一时间 inside 第三",
            must_remove=["字号切换", "长者模式已开启", "无障碍浏览", "setFont", "网站首页", "机构概况", "当前位置",
                         "浏览次数", "打印本页", "关闭窗口", "网站地图", "浙ICP备00012345号-2", "网站标识码",
                         "建议使用1366×768以上分辨率浏览本站", "访问统计加载中"],
            must_keep=["今天召开全市实施“两纲”“两规划”推进会", "对标对表抓指标落实", "妇女“两癌”筛查覆盖率达到90%以上",
                       "力争全市建成示范性家长学校一百所", "做到第一时间发现", "压实责任抓机制完善"],
            targets=[
                T("每千人口拥有3岁以下婴幼儿托位数", 4.5, "个", "=", 2025, TG),
                T("妇女两癌筛查覆盖率", 90, "%", ">=", 2025, TG),
                T("示范性家长学校", 100, "所", "=", 2022, TG, "今年"),
            ],
            not_values=["《绍兴市妇女发展规划（2021—2025年）》", "《中华人民共和国反家庭暴力法》", "第一时间"],
        ),
    ),
    Doc(
        "d03_shaoxing_2023.txt", "绍兴/市妇女第十四次代表大会讲话.md", "utf-8", "md", page_d03, ascii_punct=True,
        truth=dict(
            province="浙江省", city="绍兴市", district="", level="市", year=2023, date="2023-06-15",
            kind="妇女代表大会", title="在全市妇女第十四次代表大会上的讲话", meeting="全市妇女第十四次代表大会",
            speaker="", speaker_title="", site="", url="",
            truncated=True, declared_chars=7860, omitted_chars=0,
            announced_phrase="我再讲四点意见", announced_points=4, found_points=2, missing_numbers=[3, 4],
            numbering="一、 with (一) sub-points, all inline inside one markdown table cell; cut by the paywall inside 二、(二)",
            must_remove=["| 标题:", "发布时间:2023-06-15", "栏目:讲话致辞", "未完,全文共7860字", "当前只显示2260字",
                         "请阅读下面提示信息", "上一篇:", "下一篇:", "相关栏目:"],
            must_keep=["全市妇女第十四次代表大会今天隆重开幕了", "全市妇联系统累计培训妇女8.6万人次",
                       "全市建成婚姻家庭纠纷调解组织1200余个", "深刻领悟“两个确立”的决定性意义",
                       "全市培育巾帼共富工坊500家", "推动建立学校、家庭、社会协同育人机制"],
            targets=[
                T("培训妇女", 8.6, "万人次", "=", 0, A),
                T("帮助妇女实现就业创业", 2.3, "万名", "=", 0, A),
                T("省级以上巾帼示范基地", 62, "个", "=", 0, A),
                T("新建行业妇联", "null", "个", "=", 0, A),
                T("网络妇女组织", "null", "个", "=", 0, A),
                T("婚姻家庭纠纷调解组织", 1200, "个", ">", 0, A),
                T("巾帼共富工坊", 500, "家", "=", 0, TG, "未来五年"),
                T("巾帼共富带头人", 1000, "名", "=", 0, TG, "未来五年"),
            ],
            not_values=["全市妇女第十四次代表大会", "《中华人民共和国家庭教育促进法》", "两个确立"],
        ),
    ),
    Doc(
        "d04_shaoxing_2024.txt", "绍兴/wenku_2024_0222.txt", "utf-8", "txt", page_d04, ascii_punct=True,
        truth=dict(
            province="浙江省", city="绍兴市", district="", level="市", year=2024, date="",
            kind="妇女儿童工作会议", title="在2024年全市妇女儿童工作会议上的讲话", meeting="2024年全市妇女儿童工作会议",
            speaker="", speaker_title="", site="笔耕文库",
            url="https://www.bigeng-wenku.example.com/doc/20240222-0417.html",
            truncated=False, declared_chars=0, omitted_chars=0,
            announced_phrase="我讲三点意见", announced_points=3, found_points=3, missing_numbers=[],
            numbering="一要/二要/三要 top level, 一是/二是/三是 inside 一要; whole body in one line with page markers 1/6 3/6 5/6",
            must_remove=["欢迎访问笔耕文库", "当前位置:首页", "结构清晰,可供各地参考", "以下由网友整理分享的",
                         "喜欢就分享吧", "1/6", "如需商用请联系原作者取得授权", "本文标题:", "链接地址:"],
            must_keep=["今天召开2024年全市妇女儿童工作会议", "全市两癌筛查覆盖率达到96.5%",
                       "一要在促进妇女全面发展上持续用力", "今年全市要新建婴幼儿照护服务驿站30个以上",
                       "妇儿工委要进一步完善联席会议制度、督查督办制度和成员单位年度述职制度",
                       "推动全市妇女儿童事业高质量发展"],
            targets=[
                T("两癌筛查覆盖率", 96.5, "%", "=", 0, A),
                T("新增普惠性托位", 2100, "个", "=", 0, A),
                T("每千人口拥有3岁以下婴幼儿托位数", 4.3, "个", "=", 0, A),
                T("新建婴幼儿照护服务驿站", 30, "个", ">=", 2024, TG, "今年"),
            ],
            not_values=["两个确立", "第一时间", "2024年工作要点"],
        ),
    ),
    Doc(
        "d05_luoyang_2021.txt", "洛阳/ly2021_fuer.txt", "utf-8-sig", "txt", page_d05,
        truth=dict(
            province="河南省", city="洛阳市", district="", level="市", year=2021, date="2021-03-02",
            kind="妇女儿童工作会议", title="在2021年全市妇女儿童工作会议上的讲话", meeting="2021年全市妇女儿童工作会议",
            speaker="王某", speaker_title="市长", site="洛阳巾帼网", url="",
            truncated=False, declared_chars=0, omitted_chars=0,
            announced_phrase="我再讲四个方面的意见", announced_points=4, found_points=4, missing_numbers=[],
            numbering="首先/其次/再次/最后 headings on own lines; 一是/二是/三是 inside 其次; 四个意识/两个维护 are not points",
            must_remove=["凝聚巾帼力量 共建出彩洛阳", "洛阳巾帼网 主办", "首页 > 妇联动态", "(市长 王某)", "来源:洛阳巾帼网",
                         "编辑:刘晓", "阅读数:865", "2021-03-02 09:15", "评论(3)", "分享到:", "网站声明",
                         "Copyright©2018-2021", "豫ICP备00000000号"],
            must_keep=["今天召开2021年全市妇女儿童工作会议", "去年全市新增城镇女性就业3.6万人",
                       "农村妇女“两癌”筛查覆盖率达到92.3%", "力争今年全市培训城乡妇女2万人次以上",
                       "全市城乡社区儿童之家覆盖率达到95%以上", "以优异成绩庆祝建党100周年"],
            targets=[
                T("新增城镇女性就业", 3.6, "万人", "=", 0, A),
                T("农村妇女两癌筛查覆盖率", 92.3, "%", "=", 0, A),
                T("学前三年毛入园率", 91, "%", "=", 0, A),
                T("培训城乡妇女", 2, "万人次", ">=", 2021, TG, "今年"),
                T("城乡社区儿童之家覆盖率", 95, "%", ">=", 2025, TG),
            ],
            not_values=["《洛阳市妇女发展规划（2021—2025年）》", "四个意识", "两个维护", "100周年"],
        ),
    ),
    Doc(
        "d06_luoyang_2023.txt", "洛阳/luoyang_2023_讲话.txt", "utf-8", "txt", page_d06, ascii_punct=True,
        truth=dict(
            province="河南省", city="洛阳市", district="", level="市", year=2023, date="",
            kind="妇女儿童工作会议", title="在全市妇女儿童工作会议上的讲话", meeting="全市妇女儿童工作会议",
            speaker="", speaker_title="", site="好范文网", url="http://www.example-fw.cn/jianghua/2023/5521.html",
            truncated=True, declared_chars=0, omitted_chars=1234,
            announced_phrase="我讲四点意见", announced_points=4, found_points=3, missing_numbers=[3],
            numbering="第一/第二/第四 at paragraph start; the paywall gap removed the end of 第二 and all of 第三",
            must_remove=["欢迎访问好范文网", "当前位置:首页", "本文由会员上传", "字数:约5100字", "省略1234字",
                         "正式会员可完整阅读", "本文标题:", "链接地址:", "好范文网版权所有", "未经书面授权禁止使用",
                         "举报电话:400-000-0000"],
            must_keep=["总结2022年全市妇女儿童工作", "全市新建儿童之家52个", "“两癌”筛查人数突破十二万人",
                       "要加强新就业形态女性劳动者权益保障", "推动平台企业完善", "强化责任落实",
                       "每年至少专题研究一次妇女儿童工作"],
            targets=[
                T("新建儿童之家", 52, "个", "=", 0, A),
                T("家庭教育指导服务活动", 1800, "场", ">", 0, A),
                T("两癌筛查人数", 12, "万人", ">", 0, A),
                T("帮助困难妇女实现就业", "null", "名", "=", 2023, TG, "全年"),
            ],
            not_values=["两个确立", "四个意识", "每年至少专题研究一次"],
        ),
    ),
    Doc(
        "d07_luoyang_2024.txt", "portal/fanwen_ly_2024_lgly.htm", "utf-8", "html", page_d07,
        truth=dict(
            province="河南省", city="洛阳市", district="", level="市", year=2024, date="2024-05-20",
            kind="两纲两规划推进会", title="在全市实施“两纲”“两规划”推进会上的讲话",
            meeting="全市实施“两纲”“两规划”推进会", speaker="", speaker_title="", site="公文范文库", url="",
            truncated=False, declared_chars=0, omitted_chars=0,
            announced_phrase="我讲三点意见", announced_points=3, found_points=3, missing_numbers=[],
            numbering="一、 with （一） sub-points, each in its own <p>; 一是/二是/三是 inside 二、（一）",
            must_remove=["会员专享", "复制内容请先登录", "开通会员即可下载全文Word文档", "复制成功，请注明出处",
                         "请输入关键词搜索范文", "工作总结", "心得体会", "您的位置", "阅读：", "以下由网友整理分享的",
                         "下载Word文档", "相关推荐", "增值电信业务经营许可证", "举报电话", "未经书面授权禁止使用"],
            must_keep=["通报“两规划”中期评估情况", "已有118项提前达标或达到序时进度",
                       "普惠性幼儿园覆盖率要达到85%以上", "公办园在园幼儿占比原则上达到50%以上",
                       "今年全市新增公办学位6000个以上", "确保“两规划”圆满收官"],
            targets=[
                T("提前达标或达到序时进度的主要目标", 118, "项", "=", 0, A),
                T("普惠性幼儿园覆盖率", 85, "%", ">=", 2025, TG),
                T("公办园在园幼儿占比", 50, "%", ">=", 2025, TG),
                T("新增公办学位", 6000, "个", ">=", 2024, TG, "今年"),
                T("新增普惠托位", 3000, "个", "=", 2024, TG, "今年"),
            ],
            not_values=["共设置主要目标152项", "《洛阳市妇女发展规划（2021—2025年）》", "第四年",
                        "《中华人民共和国妇女权益保障法》", "第一时间"],
        ),
    ),
    Doc(
        "d08_wuhou_2022.txt", "武侯区/wuhou_2022.txt", "utf-16", "txt", page_d08,
        truth=dict(
            province="四川省", city="成都市", district="武侯区", level="区", year=2022, date="2022-02-17",
            kind="妇女儿童工作会议", title="在2022年全区妇女儿童工作会议上的讲话", meeting="2022年全区妇女儿童工作会议",
            speaker="", speaker_title="", site="武侯妇儿之窗", url="",
            truncated=False, declared_chars=0, omitted_chars=0,
            announced_phrase="我讲四点意见", announced_points=4, found_points=4, missing_numbers=[],
            numbering="一是/二是/三是/四是 as top-level headings on own lines; 一方面/另一方面 and 第一时间 inside",
            must_remove=["武侯妇儿之窗", "首页 | 政务公开", "当前位置：首页", "发布日期：2022-02-17", "信息来源：",
                         "【字号：加大 还原 减小】", "【打印】", "【关闭窗口】", "分享到：", "网站地图",
                         "技术支持：", "蜀ICP备12345678号-1", "网站标识码"],
            must_keep=["今天召开2022年全区妇女儿童工作会议", "全区新增普惠性托位1060个",
                       "力争到2025年累计为三万名妇女提供技能培训", "全区普惠性幼儿园在园幼儿占比要达到百分之八十五以上",
                       "做到第一时间发现", "以优异成绩迎接党的二十大胜利召开"],
            targets=[
                T("新增普惠性托位", 1060, "个", "=", 0, A),
                T("社区儿童之家示范点", 20, "个", "=", 0, A),
                T("培训城乡妇女", 8600, "人次", "=", 0, A),
                T("为妇女提供技能培训", 3, "万名", "=", 2025, TG),
                T("普惠性幼儿园在园幼儿占比", 85, "%", ">=", 2025, TG),
            ],
            not_values=["两个确立", "《武侯区妇女发展规划（2021—2025年）》", "第一时间", "十九届六中全会"],
        ),
    ),
    Doc(
        "d09_wuhou_2023.txt", "武侯区/news_20230112.txt", "utf-8", "txt", page_d09,
        truth=dict(
            province="四川省", city="成都市", district="武侯区", level="区", year=2023, date="2023-01-12",
            kind="妇女儿童工作会议（新闻报道）", title="武侯区召开2023年妇女儿童工作会议",
            meeting="2023年妇女儿童工作会议", speaker="陈某", speaker_title="区委副书记、区长",
            site="童心城市网", url="",
            truncated=False, declared_chars=0, omitted_chars=0,
            announced_phrase="以下三点内容", announced_points=3, found_points=3, missing_numbers=[],
            numbering="three unnumbered headline sentences on their own lines after 以下三点内容; news subhead is not a point",
            must_remove=["守护童心 友好同行", "西南儿童友好发展研究会主办", "首页 > 城市频道", "来源:锦官城市报",
                         "编辑:总编室", "阅读数:", "2023-01-12 10:30", "张明 摄", "王丽 摄", "某社区儿童之家开展暑期托管服务",
                         "服务条款", "举报电话", "增值电信业务经营许可证", "童心城市网版权所有", "未经书面授权",
                         "Copyright©2020-2023"],
            must_keep=["武侯区召开2023年妇女儿童工作会议", "全区两癌筛查覆盖率达到97.2%", "推动妇女更好发挥“半边天”作用",
                       "让儿童友好理念融入城区每个角落", "织密妇女儿童权益保障网", "力争全年新增女性就业岗位5000个以上"],
            targets=[
                T("两癌筛查覆盖率", 97.2, "%", "=", 0, A),
                T("新建儿童之家", 31, "个", "=", 0, A),
                T("社区家长学校", 42, "所", "=", 0, A),
                T("为妇女提供就业创业服务", 1.5, "万名", "=", 0, A),
                T("新增女性就业岗位", 5000, "个", ">=", 2023, TG, "全年"),
                T("新增普惠托位", 800, "个", "=", 2023, TG, "今年"),
            ],
            not_values=["1月11日", "2023年1月1日", "《中华人民共和国妇女权益保障法》"],
        ),
    ),
    Doc(
        "d10_wuhou_2024.txt", "武侯区/第十次妇代会讲话.txt", "gbk", "txt", page_d10, newline="\r\n",
        truth=dict(
            province="四川省", city="成都市", district="武侯区", level="区", year=2024, date="2024-07-02",
            kind="妇女代表大会", title="在武侯区第十次妇女代表大会上的讲话", meeting="武侯区第十次妇女代表大会",
            speaker="刘某某", speaker_title="区委书记", site="武侯巾帼网", url="",
            truncated=False, declared_chars=0, omitted_chars=0,
            announced_phrase="提几点希望", announced_points=0, found_points=3, missing_numbers=[],
            numbering="第一，第二，第三， headings on own lines; 一是/二是/三是 inside 第二; title repeated before body; CRLF",
            must_remove=["武侯巾帼网 > 要闻", "区委书记 刘某某", "发布时间：2024年07月02日", "来源：区妇联", "评论0",
                         "我要评论", "查看全部评论", "相关阅读："],
            must_keep=["武侯区第十次妇女代表大会今天隆重开幕了", "全区累计培训妇女4.6万人次", "做新时代的奋斗者",
                       "力争未来五年培育巾帼科技创新团队50个", "做家庭文明的传承者",
                       "为加快建设现代化国际化中心城区贡献巾帼力量"],
            targets=[
                T("培训妇女", 4.6, "万人次", "=", 0, A),
                T("巾帼创业示范点", 38, "个", "=", 0, A),
                T("妇女微家", 260, "个", ">", 0, A),
                T("最美家庭", 1200, "户", "=", 0, A),
                T("巾帼科技创新团队", 50, "个", "=", 0, TG, "未来五年"),
            ],
            not_values=["75周年", "两个确立", "第十次", "第九次"],
        ),
    ),
    Doc(
        "d11_ganzhou_2021.txt", "ganzhou_2021_lgly.txt", "utf-8", "txt", page_d11, newline="\r\n",
        truth=dict(
            province="江西省", city="赣州市", district="", level="市", year=2021, date="2021-12-09",
            kind="两纲两规划推进会", title="在全市实施“两纲”“两规划”推进会上的讲话",
            meeting="全市实施“两纲”“两规划”推进会", speaker="周某某", speaker_title="副市长", site="赣南妇儿网", url="",
            truncated=False, declared_chars=0, omitted_chars=0,
            announced_phrase="我讲三点意见", announced_points=3, found_points=3, missing_numbers=[],
            numbering="一、 with （一） sub-points on own lines, paragraphs indented with ideographic spaces; CRLF",
            must_remove=["赣南妇儿网", "【字号：加大 还原 减小】", "【打印】", "【关闭窗口】", "分享到：", "当前位置：首页",
                         "（副市长 周某某）", "发布时间：2021年12月09日", "浏览次数：", "【打印本页】", "网站地图",
                         "使用帮助", "京ICP备12345678号", "赣公网安备"],
            must_keep=["今天召开全市实施“两纲”“两规划”推进会", "全市开展农村妇女“两癌”免费检查15.6万人",
                       "全市适龄妇女宫颈癌和乳腺癌筛查覆盖率要达到80%以上", "全市新建、改建村级儿童之家300个",
                       "2023年开展中期评估", "为建设革命老区高质量发展示范区作出新的贡献"],
            targets=[
                T("农村妇女两癌免费检查", 15.6, "万人", "=", 0, A),
                T("适龄妇女宫颈癌和乳腺癌筛查覆盖率", 80, "%", ">=", 2025, TG),
                T("每年培训农村妇女", 2, "万人次", ">=", 2025, TG),
                T("新建改建村级儿童之家", 300, "个", "=", 2025, TG, "十四五"),
            ],
            not_values=["《中国妇女发展纲要（2021—2030年）》", "今年9月", "2022年1月1日", "八个领域",
                        "2023年开展中期评估", "2025年开展终期评估", "5岁以下儿童死亡率"],
        ),
    ),
    Doc(
        "d12_ganzhou_2022.txt", "赣州市妇女儿童工作会议讲话(2022).txt", "utf-8", "txt", page_d12, ascii_punct=True,
        truth=dict(
            province="江西省", city="赣州市", district="", level="市", year=2022, date="",
            kind="妇女儿童工作会议", title="在全市妇女儿童工作会议上的讲话", meeting="全市妇女儿童工作会议",
            speaker="", speaker_title="", site="文秘之家网", url="",
            truncated=False, declared_chars=0, omitted_chars=0,
            announced_phrase="我讲三点意见", announced_points=3, found_points=3, missing_numbers=[],
            numbering="首先/其次/最后 inline in one long line; 一是…四是 inside 其次; redactions _ ** *",
            must_remove=["欢迎访问文秘之家网", "请登录 免费注册", "当前位置:首页", "以下由网友整理分享的", "喜欢就分享吧",
                         "热门推荐:", "文秘之家网版权所有", "Copyright©2012-2022", "未经书面授权禁止使用"],
            must_keep=["总结2021年全市妇女儿童工作", "全年开展农村妇女两癌免费检查16.2万人",
                       "要提高政治站位", "今年全市孕产妇系统管理率要稳定在百分之九十以上",
                       "儿童健康管理率达到92%以上", "要强化组织保障"],
            targets=[
                T("农村妇女两癌免费检查", 16.2, "万人", "=", 0, A),
                T("培训妇女", 2.4, "万人次", "=", 0, A),
                T("新建村级儿童之家", 62, "个", "=", 0, A),
                T("孕产妇系统管理率", 90, "%", ">=", 2022, TG, "今年"),
                T("儿童健康管理率", 92, "%", ">=", 2022, TG, "今年"),
            ],
            not_values=["两个确立", "每半年通报一次", "每年至少听取一次专题汇报"],
        ),
    ),
    Doc(
        "d13_ganzhou_2023.txt", "portal/gz_fdh_20230915.shtml", "gbk", "html", page_d13,
        truth=dict(
            province="江西省", city="赣州市", district="", level="市", year=2023, date="2023-09-15",
            kind="妇女代表大会", title="在赣州市妇女第七次代表大会上的讲话", meeting="赣州市妇女第七次代表大会",
            speaker="吴某某", speaker_title="市委副书记", site="赣南妇女网", url="",
            truncated=False, declared_chars=0, omitted_chars=0,
            announced_phrase="提三点希望", announced_points=3, found_points=3, missing_numbers=[],
            numbering="一、二、三、 headings in their own <p>; 一是/二是/三是 inside 二、; page declares gb2312 but is GBK (珺 in the footer is outside GB2312)",
            must_remove=["【打印】", "您的浏览器版本过低", "_siteTitle", "无障碍", "English", "妇联动态", "县区动态",
                         "您现在的位置", "发布日期：2023-09-15", "作者：市委副书记 吴某某", "关闭窗口", "承办：",
                         "版权所有：赣南妇女网", "赣ICP备00000000号", "举报电话", "责任编辑：刘珺"],
            must_keep=["赣州市妇女第七次代表大会今天隆重开幕了", "全市建成“赣南巾帼家政”服务站点230个",
                       "听党话跟党走", "力争未来五年培育巾帼共富示范基地100个", "强组织优服务", "预祝大会圆满成功"],
            targets=[
                T("赣南巾帼家政服务站点", 230, "个", "=", 0, A),
                T("帮助妇女实现就业创业", 12.6, "万名", "=", 0, A),
                T("巾帼共富示范基地", 100, "个", "=", 0, TG, "未来五年"),
            ],
            not_values=["第七次", "第六次", "两个确立", "四个意识"],
        ),
    ),
    Doc(
        "d14_linping_2023.txt", "portal/linping/2023_fuer.htm", "utf-8", "html", page_d14,
        truth=dict(
            province="浙江省", city="杭州市", district="临平区", level="区", year=2023, date="2023-02-21",
            kind="妇女儿童工作会议", title="在2023年全区妇女儿童工作会议上的讲话", meeting="2023年全区妇女儿童工作会议",
            speaker="孙某某", speaker_title="区长", site="临平妇儿服务网", url="",
            truncated=False, declared_chars=0, omitted_chars=0,
            announced_phrase="我讲三点意见", announced_points=3, found_points=3, missing_numbers=[],
            numbering="一要/二要/三要 headings in <p><strong>; 一是/二是/三是 inside 一要; 第一时间 inside 二要; photo caption in body",
            must_remove=["让妇女儿童生活更美好", "分享到：", "新闻中心", "政策文件", "当前位置", "（区长 孙某某）",
                         "2023-02-21 16:05", "来源：区妇儿工委办", "加大 还原 减小", "会议现场（林晓 摄）", "【打印】",
                         "【关闭窗口】", "网站地图", "浙ICP备00098765号", "Copyright©2021-2023"],
            must_keep=["今天召开2023年全区妇女儿童工作会议", "“两癌”筛查覆盖率达到95.8%", "一要聚焦共同富裕",
                       "全区儿童友好社区覆盖率达到60%以上", "今年全区新增普惠托位600个", "三要聚焦系统集成"],
            targets=[
                T("新建（改建）儿童友好空间", 40, "处", "=", 0, A),
                T("两癌筛查覆盖率", 95.8, "%", "=", 0, A),
                T("培训妇女", 1.1, "万人次", "=", 0, A),
                T("儿童友好社区覆盖率", 60, "%", ">=", 2025, TG),
                T("新增普惠托位", 600, "个", "=", 2023, TG, "今年"),
            ],
            not_values=["第一时间", "“十四五”规划目标"],
        ),
    ),
    # --- the follow-through pair (speechkit followup): 绍兴 2026 reviews the 2025 targets of 2021/2022 ---
    Doc(
        "d15_shaoxing_2026.txt", "绍兴/绍兴市2026年妇女儿童工作会议讲话.txt", "utf-8", "txt", page_d15,
        truth=dict(
            province="浙江省", city="绍兴市", district="", level="市", year=2026, date="2026-02-12",
            kind="妇女儿童工作会议", title="在2026年全市妇女儿童工作会议上的讲话", meeting="2026年全市妇女儿童工作会议",
            speaker="", speaker_title="", site="", url="",
            truncated=False, declared_chars=0, omitted_chars=0,
            announced_phrase="我讲三点意见", announced_points=3, found_points=3, missing_numbers=[],
            numbering="一、二、三、 headings on their own lines",
            must_remove=["来源：市妇儿工委办公室", "浏览次数：318", "【打印本页】", "【关闭窗口】", "联系电话：0575-85000000"],
            must_keep=["今天召开2026年全市妇女儿童工作会议", "全市孕产妇死亡率为6.2/10万", "婴儿死亡率为2.1‰",
                       "妇女两癌筛查覆盖率达到93.5%", "每千人口拥有3岁以下婴幼儿托位数达到4.2个",
                       "一、坚持目标导向", "三、坚持责任导向"],
            targets=[
                T("孕产妇死亡率", 6.2, "/10万", "=", 0, A),
                T("婴儿死亡率", 2.1, "‰", "=", 0, A),
                T("两癌筛查覆盖率", 93.5, "%", "=", 0, A),
                T("每千人口拥有3岁以下婴幼儿托位数", 4.2, "个", "=", 0, A),
                T("新建婴幼儿照护服务驿站", 140, "个", "=", 0, A),
                T("每千人口拥有3岁以下婴幼儿托位数", 4.8, "个", "=", 2027, TG),
                T("普惠性幼儿园覆盖率", 90, "%", ">=", 0, TG),
            ],
            not_values=["“十四五”时期", "二〇二一年"],
        ),
    ),
    # --- formats (issue 12): a Word file, a PDF and a table of speeches ---------------------------
    Doc(
        "f01_huzhou_2024.txt", "湖州/湖州市2024年妇女儿童工作会议讲话.docx", "utf-8", "docx", page_f01,
        binary=docx_f01,
        truth=dict(
            province="浙江省", city="湖州市", district="", level="市", year=2024, date="2024-02-26",
            kind="妇女儿童工作会议", title="在2024年全市妇女儿童工作会议上的讲话", meeting="2024年全市妇女儿童工作会议",
            speaker="", speaker_title="", site="", url="",
            truncated=False, declared_chars=0, omitted_chars=0,
            announced_phrase="下面，我讲三点意见", announced_points=3, found_points=3, missing_numbers=[],
            numbering="一、 and （一） are Word's automatic list numbering (chineseCounting), not typed",
            must_remove=[F01_HEADER, "第1页"],
            must_keep=["我们召开2024年全市妇女儿童工作会议", "一、肯定成绩", "妇女发展基础更加坚实",
                       "织密未成年人保护网络", "三、强化保障", "普惠性托位占比不低于60%",
                       "为奋力打造生态文明典范城市作出新的更大贡献"],
            targets=[
                T("城镇新增女性就业", 2.3, "万人", "=", 0, A),
                T("农村妇女参加技能培训", 1.6, "万人次", "=", 0, A),
                T("巾帼共富工坊", 120, "家", "=", 0, A),
                T("儿童友好空间", 86, "处", "=", 0, A),
                T("普惠性幼儿园覆盖率", 93.5, "%", "=", 0, A),
                T("每千人口拥有3岁以下婴幼儿托位数", 4.5, "个", ">=", 2025, TG),
                T("普惠性托位占比", 60, "%", ">=", 2025, TG),
                T("两癌筛查覆盖率", 85, "%", ">=", 2024, TG, "今年"),
                T("孕产妇系统管理率", 95, "%", ">=", 2024, TG, "今年"),
                T("儿童友好社区", 30, "个", "=", 2024, TG, "年内"),
            ],
            not_values=["两个规划"],
        ),
    ),
    Doc(
        "f02_yichang_2023.txt", "宜昌/2023年全市妇女儿童工作会议讲话.pdf", "utf-8", "pdf", page_f02,
        binary=pdf_f02,
        truth=dict(
            province="湖北省", city="宜昌市", district="", level="市", year=2023, date="2023-02-20",
            kind="妇女儿童工作会议", title=F02_TITLE, meeting="2023年全市妇女儿童工作会议",
            speaker="", speaker_title="", site="", url="",
            truncated=False, declared_chars=0, omitted_chars=0,
            announced_phrase="下面，我讲三点意见", announced_points=3, found_points=3, missing_numbers=[],
            numbering="一、 headings; 一要/二要/三要 inside 三、; lines broken by the PDF layout",
            must_remove=[F02_HEADER, "- 2 -"],
            must_keep=["这次全市妇女儿童工作会议的主要任务是", "总结2022年全市妇女儿童工作", "一、提高政治站位", "中小学心理健康教育覆盖率达到100%",
                       "孕产妇死亡率控制在10/10万以下", "三、加强组织领导", "奋力谱写宜昌妇女儿童事业发展新篇章"],
            targets=[
                T("城镇新增女性就业", 1.8, "万人", "=", 0, A),
                T("新建母婴室", 150, "个", "=", 0, A),
                T("中小学心理健康教育覆盖率", 100, "%", "=", 0, A),
                T("城镇新增女性就业", 2, "万人", ">=", 2023, TG, "今年"),
                T("妇女职业技能培训", 1, "万人次", "=", 2023, TG, "今年"),
                T("两癌筛查覆盖率", 80, "%", ">=", 2023, TG, "今年"),
                T("每千人口拥有3岁以下婴幼儿托位数", 4.5, "个", "=", 2025, TG),
            ],
            not_values=["二十大"],
        ),
    ),
    Doc(
        "f03_liuzhou_2022.txt", "表格/讲话汇总.csv#1", "utf-8-sig", "csv", page_table_row,
        truth=dict(
            province="广西壮族自治区", city="柳州市", district="", level="市", year=2022, date="2022-03-08",
            kind="妇女儿童工作会议", title="在2022年全市妇女儿童工作会议上的讲话", meeting="2022年全市妇女儿童工作会议",
            speaker="", speaker_title="", site="", url="",
            truncated=False, declared_chars=0, omitted_chars=0,
            announced_phrase="下面，我讲三点意见", announced_points=3, found_points=3, missing_numbers=[],
            numbering="一、 headings; one row of a CSV table of speeches (city/year columns)",
            must_remove=["来源：柳州市人民政府门户网站"],
            must_keep=["今天召开2022年全市妇女儿童工作会议", "建成妇女微家260个", "二、聚焦关键领域",
                       "普惠性幼儿园覆盖率达到85%以上", "以优异成绩迎接党的二十大胜利召开"],
            targets=[
                T("城镇新增女性就业", 1.5, "万人", "=", 0, A),
                T("妇女微家", 260, "个", "=", 0, A),
                T("两癌免费检查", 6.2, "万人", "=", 0, A),
                T("普惠性幼儿园学位", 8000, "个", "=", 0, A),
                T("城镇新增女性就业", 1.6, "万人", ">=", 2022, TG, "今年"),
                T("巾帼示范基地", 20, "个", "=", 2022, TG, "今年"),
                T("学前三年毛入园率", 92, "%", ">=", 2025, TG),
                T("普惠性幼儿园覆盖率", 85, "%", ">=", 2025, TG),
            ],
            not_values=["二十大"],
        ),
    ),
    Doc(
        "f04_zunyi_2023.txt", "表格/讲话汇总.csv#2", "utf-8-sig", "csv", page_table_row,
        truth=dict(
            province="贵州省", city="遵义市", district="", level="市", year=2023, date="2023-03-15",
            kind="妇女儿童工作会议", title="在2023年全市妇女儿童工作会议上的讲话", meeting="2023年全市妇女儿童工作会议",
            speaker="", speaker_title="", site="", url="",
            truncated=False, declared_chars=0, omitted_chars=0,
            announced_phrase="下面，我讲三点意见", announced_points=3, found_points=3, missing_numbers=[],
            numbering="一、 headings; one row of a CSV table of speeches (city/year columns)",
            must_remove=["来源：遵义市人民政府网"],
            must_keep=["市政府召开2023年全市妇女儿童工作会议", "新建和改扩建普惠性幼儿园48所", "二、坚持问题导向",
                       "儿童青少年近视率每年下降0.5个百分点", "为建设现代化遵义作出新的贡献"],
            targets=[
                T("妇女技能培训", 3.2, "万人次", "=", 0, A),
                T("农村妇女实现就近就业", 1.1, "万名", "=", 0, A),
                T("普惠性幼儿园", 48, "所", "=", 0, A),
                T("农村妇女实现就业", 1.2, "万名", "=", 2023, TG, "今年"),
                T("巾帼致富带头人", 500, "名", "=", 2023, TG, "今年"),
                T("两癌筛查覆盖率", 80, "%", ">=", 2023, TG, "今年"),
                T("每千人口拥有3岁以下婴幼儿托位数", 3.5, "个", "=", 2025, TG),
            ],
            not_values=["两个规划"],
        ),
    ),
    # --- end formats ------------------------------------------------------------------------------
]



# --- html (issue 11): two portal kinds the corpus lacked -------------------------------------
# d17: a menu-heavy county government page whose 发布时间 follows the body (no date meta, no date
#      above the article); d16: a news page whose <h1> is the channel logo, with a related-links
#      block and teaser summaries beside the article.


def page_d17(d: Doc) -> str:
    title = "在2024年全县妇女儿童工作会议上的讲话"
    top = " | ".join(f'<a href="/c{i}/">{esc(x)}</a>' for i, x in enumerate(
        ["首页", "走进德清", "政务公开", "政务服务", "互动交流", "数据开放", "专题专栏", "妇儿之家"]))
    side = "\n".join(f'      <li><a href="/ldjh/{i}/">{esc(x)}</a></li>' for i, x in enumerate(
        ["领导讲话", "工作动态", "通知公告", "规划监测", "妇女发展", "儿童发展", "家庭建设", "维权服务",
         "政策文件", "统计数据", "办事指南", "在线咨询"]))
    files = "\n".join(f'      <li><a href="/zcwj/{i}.html">{esc(x)}</a><span>{day}</span></li>' for i, (x, day) in enumerate(
        [("德清县妇女发展规划（2021—2025年）", "2022-01-20"), ("德清县儿童发展规划（2021—2025年）", "2022-01-20"),
         ("关于推进儿童友好县建设的实施意见", "2023-08-02"), ("2023年全县妇女儿童工作要点", "2023-03-15")]))
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="SiteName" content="德清妇儿之家">
<meta name="ColumnName" content="领导讲话">
<title>{esc(title)}-德清妇儿之家</title>
<script>var _hmt = _hmt || []; var columnId = "ldjh";</script>
</head>
<body>
<div class="top-bar"><span>欢迎访问德清妇儿之家！</span> <a href="/wza/">无障碍</a> <a href="/old/">长者版</a> <a href="/en/">English</a> <a href="/login/">登录</a></div>
<div class="header"><div class="logo">德清妇儿之家</div><div class="search"><input type="text" placeholder="请输入关键词"><a href="/search/">搜索</a></div></div>
<div class="main-menu">{top}</div>
<div class="wrap">
  <div class="side">
    <h3>领导讲话</h3>
    <ul>
{side}
    </ul>
    <div class="hot"><h3>热点专题</h3><a href="/zt/1/">儿童友好县建设</a> <a href="/zt/2/">巾帼建新功</a> <a href="/zt/3/">最美家庭</a></div>
  </div>
  <div class="detail">
    <div class="location">您当前的位置：<a href="/">首页</a> &gt; <a href="/fezj/">妇儿之家</a> &gt; <a href="/ldjh/">领导讲话</a></div>
    <h1 class="detail-title">{esc(title)}</h1>
    <div class="detail-sub">（副县长 沈某某）</div>
    <div class="detail-info">信息来源：县妇儿工委办　浏览次数：<span id="hits">516</span>　【<a href="javascript:print()">打印</a>】</div>
    <div class="detail-content" id="zoom">
{html_paragraphs(d.page_paragraphs(), indent="      ")}
    </div>
    <div class="detail-time">发布时间：2024-03-12 15:20</div>
    <div class="detail-share">分享到：<a>微信</a> <a>微博</a> <a>QQ空间</a></div>
    <div class="related-files">
    <h4>相关文件</h4>
    <ul>
{files}
    </ul>
    </div>
  </div>
</div>
<div class="footer">
  <p><a href="/about/">关于本站</a> | <a href="/map/">网站地图</a> | <a href="/contact/">联系我们</a> | <a href="/survey/">有奖调查</a> | <a href="/error/">纠错</a></p>
  <p>主办单位：德清县妇女儿童工作委员会办公室　承办：德清县妇女联合会</p>
  <p>地址：德清县武康街道示例路8号　电话：0572-0000000　浙ICP备00000015号　网站标识码：DEMO000015</p>
</div>
</body>
</html>
"""


def page_d18(d: Doc) -> str:
    title = "嘉兴市召开2024年妇女儿童工作会议"
    related = "\n".join(f'      <li><a href="/news/{i}.html">{esc(x)}</a> <span class="time">{day}</span></li>' for i, (x, day) in enumerate(
        [("我市召开2023年全市家庭教育工作推进会", "2023-12-18"), ("南湖区首批儿童友好单元授牌", "2024-01-09"),
         ("海宁：巾帼共富工坊让妇女家门口就业", "2024-01-22"), ("全市妇联系统部署新春走访慰问活动", "2024-02-02"),
         ("平湖探索“婚姻家庭辅导进社区”新做法", "2024-02-19")]))
    teasers = "\n".join(
        f'    <div class="teaser"><p><strong>{esc(h)}</strong> {esc(t)}<a href="/zt/{i}.html">【详细】</a></p></div>'
        for i, (h, t) in enumerate([
            ("聚焦两会", "市十届人大四次会议胜利闭幕，会议审议通过了政府工作报告等各项决议，描绘了今后一个时期的发展蓝图。"),
            ("民生实事", "今年我市将继续实施十方面民生实事项目，涵盖托育服务、养老服务、老旧小区改造等群众关心的领域。"),
        ]))
    return f"""<!DOCTYPE html>
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<meta name="publishdate" content="2024-02-27 08:30:00">
<meta property="og:site_name" content="禾城新闻网">
<title>{esc(title)}_时政_禾城新闻网</title>
<style>.teaser strong {{ color: #c00; }}</style>
</head>
<body>
<div class="site-header">
  <h1 class="logo"><a href="/">禾城新闻</a></h1>
  <ul class="channels"><li><a href="/sz/">时政</a></li><li><a href="/sh/">社会</a></li><li><a href="/jj/">经济</a></li><li><a href="/wt/">文体</a></li><li><a href="/sp/">视频</a></li><li><a href="/zt/">专题</a></li><li><a href="/bl/">报料</a></li></ul>
</div>
<div class="page">
  <div class="left">
    <div class="crumbs"><a href="/">禾城新闻网</a> &gt; <a href="/sz/">时政</a> &gt; 正文</div>
    <div class="article-head"><h2>{esc(title)}</h2>
    <p class="meta">2024-02-27 08:30　来源：禾城日报　记者 周某　通讯员 嘉妇宣</p></div>
    <div class="article-body">
{html_paragraphs(d.page_paragraphs(), indent="      ", strong_if=lambda p: len(p) <= 12)}
    </div>
    <p class="editor">责任编辑：沈晓</p>
    <div class="share">分享到：<a>微信</a> <a>微博</a> <a>复制链接</a></div>
    <div class="comments"><span>评论（12）</span><a href="/login/">登录后发表评论</a></div>
    <div class="related"><h3>相关新闻</h3>
    <ul>
{related}
    </ul></div>
  </div>
  <div class="right">
    <h3>热点推荐</h3>
{teasers}
  </div>
</div>
<div class="site-footer"><p><a href="/about/">关于我们</a> | <a href="/ad/">广告服务</a> | <a href="/join/">招聘信息</a> | <a href="/contact/">联系我们</a></p>
<p>禾城新闻网版权所有　未经授权禁止转载　浙ICP备00000016号　互联网新闻信息服务许可证：33120000016</p></div>
</body>
</html>
"""


DOCS += [
    Doc(
        "d17_deqing_2024.txt", "portal/deqing/ldjh_20240312.html", "utf-8", "html", page_d17,
        truth=dict(
            province="浙江省", city="湖州市", district="德清县", level="县", year=2024, date="2024-03-12",
            kind="妇女儿童工作会议", title="在2024年全县妇女儿童工作会议上的讲话", meeting="2024年全县妇女儿童工作会议",
            speaker="沈某某", speaker_title="副县长", site="德清妇儿之家", url="",
            truncated=False, declared_chars=0, omitted_chars=0,
            announced_phrase="我讲三点意见", announced_points=3, found_points=3, missing_numbers=[],
            numbering="一、二、三、 headings in their own <p>; 一要/二要/三要 inside 二、; 发布时间 after the body, menus on three sides",
            must_remove=["欢迎访问德清妇儿之家", "长者版", "走进德清", "政务公开", "数据开放", "规划监测", "家庭建设", "办事指南",
                         "热点专题", "儿童友好县建设", "您当前的位置", "（副县长 沈某某）", "浏览次数", "发布时间：2024-03-12",
                         "分享到：", "相关文件", "关于推进儿童友好县建设的实施意见", "关于本站", "有奖调查", "纠错",
                         "主办单位：德清县妇女儿童工作委员会办公室", "浙ICP备00000015号", "网站标识码"],
            must_keep=["今天召开2024年全县妇女儿童工作会议", "全县新建儿童之家28个", "“两癌”筛查覆盖率达到96.5%",
                       "今年全县新增普惠托位500个", "每半年召开一次成员单位联席会议", "奋力开创全县妇女儿童事业高质量发展新局面"],
            targets=[
                T("新建儿童之家", 28, "个", "=", 0, A),
                T("两癌筛查覆盖率", 96.5, "%", "=", 0, A),
                T("培训城乡妇女", 0.9, "万人次", "=", 0, A),
                T("新增普惠托位", 500, "个", "=", 2024, TG, "今年"),
                T("每千人口拥有3岁以下婴幼儿托位数", 4.6, "个", "=", 2025, TG),
            ],
            not_values=["2.1个百分点", "每半年召开一次", "三百余起"],
        ),
    ),
    Doc(
        "d18_jiaxing_2024.txt", "portal/hcnews_20240227.html", "utf-8", "html", page_d18,
        truth=dict(
            province="浙江省", city="嘉兴市", district="", level="市", year=2024, date="2024-02-27",
            kind="妇女儿童工作会议（新闻报道）", title="嘉兴市召开2024年妇女儿童工作会议",
            meeting="2024年妇女儿童工作会议", speaker="朱某某", speaker_title="副市长",
            site="禾城新闻网", url="",
            truncated=False, declared_chars=0, omitted_chars=0,
            announced_phrase="", announced_points=0, found_points=0, missing_numbers=[],
            numbering="a news report: short subheads in <strong>, no numbered points; <h1> is the channel logo",
            must_remove=["禾城新闻", "视频", "报料", "禾城新闻网 > 时政", "2024-02-27 08:30", "记者 周某", "责任编辑：沈晓",
                         "复制链接", "评论（12）", "登录后发表评论", "相关新闻", "南湖区首批儿童友好单元授牌",
                         "平湖探索“婚姻家庭辅导进社区”新做法", "热点推荐", "市十届人大四次会议胜利闭幕", "十方面民生实事项目",
                         "【详细】", "广告服务", "招聘信息", "浙ICP备00000016号", "互联网新闻信息服务许可证"],
            must_keep=["嘉兴市召开2024年妇女儿童工作会议", "全市建成儿童友好单元260个", "新增普惠托位1800个",
                       "托育服务更加可及", "妇女就业更有底气", "全年培训城乡妇女2万人次以上"],
            targets=[
                T("建成儿童友好单元", 260, "个", "=", 0, A),
                T("新增普惠托位", 1800, "个", "=", 0, A),
                T("两癌筛查覆盖率", 97.5, "%", "=", 0, A),
                T("每千人口拥有3岁以下婴幼儿托位数", 5, "个", "=", 2025, TG),
                T("培训城乡妇女", 2, "万人次", ">=", 2024, TG, "全年"),
                T("建成巾帼共富工坊", 120, "家", "=", 0, A),
            ],
            not_values=["2月26日", "两千元左右", "一千余件"],
        ),
    ),
]
# --- end html ---


# --------------------------------------------------------------------------- TOML


def _toml_str(s: str) -> str:
    out = []
    for ch in s:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ord(ch) < 0x20 or ch == "\x7f":
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return _toml_str(v)
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(x)}" for k, x in v.items()) + " }"
    if isinstance(v, list):
        if not v:
            return "[]"
        if all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v):
            return "[" + ", ".join(_toml_value(x) for x in v) + "]"
        return "[\n" + "".join(f"  {_toml_value(x)},\n" for x in v) + "]"
    raise TypeError(type(v))


TRUTH_HEADER = """\
# Ground truth for the demo corpus in data/raw/ (see docs/demo_corpus.md).
# GENERATED by scripts/make_demo_corpus.py -- edit the script, then rerun it.
# One table per raw file, keyed by its path relative to data/raw (POSIX).
#
# Conventions
# - province/city/district: full official names, "" when none; level: 省/市/县/区.
# - year: the year the speech was given; date: page date (ISO) or "" when the page has none.
# - announced_points: N from the announcement phrase (下面，我讲三点意见 -> 3); 0 for 几点.
# - found_points: top-level points actually present in the text (after paywall cuts).
# - missing_numbers: numbers in 1..max(announced_points, highest number found) that are absent.
# - must_remove: snippets of boilerplate that must not appear in the cleaned text.
# - must_keep: clauses of the speech that must appear in the cleaned text; clauses that sat
#   around a page marker or a paywall cut are written without the marker (联席会议制度).
#   Compare after NFKC normalisation of both sides (the pages mix ASCII and full-width
#   punctuation); must_keep clauses avoid ，：；（）！？ on purpose.
# - not_values: strings that look numeric but are NOT targets/achievements (plan periods,
#   laws, dates, ordinal phrases).
# - targets: every quantitative target/achievement planted in the body.
#   value: the number as written, Chinese numerals converted (三万名 -> 3, unit 万名;
#   百分之八十五 -> 85, unit %); the magnitude word stays in the unit (1.2万人次 -> 1.2, 万人次);
#   "null" (a string) when the number is redacted (帮助*名妇女, 新建行业妇联个).
#   comparator: ">=" for 以上/不低于/不少于, ">" for 余/多/突破, "<=" for 以下/以内/控制在…以下,
#   otherwise "=" (达到X without 以上 is "=").
#   deadline_year: explicit year (到2025年), 十四五 -> 2025, 今年/全年 -> the speech year,
#   0 for achievements and for open horizons such as 未来五年 (then horizon says so).
#   kind: "target" (future) or "achievement" (already done).
# - body_chars: non-whitespace characters of the speech body without any boilerplate.
"""


def truth_toml() -> str:
    parts = [TRUTH_HEADER]
    for d in DOCS:
        t = dict(d.truth)
        t["must_remove"] = list(dict.fromkeys(t["must_remove"] + d.in_body_pollution()))
        row = {
            "encoding": d.encoding,
            "format": d.fmt,
            "body_chars": d.body_chars(),
            **t,
        }
        parts.append(f"\n[{_toml_str(d.path)}]\n")
        for k, v in row.items():
            parts.append(f"{k} = {_toml_value(v)}\n")
    return "".join(parts)


# --------------------------------------------------------------------------- build + check


def write_all() -> None:
    if RAW.exists():
        for child in RAW.iterdir():
            if child.name == ".gitkeep":
                continue
            shutil.rmtree(child) if child.is_dir() else child.unlink()
    tables: dict[str, list[Doc]] = {}
    for d in DOCS:
        out = RAW / d.file
        out.parent.mkdir(parents=True, exist_ok=True)
        if d.binary is not None:
            out.write_bytes(d.binary(d))
        elif d.fmt == "csv":
            tables.setdefault(d.file, []).append(d)
        else:
            out.write_bytes(d.page().encode(d.encoding))
    for name, docs in tables.items():
        (RAW / name).write_bytes(table_csv(docs))
    TRUTH.write_text(truth_toml(), encoding="utf-8")


def _extracted(d: Doc) -> tuple[str, str]:
    """``(text, how)`` of a written file, read back with a library that is not speechkit."""
    p = RAW / d.file
    if d.fmt == "docx":
        import docx

        document = docx.Document(str(p))
        header = [x.text for x in document.sections[0].header.paragraphs]
        footer = ["".join(t.text or "" for t in x._p.iter("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}t"))
                  for x in document.sections[0].footer.paragraphs]
        return "\n".join(header + [x.text for x in document.paragraphs] + footer), "python-docx"
    if d.fmt == "pdf":
        import pypdf

        return "\n".join(page.extract_text() for page in pypdf.PdfReader(str(p)).pages), "pypdf"
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(p.read_bytes().decode("utf-8-sig"))))
    return rows[int(d.path.split("#")[1]) - 1]["full_text"], "csv"


def _nfkc(s: str) -> str:
    return unicodedata.normalize("NFKC", s)


def check_all() -> list[str]:
    import tomllib

    import charset_normalizer

    problems: list[str] = []
    truth = tomllib.loads(TRUTH.read_text(encoding="utf-8"))
    rows = []
    for d in DOCS:
        p = RAW / d.file
        expected = d.page()
        if d.binary is not None or d.fmt == "csv":  # formats: read back with python-docx / pypdf / csv
            decoded, how = _extracted(d)
            # the library sees the body without Word's list numbers, and a PDF's lines broken anywhere,
            # with its running header and page numbers between them
            running = {F02_HEADER} if d.fmt == "pdf" else set()
            kept = [ln for ln in decoded.split("\n") if ln.strip() not in running and not re.fullmatch(r"\s*- \d+ -\s*", ln)]
            flat_read = re.sub(r"\s", "", "".join(kept))
            for para in d.page_paragraphs():
                if re.sub(r"\s", "", _OUTLINE_MARK.sub("", para) if d.fmt == "docx" else para) not in flat_read:
                    problems.append(f"{d.path}: paragraph not read back with {how}: {para[:30]}")
            expected = decoded  # what the file shows: must_remove must be on it
            best = type("Read", (), {"encoding": how})()
        else:
            best = charset_normalizer.from_path(p).best()
            if best is None:
                problems.append(f"{d.path}: charset_normalizer found no encoding")
                continue
            decoded = str(best).lstrip("\ufeff")
            if decoded != expected:
                problems.append(f"{d.path}: decoded text differs from source (detected {best.encoding})")
        body = d.clean_body()
        flat_body = _nfkc(re.sub(r"\s", "", body))
        page = _nfkc(expected)
        if d.fmt == "html":
            from selectolax.lexbor import LexborHTMLParser as HTMLParser

            page += "\n" + _nfkc(HTMLParser(expected).body.text(separator=""))
        t = truth[d.path]
        if d.body_chars() < MIN_BODY_CHARS:
            problems.append(f"{d.path}: body only {d.body_chars()} chars")
        for s in t["must_keep"]:
            if _nfkc(s) not in flat_body:
                problems.append(f"{d.path}: must_keep not in body: {s}")
            if re.search(r"[，：；（）！？,:;()!?]", s):
                problems.append(f"{d.path}: must_keep has width-variant punctuation: {s}")
        for s in t["must_remove"]:
            if _nfkc(s) not in page:
                problems.append(f"{d.path}: must_remove not on page: {s}")
            if re.sub(r"\s", "", _nfkc(s)) in flat_body:
                problems.append(f"{d.path}: must_remove occurs in body: {s}")
        for s in t["not_values"]:
            if re.sub(r"\s", "", _nfkc(s)) not in flat_body:
                problems.append(f"{d.path}: not_value not in body: {s}")
        if str(t["year"]) not in page:
            problems.append(f"{d.path}: year {t['year']} is not written on the page")
        rows.append((d.path, best.encoding, d.encoding, d.fmt, t["city"] + t["district"], t["year"], d.body_chars(), p.stat().st_size))
    total = sum(r[-1] for r in rows)
    print(f"{'path':44} {'detected':10} {'written':10} {'fmt':4} {'place':14} year body bytes")
    for r in rows:
        print(f"{r[0]:44} {r[1]:10} {r[2]:10} {r[3]:4} {r[4]:14} {r[5]} {r[6]:4} {r[7]}")
    print(f"total bytes: {total}")
    if total >= 400_000:
        problems.append(f"corpus too large: {total} bytes")
    return problems


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="verify the written files")
    args = ap.parse_args(argv)
    write_all()
    if args.check:
        problems = check_all()
        for p in problems:
            print("PROBLEM:", p, file=sys.stderr)
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
