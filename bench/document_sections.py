"""A consulted document of N sections made quickly, for benchmarks (not a benchmark itself).

    from document_sections import make_document_version  # bench/ is on sys.path
    version = make_document_version(consultation=c, sections=200)            # version 1
    version2 = make_document_version(consultation=c, sections=200, revise=10)  # every 10th changed

Sections are written with one bulk insert per level (stages.documents.services), keyed as a
real upload would be, chapters every tenth section and the rest sections under them. Call
it after django.setup() (bench.harness.setup_django), inside or outside a transaction.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

if TYPE_CHECKING:
    from stages.documents.models import DocumentVersion
    from stages.models import Consultation

WORDS = [
    "miasto",
    "mieszkańcy",
    "dzielnica",
    "zieleń",
    "transport",
    "uczelnie",
    "kultura",
    "sport",
    "rozwój",
    "współpraca",
    "przestrzeń",
    "klimat",
    "woda",
    "energia",
    "szkoła",
    "usługi",
    "seniorzy",
    "młodzież",
    "przedsiębiorczość",
    "metropolia",
    "turystyka",
    "partycypacja",
    "rewitalizacja",
    "mobilność",
    "edukacja",
    "zdrowie",
]


def _text(rng: random.Random, sentences: int) -> str:
    out = []
    for _ in range(sentences):
        words = rng.choices(WORDS, k=rng.randint(8, 16))
        out.append(" ".join(words).capitalize() + ".")
    return " ".join(out)


def make_document_version(
    *,
    consultation: Consultation,
    sections: int = 200,
    revise: int = 0,
    publish: bool = True,
    seed: int = 2021,
) -> DocumentVersion:
    """The consultation's next version with `sections` sections. With `revise` = k, the
    text is version 1's with every k-th section's text changed (so a comparison has work)."""
    from stages.documents.models import DocumentVersion
    from stages.documents.parsing import ParsedSection
    from stages.documents.services import create_sections

    rng = random.Random(seed)
    parsed: list[ParsedSection] = []
    chapter = -1
    for index in range(sections):
        if index % 10 == 0:
            chapter = len(parsed)
            number = str(index // 10 + 1)
            parsed.append(ParsedSection(number=number, level=1, heading=f"Rozdział {number}"))
        else:
            number = f"{parsed[chapter].number}.{index % 10}"
            parsed.append(
                ParsedSection(number=number, level=2, heading=f"Cel {number}", parent=chapter)
            )
        parsed[-1].body = _text(rng, 5)
        if revise and index % revise == revise - 1:
            parsed[-1].body += " " + _text(random.Random(seed + index), 1)
    keys = [f"s-{section.number.replace('.', '-')}" for section in parsed]
    with transaction.atomic():
        top = consultation.document_versions.aggregate(top=Max("number"))["top"] or 0
        version = DocumentVersion.objects.create(
            consultation=consultation,
            number=top + 1,
            title=f"Dokument ({sections} sekcji)",
            status=DocumentVersion.Status.PUBLISHED if publish else DocumentVersion.Status.DRAFT,
            published_at=timezone.now() if publish else None,
        )
        create_sections(version, parsed, keys)
    return version
