import pytest

from relations.markup import plain_text, render_markdown


def test_markdown_renders_emphasis_links_lists_and_tables():
    html = render_markdown("*a* **b** [c](https://example.org)\n\n- one\n- two\n\n| x | y |\n|---|---|\n| 1 | 2 |")
    assert "<em>a</em>" in html and "<strong>b</strong>" in html
    assert '<a href="https://example.org" rel="noopener noreferrer">c</a>' in html
    assert "<li>one</li>" in html and "<td>1</td>" in html


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "<iframe src='https://evil.example'></iframe>",
        '<a href="https://ok.example" onclick="alert(1)">x</a>',
    ],
)
def test_raw_html_from_editors_is_shown_as_text_never_run(text):
    html = render_markdown(text)
    assert "<script" not in html and "<img" not in html and "<iframe" not in html and "<a " not in html
    assert html.startswith("<p>&lt;")


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "vbscript:x",
        "file:///etc/passwd",
    ],
)
def test_only_http_https_and_mailto_links_survive(link):
    html = render_markdown(f"[click]({link})")
    assert "href" not in html
    assert "click" in html


def test_mailto_links_are_allowed():
    assert 'href="mailto:editor@example.org"' in render_markdown("[write](mailto:editor@example.org)")


def test_headings_sit_under_the_page_title():
    html = render_markdown("# Top\n\n## Second\n\n###### Deep")
    assert "<h2>Top</h2>" in html and "<h3>Second</h3>" in html and "<h6>Deep</h6>" in html
    assert "<h1" not in html


def test_rendering_is_cached_per_text():
    assert render_markdown("Same *text*") is not None
    from relations.markup import _render

    before = _render.cache_info().hits
    render_markdown("Same *text*")
    assert _render.cache_info().hits == before + 1


def test_empty_text_renders_nothing():
    assert render_markdown("") == "" and render_markdown(None) == ""


def test_plain_text_strips_markup_and_shortens_on_a_word():
    assert plain_text("A *very* [long](https://x.example) sentence here", limit=15) == "A very long…"
    assert plain_text("<b>bold</b> & co") == "<b>bold</b> & co"
