from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation

from stages.documents.models import DocumentVersion, Section
from stages.documents.parsing import ParsedSection, parse_markdown
from stages.documents.services import (
    DocumentError,
    SectionItem,
    create_draft_version,
    discard_draft_version,
    publish_version,
    sync_recommendation_sections,
    update_section,
)
from stages.models import Consultation
from stages.services.consultations import (
    ConsultationRefused,
    check_dates,
    create_consultation,
    update_consultation,
)
from tests.factories import ConsultationFactory, OpinionFactory, StageFactory, editor

pytestmark = pytest.mark.django_db

DRAFT = """# Projekt strategii
## Wizja
Lublin miastem otwartym.
### Misja
Tekst misji.
## Cele
Pięć obszarów.
"""


@pytest.fixture(autouse=True)
def _english() -> object:
    with translation.override("en"):
        yield


@pytest.fixture
def consultation() -> Consultation:
    return ConsultationFactory(kind=Consultation.Kind.DOCUMENT, slug="projekt")


def load(consultation: Consultation, text: str = DRAFT) -> DocumentVersion:
    return create_draft_version(
        consultation=consultation, parsed=parse_markdown(text), source_name="p.md", user=None
    )


# --- Draft versions ---------------------------------------------------------------------------


def test_a_draft_keeps_the_parsed_sections_with_parents_and_positions(
    consultation: Consultation,
) -> None:
    user = editor()
    version = create_draft_version(
        consultation=consultation, parsed=parse_markdown(DRAFT), source_name="p.md", user=user
    )
    assert (version.number, version.status, version.title) == (1, "draft", "Projekt strategii")
    assert version.created_by == user
    rows = list(version.sections.values_list("position", "number", "level", "key", "parent__key"))
    assert rows == [
        (1, "1", 1, "1-wizja", None),
        (2, "1.1", 2, "1-1-misja", "1-wizja"),
        (3, "2", 1, "2-cele", None),
    ]


def test_only_a_consultation_of_a_document_takes_versions() -> None:
    question = ConsultationFactory(kind=Consultation.Kind.OPEN_QUESTION)
    with pytest.raises(DocumentError, match="not a consultation of a document"):
        load(question)
    assert not DocumentVersion.objects.exists()


def test_loading_the_same_text_twice_makes_one_version(consultation: Consultation) -> None:
    first = load(consultation)
    assert load(consultation) == first
    publish_version(version=first)
    assert load(consultation) == first
    assert consultation.document_versions.count() == 1


def test_a_second_different_draft_is_refused_while_one_exists(consultation: Consultation) -> None:
    load(consultation)
    with pytest.raises(DocumentError, match="Version 1 is a draft already"):
        load(consultation, DRAFT + "## Nowy\n")
    assert Section.objects.count() == 3


def test_the_next_version_reuses_the_keys_of_the_sections_it_replaces(
    consultation: Consultation,
) -> None:
    first = load(consultation)
    publish_version(version=first)
    second = load(
        consultation,
        "# Projekt\n## Wprowadzenie\nNowe.\n## Wizja\nLublin miastem otwartym.\n"
        "### Misja miasta\nTekst misji.\n## Cele\nSześć obszarów.\n",
    )
    assert second.number == 2
    assert list(second.sections.values_list("number", "key")) == [
        ("1", "1-wprowadzenie"),
        ("2", "1-wizja"),  # same heading
        ("2.1", "1-1-misja"),  # similar text
        ("3", "2-cele"),
    ]


def test_invalid_sections_are_refused_before_anything_is_written(
    consultation: Consultation,
) -> None:
    bad = [
        ParsedSection(number="1", level=1, heading="A", key="Zła Nazwa"),
    ]
    with pytest.raises(DocumentError, match="lower-case"):
        create_draft_version(consultation=consultation, parsed=bad, source_name="", user=None)
    with pytest.raises(DocumentError, match="no sections"):
        create_draft_version(consultation=consultation, parsed=[], source_name="", user=None)
    with pytest.raises(DocumentError, match="level"):
        create_draft_version(
            consultation=consultation,
            parsed=[ParsedSection(number="1", level=4, heading="A")],
            source_name="",
            user=None,
        )
    assert not DocumentVersion.objects.exists()


def test_a_draft_section_is_edited_and_its_key_overridden(consultation: Consultation) -> None:
    version = load(consultation)
    section = version.sections.get(key="2-cele")
    update_section(section=section, heading="Cele strategiczne", body="Nowe.", key="cele")
    section.refresh_from_db()
    assert (section.heading, section.body, section.key) == ("Cele strategiczne", "Nowe.", "cele")
    with pytest.raises(DocumentError, match="already has the key"):
        update_section(section=section, heading="x", body="", key="1-wizja")
    with pytest.raises(DocumentError, match="lower-case"):
        update_section(section=section, heading="x", body="", key="Cele!")
    section.refresh_from_db()
    assert section.heading == "Cele strategiczne"


def test_a_published_version_never_changes(consultation: Consultation) -> None:
    version = load(consultation)
    publish_version(version=version)
    section = version.sections.get(key="1-wizja")
    with pytest.raises(DocumentError, match="published and never changes"):
        update_section(section=section, heading="Inna", body="Inny tekst.")
    section.refresh_from_db()
    assert section.heading == "Wizja"


def test_a_section_of_a_version_published_meanwhile_is_not_written(
    consultation: Consultation,
) -> None:
    version = load(consultation)
    section = version.sections.get(key="1-wizja")  # its version read as a draft
    DocumentVersion.objects.filter(pk=version.pk).update(
        status="published", published_at=timezone.now()
    )
    with pytest.raises(DocumentError, match="published meanwhile"):
        update_section(section=section, heading="Inna", body="")
    assert Section.objects.get(pk=section.pk).heading == "Wizja"


def test_publishing(consultation: Consultation) -> None:
    version = load(consultation)
    moment = timezone.now() - dt.timedelta(hours=1)
    publish_version(version=version, now=moment, note="Pierwsza wersja.")
    version.refresh_from_db()
    assert (version.status, version.published_at, version.note) == (
        "published",
        moment,
        "Pierwsza wersja.",
    )
    with pytest.raises(DocumentError, match="already published"):
        publish_version(version=version)


def test_a_draft_is_discarded_but_a_published_version_never(consultation: Consultation) -> None:
    draft = load(consultation)
    discard_draft_version(version=draft)
    assert not DocumentVersion.objects.exists()
    published = publish_version(version=load(consultation))
    with pytest.raises(DocumentError, match="never deleted"):
        discard_draft_version(version=published)


# --- The consultation's dates -----------------------------------------------------------------


def warsaw(*args: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime(*args))


def test_a_statutory_consultation_shorter_than_35_days_is_refused_saying_why() -> None:
    with pytest.raises(ConsultationRefused) as refused:
        create_consultation(
            stage=StageFactory(),
            slug="krotka",
            kind=Consultation.Kind.DOCUMENT,
            title="Projekt",
            opens_at=warsaw(2021, 11, 15),
            closes_at=warsaw(2021, 12, 19, 23, 59),
            statutory=True,
        )
    assert "at least 35 days" in refused.value.message
    assert "2021-12-20 00:00" in refused.value.message
    assert refused.value.field == "closes_at"
    assert not Consultation.objects.filter(slug="krotka").exists()


def test_35_days_on_the_wall_clock_are_enough_even_across_a_clock_change() -> None:
    check_dates(opens_at=warsaw(2021, 11, 15), closes_at=warsaw(2021, 12, 20), statutory=True)
    # The clocks go back on 31 October: 35 wall-clock days are 35 days and an hour.
    check_dates(opens_at=warsaw(2021, 10, 1), closes_at=warsaw(2021, 11, 5), statutory=True)
    # ... and forward on 27 March: 35 wall-clock days are 34 days and 23 hours.
    check_dates(opens_at=warsaw(2022, 3, 1), closes_at=warsaw(2022, 4, 5), statutory=True)


def test_a_consultation_that_is_not_statutory_may_be_short_but_must_close_after_it_opens() -> None:
    check_dates(opens_at=warsaw(2021, 11, 15), closes_at=warsaw(2021, 11, 16), statutory=False)
    with pytest.raises(ConsultationRefused, match="close after it opens"):
        check_dates(opens_at=warsaw(2021, 11, 15), closes_at=warsaw(2021, 11, 15), statutory=False)


def test_updating_the_dates_or_the_statutory_flag_is_checked_too() -> None:
    consultation = ConsultationFactory(
        opens_at=warsaw(2021, 11, 15), closes_at=warsaw(2021, 11, 30), statutory=False
    )
    with pytest.raises(ConsultationRefused, match="at least 35 days"):
        update_consultation(consultation=consultation, statutory=True)
    update_consultation(consultation=consultation, statutory=True, closes_at=warsaw(2021, 12, 20))
    consultation.refresh_from_db()
    assert consultation.statutory and consultation.closes_at == warsaw(2021, 12, 20)


def test_the_kind_of_a_consultation_with_versions_does_not_change(
    consultation: Consultation,
) -> None:
    load(consultation)
    with pytest.raises(ConsultationRefused, match="kind cannot change"):
        update_consultation(consultation=consultation, kind=Consultation.Kind.OPEN_QUESTION)


def test_a_slug_taken_by_another_consultation_is_refused(consultation: Consultation) -> None:
    other = ConsultationFactory()
    with pytest.raises(ConsultationRefused, match="address"):
        update_consultation(consultation=other, slug="projekt")


# --- The recommendations as sections ----------------------------------------------------------


def test_recommendations_become_one_published_version_kept_in_step_by_key() -> None:
    consultation = ConsultationFactory(kind=Consultation.Kind.RECOMMENDATIONS)
    items = [
        SectionItem(key="edukacja-1", number="1", heading="Szkoły otwarte", body="A."),
        SectionItem(key="sport-1", number="2", heading="Boiska", body="B."),
        SectionItem(key="kultura-1", number="3", heading="Teatry", body="C."),
    ]
    result = sync_recommendation_sections(consultation=consultation, items=items)
    assert (result.created, result.version.status) == (3, "published")
    commented = result.version.sections.get(key="kultura-1")
    OpinionFactory(consultation=consultation, section=commented)
    first_id = result.version.sections.get(key="edukacja-1").pk

    again = sync_recommendation_sections(consultation=consultation, items=items)
    assert (again.created, again.updated, again.removed) == (0, 0, 0)

    changed = [
        SectionItem(key="sport-1", number="1", heading="Boiska i baseny", body="B2."),
        SectionItem(key="zielen-1", number="2", heading="Parki", body="D."),
    ]
    result = sync_recommendation_sections(consultation=consultation, items=changed)
    assert (result.created, result.updated, result.removed, result.kept) == (1, 1, 1, 1)
    assert list(result.version.sections.values_list("position", "key", "heading")) == [
        (1, "sport-1", "Boiska i baseny"),
        (2, "zielen-1", "Parki"),
        (3, "kultura-1", "Teatry"),  # residents commented on it: kept
    ]
    assert not Section.objects.filter(pk=first_id).exists()
    assert DocumentVersion.objects.filter(consultation=consultation).count() == 1


def test_recommendation_sections_only_in_a_consultation_of_recommendations(
    consultation: Consultation,
) -> None:
    with pytest.raises(DocumentError, match="recommendations"):
        sync_recommendation_sections(
            consultation=consultation,
            items=[SectionItem(key="a", number="1", heading="A", body="")],
        )
