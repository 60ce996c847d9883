from __future__ import annotations

from stages.markdown import render_markdown


def test_markdown_formats_text() -> None:
    html = render_markdown("**Ważne**: lista\n\n- jeden\n- dwa\n\n[link](https://lublin.eu)")
    assert "<strong>Ważne</strong>" in html
    assert "<li>jeden</li>" in html
    assert 'href="https://lublin.eu"' in html


def test_script_in_markdown_is_shown_as_text() -> None:
    html = render_markdown("Uwaga <script>alert('x')</script> koniec")
    assert "<script" not in html
    assert "&lt;script&gt;alert('x')&lt;/script&gt;" in html


def test_html_block_is_shown_as_text() -> None:
    html = render_markdown('<div onclick="steal()">\nklik\n</div>')
    assert "<div" not in html
    assert "&lt;div" in html


def test_javascript_links_are_removed() -> None:
    html = render_markdown("[kliknij](javascript:alert(1))")
    assert "javascript:" not in html


def test_many_texts_render_as_one_does_and_come_back_from_the_cache() -> None:
    import hashlib

    from django.core.cache import cache

    from stages.markdown import CACHE_PREFIX, render_markdown, render_markdown_many

    texts = ["**Zieleń** w dzielnicach", "<script>alert(1)</script> tekst", ""]
    first = render_markdown_many(texts)
    assert first == [render_markdown(text) for text in texts]
    assert "<script>" not in first[1]
    # Stored by the text's hash: a second page takes it from there without rendering.
    key = CACHE_PREFIX + hashlib.sha256(texts[0].encode()).hexdigest()
    assert cache.get(key) == first[0]
    cache.set(key, "<p>z pamięci podręcznej</p>")
    assert render_markdown_many(texts)[0] == "<p>z pamięci podręcznej</p>"
