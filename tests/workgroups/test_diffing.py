"""The word-level comparison: exact on both sides, marks what changed, escapes, and is fast."""

from __future__ import annotations

import html
import random
import re

from django.utils import translation

from workgroups.diffing import compare_fields, compare_texts, opcodes

HIDDEN = re.compile(r'<span class="visually-hidden">[^<]*</span>')
TAG = re.compile(r"</?(del|ins)>")


def plain(side: str) -> str:
    """The text a side shows, without marks and labels."""
    return html.unescape(TAG.sub("", HIDDEN.sub("", side)))


def marked(side: str, tag: str) -> list[str]:
    return [
        html.unescape(HIDDEN.sub("", m)) for m in re.findall(rf"<{tag}>(.*?)</{tag}>", side, re.S)
    ]


def test_a_changed_word_is_marked_on_both_sides() -> None:
    left, right = compare_texts("Więcej drzew na osiedlach.", "Więcej parków na osiedlach.")

    assert marked(left, "del") == ["drzew"]
    assert marked(right, "ins") == ["parków"]
    assert plain(left) == "Więcej drzew na osiedlach."
    assert plain(right) == "Więcej parków na osiedlach."


def test_screen_readers_hear_what_was_removed_and_added() -> None:
    with translation.override("en"):
        left, right = compare_texts("a b", "a c")

    assert '<span class="visually-hidden">[removed: </span>' in left
    assert '<span class="visually-hidden">[added: </span>' in right


def test_added_and_removed_paragraphs() -> None:
    old = "Pierwszy akapit.\nDrugi akapit.\n"
    new = "Pierwszy akapit.\nNowy akapit.\nDrugi akapit.\nOstatni.\n"

    left, right = compare_texts(old, new)

    assert marked(left, "del") == []
    assert marked(right, "ins") == ["Nowy akapit.\n", "Ostatni.\n"]
    assert plain(left) == old and plain(right) == new


def test_html_in_the_text_is_escaped() -> None:
    left, right = compare_texts("<b>stary</b>", "<script>alert(1)</script>")

    assert "<script" not in right and "<b>" not in left
    assert "&lt;" in right and "&lt;" in left
    assert plain(left) == "<b>stary</b>"
    assert plain(right) == "<script>alert(1)</script>"


def test_identical_texts_have_no_marks() -> None:
    rows = compare_fields([("Wizja", "Lublin & okolice", "Lublin & okolice")])

    assert rows[0].changed is False
    assert rows[0].old == rows[0].new == "Lublin &amp; okolice"


def test_opcodes_rebuild_the_new_text_from_the_old_for_random_edits() -> None:
    rng = random.Random(7)
    vocabulary = ["a", "b", "c", "d", "e", "f", "unique1", "unique2", "x", "y"]
    for _ in range(300):
        a = [rng.choice(vocabulary) for _ in range(rng.randint(0, 400))]
        b = list(a)
        for _ in range(rng.randint(0, 20)):
            position = rng.randint(0, len(b))
            b[position : position + rng.randint(0, 3)] = [rng.choice(vocabulary)] * rng.randint(
                0, 2
            )
        rebuilt: list[str] = []
        for op, i1, i2, j1, j2 in opcodes(a, b):
            if op == "equal":
                assert a[i1:i2] == b[j1:j2]
                rebuilt.extend(a[i1:i2])
            else:
                rebuilt.extend(b[j1:j2])
        assert rebuilt == b


def _text(rng: random.Random, length: int) -> str:
    vocabulary = [
        "".join(rng.choice("abcdefghijklmnoprstuwyzłóąęśćż") for _ in range(rng.randint(2, 10)))
        for _ in range(3000)
    ]
    weights = [1 / (rank + 1) for rank in range(len(vocabulary))]
    words: list[str] = []
    while sum(map(len, words)) + len(words) < length:
        words.append(rng.choices(vocabulary, weights)[0] + ("\n" if rng.random() < 0.01 else ""))
    return " ".join(words)[:length]


def test_two_versions_of_20000_characters_are_rebuilt_exactly_with_every_change_marked() -> None:
    # Exactness on long texts; the speed (target: under 200 ms) is measured by
    # `make bench` (bench/workgroups_bench.py), not here.
    rng = random.Random(2030)
    old = _text(rng, 20_000)
    words = old.split(" ")
    for index in range(0, len(words), 15):  # one word in fifteen rewritten, all through
        words[index] = "zmienione"
    new = " ".join(words)
    unrelated = _text(rng, 20_000)

    for a, b in ((old, new), (old, unrelated), (old.replace("\n", " "), new.replace("\n", " "))):
        left, right = compare_texts(a, b)
        assert plain(left) == a and plain(right) == b
    assert len(marked(compare_texts(old, new)[1], "ins")) >= len(words) // 15 * 0.9


def test_a_long_paragraph_of_repeated_sentences_marks_only_the_rewritten_one() -> None:
    sentences = [
        "Więcej zieleni w dzielnicach.",
        "Lepszy transport publiczny.",
        "Tanie mieszkania.",
    ]
    old = " ".join(sentences[n % 3] for n in range(600))
    new_sentences = old.split(". ")
    new_sentences[300] = "Nowe zdanie o kulturze"
    new = ". ".join(new_sentences)

    left, right = compare_texts(old, new)

    assert plain(left) == old and plain(right) == new
    # Word by word inside the one rewritten sentence, nothing anywhere else.
    assert " ".join(part.strip() for part in marked(right, "ins")) == "Nowe zdanie o kulturze"


def test_blank_direction_rows_of_the_form_are_not_shown_as_added() -> None:
    from workgroups.diffing import compare_recommendations
    from workgroups.services.recommendations import RecommendationText

    row = {"text": "Sadzić drzewa", "indicator": "liczba drzew", "responsible_unit": "ZZM"}
    blank = {"text": "", "indicator": "", "responsible_unit": ""}
    saved = RecommendationText(title="Zieleń", directions=[row])
    typed = RecommendationText(title="Zieleń", directions=[row, blank, blank])

    with translation.override("pl"):
        directions = compare_recommendations(saved, typed)[4]

    assert not directions.changed
    assert "dodano" not in directions.new
    assert "2." not in directions.new
