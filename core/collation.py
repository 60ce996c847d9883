"""Polish alphabetical order, the same on every machine: a sort key by the Polish alphabet
(ą after a, ć after c, ł after l, ś after s, ź and ż after z, ...), not by code points
("Śródmieście" after "Wrotków") nor by the operating system's locale, which a server may
not have.
"""

from __future__ import annotations

ALPHABET = "aąbcćdeęfghijklłmnńoópqrsśtuvwxyzźż"
_RANK = {letter: rank for rank, letter in enumerate(ALPHABET)}
# Characters outside the alphabet (digits, spaces, hyphens, other letters) sort before the
# letters, by code point, as in a dictionary.
_OFFSET = len(ALPHABET)


def polish_sort_key(text: str) -> tuple[tuple[int, int], ...]:
    """A key for sorted(): Polish dictionary order, case-insensitive (then by case)."""
    folded = text.casefold()
    primary = tuple(
        (1, _RANK[char]) if char in _RANK else (0, ord(char) + _OFFSET) for char in folded
    )
    # A name that is the start of another comes first ("Czuby" before "Czuby Południowe").
    return (*primary, (-1, 0), *((0, ord(char)) for char in text))


def sorted_polish(names: list[str]) -> list[str]:
    return sorted(names, key=polish_sort_key)
