"""The demo's consulted draft strategy (for `make run`): a statutory consultation of a
document, 15 November – 20 December 2021, with data/documents/projekt-strategii-lublin-2030.md
loaded and published as its version 1. Safe to re-run: an existing consultation and an
unchanged file are left as they are."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings

from lublin2030.models import User
from stages.documents.services import LoadResult, load_document
from stages.models import Consultation, Stage
from stages.services.consultations import create_consultation

SLUG = "projekt-strategii-2021"
DRAFT_FILE = Path(settings.BASE_DIR) / "data" / "documents" / "projekt-strategii-lublin-2030.md"
WARSAW = ZoneInfo("Europe/Warsaw")
STAGE_NUMBER = 7

HOW_TO_COMMENT = """Uwagi do projektu można zgłaszać od 15 listopada do 20 grudnia 2021 r.:

- na tym portalu, przy każdym rozdziale i podrozdziale projektu („Zgłoś uwagę”),
- pocztą elektroniczną na adres strategia@lublin.eu,
- pisemnie w Kancelarii Ogólnej Urzędu Miasta Lublin, pl. Króla Władysława Łokietka 1,
- ustnie do protokołu podczas spotkań konsultacyjnych.

Prosimy wskazać fragment projektu, którego dotyczy uwaga, zaproponować nowe brzmienie \
i krótko je uzasadnić. Raport z konsultacji, odnoszący się do każdej uwagi, opublikujemy \
w ciągu 30 dni od ich zakończenia."""

HOW_TO_COMMENT_EN = (
    "Comments on the draft may be sent from 15 November to 20 December 2021: on this portal, "
    "next to each chapter and section of the draft; by e-mail to strategia@lublin.eu; in "
    "writing to Lublin City Hall; or orally at the consultation meetings. The consultation "
    "report, answering every comment, will be published within 30 days after it closes."
)


def seed_draft_strategy(*, editor: User | None = None) -> LoadResult | None:
    """The consultation (created once) and its published version 1; None without stage VII."""
    consultation = Consultation.objects.filter(slug=SLUG).first()
    if consultation is None:
        stage = Stage.objects.filter(number=STAGE_NUMBER).first()
        if stage is None:
            return None
        consultation = create_consultation(
            stage=stage,
            slug=SLUG,
            kind=Consultation.Kind.DOCUMENT,
            title="Konsultacje projektu Strategii Rozwoju Lublina na lata 2021–2030",
            title_en="Consultation of the draft Development Strategy of Lublin 2021–2030",
            description=(
                "Projekt strategii powstał na podstawie opinii mieszkańców i rekomendacji "
                "dwunastu Tematycznych Grup Roboczych. Przeczytaj go rozdział po rozdziale i "
                "zgłoś uwagi do konkretnych zapisów."
            ),
            description_en=(
                "The draft grew out of residents' opinions and the recommendations of the twelve "
                "Thematic Working Groups. Read it chapter by chapter and comment on its wording."
            ),
            how_to_comment=HOW_TO_COMMENT,
            how_to_comment_en=HOW_TO_COMMENT_EN,
            opens_at=dt.datetime(2021, 11, 15, 0, 0, tzinfo=WARSAW),
            closes_at=dt.datetime(2021, 12, 20, 23, 59, 59, tzinfo=WARSAW),
            statutory=True,
        )
    if consultation.document_versions.exists():
        latest = consultation.document_versions.order_by("-number").first()
        assert latest is not None
        return LoadResult(version=latest, created=False)
    return load_document(
        consultation=consultation,
        content=DRAFT_FILE.read_bytes(),
        name=DRAFT_FILE.name,
        user=editor,
        publish=True,
    )
