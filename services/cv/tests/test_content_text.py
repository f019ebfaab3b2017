"""CV text rendering: the Markdown subset as sanitised HTML, and as plain text for exports."""

import time
from html.parser import HTMLParser

import pytest

from cv.content.text import _SANITIZER, markdown_html, plain_text

ALLOWED_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "a"}
DANGEROUS_TAGS = {"script", "iframe", "object", "embed", "svg", "math", "img", "style", "base",
                  "form", "input", "link", "meta", "body", "details", "video", "audio"}
REL = ' rel="noopener noreferrer nofollow"'

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example.com/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    '<IMG SRC="jav&#x0A;ascript:alert(\'XSS\');">',
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<iframe src="javascript:alert(1)"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">',
    '<a href="javascript:alert(1)">click</a>',
    '"><script>alert(1)</script>',
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<style>@import 'https://evil.example.com/x.css';</style>",
    "<!--<img src=x onerror=alert(1)>-->",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(document.cookie))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](vbscript:msgbox(1))",
    "[click](java\tscript:alert(1))",
    '[click](https://example.com"onmouseover="alert(1))',
    "[<img src=x onerror=alert(1)>](https://example.com)",
    "**<img src=x onerror=alert(1)>**",
    "- <script>alert(1)</script>\n- [x](javascript:alert(1))",
    "*<svg/onload=alert(1)>*",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<a href=\"https://example.com\" onclick=\"alert(1)\">x</a>",
]


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def parsed_tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    collector = _Collector()
    collector.feed(html)
    collector.close()
    return collector.tags


def assert_no_live_script(html: str) -> None:
    for tag, attrs in parsed_tags(html):
        assert tag not in DANGEROUS_TAGS, html
        assert tag in ALLOWED_TAGS, html
        assert not [name for name in attrs if name.startswith("on")], html
        href = "".join((attrs.get("href") or "").split()).lower()
        assert not href or href.startswith(("https://", "http://", "mailto:")), html


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_xss_payloads_never_become_live_html(payload):
    assert_no_live_script(markdown_html(payload))
    assert_no_live_script(markdown_html(f"Before\n\n{payload}\n\n- item {payload}"))


def test_a_users_html_is_shown_as_text():
    assert markdown_html("<b>bold?</b> & more") == "<p>&lt;b&gt;bold?&lt;/b&gt; &amp; more</p>"


def test_unsafe_link_targets_are_shown_as_text_not_links():
    html = markdown_html("[click](javascript:alert(1))")
    assert parsed_tags(html) == [("p", {})]
    assert "[click](javascript:alert(1))" in html


def test_a_quote_in_a_link_target_stays_inside_the_href():
    html = markdown_html('[x](https://example.com"onmouseover="alert(1))')
    tag, attrs = parsed_tags(html)[1]
    assert (tag, attrs["href"]) == ("a", 'https://example.com"onmouseover="alert(1)')
    assert set(attrs) == {"href", "rel"}


def test_paragraphs_line_breaks_and_emphasis():
    assert markdown_html("Led a **team** of *five*.\nShipped weekly.\n\nSecond paragraph.") == (
        "<p>Led a <strong>team</strong> of <em>five</em>.<br>Shipped weekly.</p>\n"
        "<p>Second paragraph.</p>"
    )


def test_lists():
    assert markdown_html("- one\n- two\n  continued\n\n1. first\n2. second") == (
        "<ul><li>one</li><li>two<br>continued</li></ul>\n<ol><li>first</li><li>second</li></ol>"
    )
    assert markdown_html("3. third\n4. fourth") == (
        '<ol start="3"><li>third</li><li>fourth</li></ol>'
    )


def test_links_get_rel_and_keep_their_target():
    assert markdown_html("See [the blog](https://example.com/a_(b)?x=1&y=2).") == (
        f'<p>See <a href="https://example.com/a_(b)?x=1&amp;y=2"{REL}>the blog</a>.</p>'
    )
    assert markdown_html("[mail me](mailto:ana@example.com)") == (
        f'<p><a href="mailto:ana@example.com"{REL}>mail me</a></p>'
    )


def test_text_that_only_looks_like_markdown_stays_text():
    assert markdown_html("2 * 3 * 4 and snake_case") == "<p>2 * 3 * 4 and snake_case</p>"
    assert markdown_html("2019. A good year") == "<p>2019. A good year</p>"
    assert markdown_html(r"\- not a list, \*not italic\*") == "<p>- not a list, *not italic*</p>"
    assert markdown_html("# not a heading") == "<p># not a heading</p>"


def test_empty_text_renders_nothing():
    assert markdown_html("") == ""
    assert plain_text("\n\n") == ""


def test_plain_text_drops_the_markdown_syntax():
    text = (
        "Led a **team** of *five*, see [the blog](https://example.com/blog).\n"
        "Mail [ana@example.com](mailto:ana@example.com)\n\n"
        "- one\n- two\n  continued\n\n3. third\n4. fourth"
    )
    assert plain_text(text) == (
        "Led a team of five, see the blog (https://example.com/blog).\n"
        "Mail ana@example.com\n\n"
        "• one\n• two\n  continued\n\n3. third\n4. fourth"
    )


def test_plain_text_keeps_a_users_html_as_typed():
    assert plain_text("<b>x</b> & y") == "<b>x</b> & y"


@pytest.mark.parametrize(
    "hostile", ["*a " * 1700, "**a " * 1250, "**a *" * 1000, "[a](" * 1250, "*" * 5000],
)
def test_hostile_emphasis_renders_in_linear_time(hostile):
    started = time.perf_counter()
    markdown_html(hostile)
    plain_text(hostile)
    # ~2 ms today; a backtracking pattern takes hundreds of milliseconds on these.
    assert time.perf_counter() - started < 0.2


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_the_allow_list_alone_leaves_no_live_html(payload):
    # The second line of defence, on the raw payload as if escaping had been forgotten.
    assert_no_live_script(_SANITIZER.clean(payload))
