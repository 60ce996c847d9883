from __future__ import annotations

import io
import zipfile

import pytest
from django.test import override_settings
from django.utils import translation

from stages.documents.parsing import (
    DocumentRefused,
    KnownSection,
    ParsedSection,
    assign_keys,
    parse_docx,
    parse_file,
    parse_markdown,
    slug_key,
)
from tests.stages.docx import TITLE, docx


@pytest.fixture(autouse=True)
def _english() -> object:
    with translation.override("en"):
        yield


def outline(text: str) -> list[tuple[str, int, str, int | None]]:
    return [(s.number, s.level, s.heading, s.parent) for s in parse_markdown(text).sections]


# --- Markdown -----------------------------------------------------------------------------------


def test_headings_make_sections_numbered_by_hierarchy() -> None:
    text = "# Wizja\nLublin 2030.\n\n## Misja\nTekst.\n### Kierunek\nA.\n## Wartości\n# Cele\n"
    assert outline(text) == [
        ("1", 1, "Wizja", None),
        ("1.1", 2, "Misja", 0),
        ("1.1.1", 3, "Kierunek", 1),
        ("1.2", 2, "Wartości", 0),
        ("2", 1, "Cele", None),
    ]
    sections = parse_markdown(text).sections
    assert sections[0].body == "Lublin 2030."
    assert sections[1].body == "Tekst."
    assert sections[4].body == ""


def test_own_numbers_are_kept_and_the_next_heading_continues_from_them() -> None:
    text = "# 3 Cele\n## 3.2 Zieleń\n## Woda\n# II. Obszary\n## Sport\n"
    assert outline(text) == [
        ("3", 1, "Cele", None),
        ("3.2", 2, "Zieleń", 0),
        ("3.3", 2, "Woda", 0),
        ("II", 1, "Obszary", None),
        ("II.1", 2, "Sport", 3),
    ]


def test_a_numbered_heading_with_a_trailing_dot() -> None:
    assert outline("## 1.2. Tytuł\n")[0][:3] == ("1.2", 1, "Tytuł")


def test_a_single_top_heading_is_the_title_and_the_rest_move_up_a_level() -> None:
    document = parse_markdown("# Projekt strategii\nWstęp.\n## Wizja\n### Misja\n## Cele\n")
    assert document.title == "Projekt strategii"
    assert [(s.number, s.level, s.heading) for s in document.sections] == [
        ("0", 1, "Introduction"),
        ("1", 1, "Wizja"),
        ("1.1", 2, "Misja"),
        ("2", 1, "Cele"),
    ]
    assert document.sections[0].body == "Wstęp."
    assert document.sections[2].parent == 1


def test_a_skipped_level_becomes_the_next_level_down() -> None:
    assert outline("# A\n### B\n# C\n") == [
        ("1", 1, "A", None),
        ("1.1", 2, "B", 0),
        ("2", 1, "C", None),
    ]
    assert outline("### Only\n") == [("1", 1, "Only", None)]


def test_deeper_headings_and_code_blocks_stay_in_the_text() -> None:
    text = "# A\n#### Small\n```\n# not a heading\n```\n# B\n"
    sections = parse_markdown(text).sections
    assert [s.heading for s in sections] == ["A", "B"]
    assert "#### Small" in sections[0].body
    assert "# not a heading" in sections[0].body


def test_setext_headings() -> None:
    assert outline("Wizja\n=====\ntekst\n\nMisja\n-----\n\nCele\n===\n") == [
        ("1", 1, "Wizja", None),
        ("1.1", 2, "Misja", 0),
        ("2", 1, "Cele", None),
    ]


def test_a_rule_under_a_list_item_is_no_heading() -> None:
    sections = parse_markdown("# A\n- punkt\n---\n").sections
    assert len(sections) == 1


def test_text_without_headings_is_refused_with_a_clear_message() -> None:
    with pytest.raises(DocumentRefused, match="no headings"):
        parse_markdown("Tylko tekst,\nbez nagłówków.\n#hashtag\n")


def test_an_over_long_heading_is_refused_naming_its_line() -> None:
    with pytest.raises(DocumentRefused, match="line 3"):
        parse_markdown("# A\n\n## " + "x" * 301 + "\n")


def test_windows_line_ends_and_a_byte_order_mark() -> None:
    assert outline("\ufeff# 1 A\r\ntekst\r\n## B\r\n") == [("1", 1, "A", None), ("1.1", 2, "B", 0)]


# --- Files ------------------------------------------------------------------------------------


def test_a_markdown_file_must_be_utf8() -> None:
    with pytest.raises(DocumentRefused, match="not UTF-8"):
        parse_file("# Zażółć".encode("cp1250"), "projekt.md")


def test_an_unknown_suffix_is_refused() -> None:
    with pytest.raises(DocumentRefused, match=r"projekt\.pdf"):
        parse_file(b"%PDF-1.4", "projekt.pdf")


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(DocumentRefused, match="empty"):
        parse_file(b"  \n", "projekt.md")


@override_settings(DOCUMENT_MAX_BYTES=100)
def test_a_file_over_the_size_limit_is_refused() -> None:
    with pytest.raises(DocumentRefused, match="larger than"):
        parse_file(b"# A\n" + b"x" * 100, "projekt.md")
    with pytest.raises(DocumentRefused, match="larger than"):
        parse_file(b"PK" + b"x" * 100, "projekt.docx")


# --- DOCX -------------------------------------------------------------------------------------


def test_docx_heading_styles_become_levels() -> None:
    content = docx(
        [
            ("1. Wizja", 1),
            ("Lublin 3.2 (zielony) - otwarty!", 0),
            ("1. to nie nagłówek", 0),
            ("1.1 Cel", 2),
            ("tekst", 0),
            ("Kierunek działań", 3),
            ("**gwiazdki**", 0),
        ]
    )
    sections = parse_docx(content).sections
    assert [(s.number, s.level, s.heading) for s in sections] == [
        ("1", 1, "Wizja"),
        ("1.1", 2, "Cel"),
        ("1.1.1", 3, "Kierunek działań"),
    ]
    # Needless escapes are gone; those that keep a list or emphasis from forming stay.
    assert sections[0].body == "Lublin 3.2 (zielony) - otwarty!\n\n1\\. to nie nagłówek"
    assert sections[2].body == "\\*\\*gwiazdki\\*\\*"


def test_a_docx_title_is_the_documents_title_and_heading_1_is_always_a_chapter() -> None:
    document = parse_docx(docx([("Projekt strategii", TITLE), ("Wizja", 1), ("Misja", 2)]))
    assert document.title == "Projekt strategii"
    assert [(s.number, s.heading) for s in document.sections] == [("1", "Wizja"), ("1.1", "Misja")]


def test_docx_by_file_name() -> None:
    assert parse_file(docx([("Wizja", 1)]), "Projekt.DOCX").sections[0].heading == "Wizja"


def test_a_docx_without_headings_is_refused() -> None:
    with pytest.raises(DocumentRefused, match="no headings"):
        parse_docx(docx([("Tylko tekst", 0)]))


def test_a_file_that_is_not_a_zip_is_refused() -> None:
    with pytest.raises(DocumentRefused, match="not a Word document"):
        parse_docx(b"# Markdown pretending\n" * 10)


def test_a_zip_without_a_word_document_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(DocumentRefused, match=r"word/document\.xml"):
        parse_docx(buffer.getvalue())


def test_a_zip_bomb_is_refused_from_its_directory() -> None:
    # 50 MB of zeros compress to about 50 kB: a ratio of about 1,000.
    content = docx([("Wizja", 1)], extra={"word/media/bomb.bin": b"\0" * 50_000_000})
    assert len(content) < 200_000
    with pytest.raises(DocumentRefused, match="zip bomb"):
        parse_docx(content)


def test_too_much_unpacked_in_all_is_refused_even_at_a_modest_ratio() -> None:
    # Parts that inflate about 40 times each (under the ratio limit), 12 MB in all: over
    # ten times the size limit set to just above the file's size.
    import random

    chunk = random.Random(1).randbytes(1_000) + b"\0" * 40_000
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", "<w:document/>")
        for part in range(4):
            archive.writestr(f"word/part{part}.xml", chunk * 75)
    content = buffer.getvalue()
    ratios = [
        i.file_size / i.compress_size for i in zipfile.ZipFile(io.BytesIO(content)).infolist()
    ]
    assert max(ratios[1:]) < 100
    with (
        override_settings(DOCUMENT_MAX_BYTES=len(content) + 1),
        pytest.raises(DocumentRefused, match="zip bomb"),
    ):
        parse_docx(content)


def test_a_broken_docx_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<not xml")
    with pytest.raises(DocumentRefused, match="could not be read"):
        parse_docx(buffer.getvalue())


# --- Keys -------------------------------------------------------------------------------------


def known(key: str, number: str, heading: str, body: str = "") -> KnownSection:
    return KnownSection(key=key, number=number, heading=heading, body=body)


def parsed(number: str, heading: str, body: str = "") -> ParsedSection:
    return ParsedSection(number=number, level=1, heading=heading, body=body)


def test_new_keys_are_slugs_of_number_and_heading_unique_in_the_version() -> None:
    keys = assign_keys([parsed("1", "Zielony Lublin"), parsed("1", "Zielony  Lublin")], [])
    assert keys == ["1-zielony-lublin", "1-zielony-lublin-2"]
    assert slug_key("3.2", "Łąki i źródła") == "3-2-laki-i-zrodla"
    assert slug_key("", "") == "section"
    assert len(slug_key("1", "x" * 300)) <= 64


def test_keys_follow_number_and_heading_then_heading_then_similar_text() -> None:
    previous = [
        known("wizja", "1", "Wizja", "Lublin miastem otwartym."),
        known("zielen", "2", "Zieleń", "Parki i skwery."),
        known("woda", "3", "Woda", "Retencja wody deszczowej w każdej dzielnicy miasta."),
        known("sport", "4", "Sport", "Boiska."),
    ]
    new = [
        parsed("1", "Wizja", "Zmieniony tekst."),  # same number and heading
        parsed("3", "Zieleń", "Parki."),  # renumbered, same heading
        parsed("2", "Gospodarka wodna", "Retencja wody deszczowej w każdej dzielnicy."),
        parsed("5", "Kultura", "Teatry."),  # new
    ]
    assert assign_keys(new, previous) == ["wizja", "zielen", "woda", "5-kultura"]


def test_a_removed_sections_key_is_not_given_to_a_new_one() -> None:
    previous = [known("1-kultura", "1", "Stara kultura", "Zupełnie inny tekst o czymś.")]
    keys = assign_keys([parsed("1", "Kultura", "Teatry i muzea.")], previous)
    assert keys == ["1-kultura-2"]


def test_a_given_key_wins_and_is_not_matched_again() -> None:
    previous = [known("a", "1", "Wizja", "Miasto otwarte."), known("b", "2", "Misja")]
    section = parsed("1", "Wizja")
    section.key = "b"
    new = [section, parsed("2", "Kultura", "Teatry i muzea dla wszystkich.")]
    assert assign_keys(new, previous) == ["b", "2-kultura"]


def test_two_previous_sections_with_one_heading_match_by_number_only() -> None:
    previous = [known("a", "1.1", "Cele"), known("b", "2.1", "Cele")]
    assert assign_keys([parsed("2.1", "Cele"), parsed("3.1", "Cele")], previous) == [
        "b",
        "a",  # the one left has the same heading, now unique
    ]


def test_200_renamed_sections_are_matched_by_their_text_quickly() -> None:
    import random
    import time

    rng = random.Random(1)
    vocabulary = [
        *("miasto", "mieszkańcy", "dzielnica", "zieleń", "transport", "uczelnie", "kultura"),
        *("sport", "rozwój", "współpraca", "przestrzeń", "klimat", "woda", "energia"),
        *("szkoła", "usługi"),
    ]

    def text() -> str:
        return " ".join(rng.choices(vocabulary, k=120))

    previous = [known(f"k{i}", str(i), f"Stary {i}", text()) for i in range(200)]
    edited = [parsed(str(i), f"Nowy {i}", p.body[:-20] + " zmiana") for i, p in enumerate(previous)]
    rewritten = [parsed(str(i), f"Nowy {i}", text()) for i in range(200)]
    started = time.perf_counter()
    assert assign_keys(edited, previous) == [f"k{i}" for i in range(200)]
    assert not any(key.startswith("k") for key in assign_keys(rewritten, previous))
    # A character-level difflib ratio took over a minute here.
    assert time.perf_counter() - started < 5
