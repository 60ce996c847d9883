"""{% css_string %}: text written into a printed report's style sheet (its running title)."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from django.template import Context, Template

from core.printing import PDF_VARIANT, pdf_document
from core.templatetags.print_css import css_string_literal

AWKWARD = 'Łąka "Zielona" \\ </style><p>Ż'


def test_quotes_backslashes_and_tags_are_escaped_polish_letters_kept() -> None:
    literal = css_string_literal(AWKWARD)

    assert literal.startswith('"') and literal.endswith('"')
    inner = literal[1:-1]
    assert '"' not in inner and "<" not in inner and ">" not in inner
    assert "\\" not in inner.replace("\\22 ", "").replace("\\5c ", "").replace("\\3c ", "").replace(
        "\\3e ", ""
    )
    assert inner.startswith("Łąka \\22 Zielona\\22  \\5c  \\3c /style\\3e ")
    assert css_string_literal("a\nb") == '"a\\a b"'


def test_the_tag_joins_its_pieces_unescaped_by_html() -> None:
    rendered = Template('{% load print_css %}{% css_string name " · " label %}').render(
        Context({"name": "A & B", "label": "wersja 2"})
    )
    # The ampersand is a CSS escape, not the HTML entity autoescaping would have made.
    assert rendered == '"A \\26  B · wersja 2"'


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils)")
def test_weasyprint_prints_the_title_on_every_page_as_written() -> None:
    title = Template("{% load print_css %}{% css_string title %}").render(
        Context({"title": AWKWARD})
    )
    html = (
        '<html lang="pl"><title>Próba</title><style>@page { size: A6; '
        f"@bottom-left {{ content: {title}; font-size: 7pt }} }}</style>"
        + "".join(f"<p>Akapit {n}.</p>" for n in range(60))
    )
    data = bytes(pdf_document(html).write_pdf(pdf_variant=PDF_VARIANT))
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()
    pages = [page for page in text.split("\f") if page.strip()]
    assert len(pages) >= 2
    assert all(AWKWARD in page for page in pages)
