"""The area classifier: trained on labelled opinions, evaluated on the sample CSV."""

from __future__ import annotations

import csv
import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone

from opinions.analysis import classifier
from opinions.analysis.classifier import evaluate_on_sample, suggest_areas, train_area_classifier
from opinions.analysis.tasks import train_area_classifier as train_task
from opinions.analysis.text import lemma_string
from opinions.models import AreaClassifierModel, Channel, Opinion
from stages.models import Consultation, ThematicArea
from tests.factories import OpinionFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

SAMPLE = Path(settings.BASE_DIR) / "data" / "opinions-sample.csv"
LUBLIN_CONSULTATION = "jaki-ma-byc-lublin-w-2030"


def load_sample(*, status: str = Opinion.Status.PUBLISHED, limit: int | None = None) -> int:
    """The sample CSV's rows as opinions of the Lublin consultation, with their areas.

    Needs the `lublin_process` fixture (areas by slug).
    """
    consultation = Consultation.objects.get(slug=LUBLIN_CONSULTATION)
    areas = {area.slug: area for area in ThematicArea.objects.all()}
    start = timezone.now() - dt.timedelta(days=30)
    with SAMPLE.open(encoding="utf-8") as file:
        rows = list(csv.DictReader(file))[:limit]
    Opinion.objects.bulk_create(
        Opinion(
            consultation=consultation,
            text=row["text"],
            lemmas=lemma_string(row["text"]),
            area=areas[row["area"]],
            channel=row["channel"] or Channel.ONLINE,
            age_band=row["age_band"],
            collected_on=dt.date.fromisoformat(row["collected_on"]),
            created_at=start + dt.timedelta(minutes=index),
            status=status,
            analysed_at=start,
        )
        for index, row in enumerate(rows)
    )
    return len(rows)


def test_sample_evaluation_is_reproducible_and_beats_guessing() -> None:
    figures = evaluate_on_sample(SAMPLE)

    assert figures["rows"] == 240
    assert figures["areas"] == 12
    assert (figures["train"], figures["test"]) == (192, 48)
    # Stratified: each of the 12 areas has 4 of the 48 held-out rows.
    assert {area: result["total"] for area, result in figures["per_area"].items()} == {
        area: 4 for area in figures["per_area"]
    }
    assert len(figures["per_area"]) == 12
    # A twelfth is what guessing gets; the model does several times better.
    assert figures["accuracy"] >= 0.4 > 4 * figures["baseline"] - 0.01
    assert evaluate_on_sample(SAMPLE) == figures


def test_too_few_labelled_opinions_train_nothing(lublin_process: None) -> None:
    load_sample(limit=20)
    assert train_area_classifier() is None
    assert not AreaClassifierModel.objects.exists()


def test_one_area_only_trains_nothing(lublin_process: None) -> None:
    area = ThematicArea.objects.get(slug="miasto-zielone")
    OpinionFactory.create_batch(
        30,
        consultation=Consultation.objects.get(slug=LUBLIN_CONSULTATION),
        area=area,
        text="Więcej drzew i zieleni na osiedlach",
    )
    assert train_area_classifier() is None


def test_unpublished_opinions_are_not_learned_from(lublin_process: None) -> None:
    load_sample(status=Opinion.Status.PENDING)
    assert train_area_classifier() is None


def test_training_saves_the_model_with_its_figures(lublin_process: None) -> None:
    load_sample()

    model = train_area_classifier()

    assert model is not None
    assert model.trained_on == 240
    assert sorted(model.labels) == sorted(ThematicArea.objects.values_list("pk", flat=True))
    assert model.accuracy is not None
    assert 0.3 <= model.accuracy <= 1
    assert model.file.name.startswith("classifiers/")
    assert (Path(settings.MEDIA_ROOT) / model.file.name).is_file()


def test_suggestions_come_from_the_latest_model(lublin_process: None) -> None:
    assert suggest_areas([lemma_string("Więcej drzew")]) == [(None, 0.0)]
    load_sample()
    first = train_area_classifier()
    assert first is not None
    green = ThematicArea.objects.get(slug="miasto-zielone").pk
    sport = ThematicArea.objects.get(slug="sport").pk

    suggestions = suggest_areas(
        [
            lemma_string("Więcej drzew i zieleni, mniej betonu, czyste powietrze w parkach"),
            lemma_string("Nowe boiska, basen i hala sportowa dla szkół"),
            lemma_string("i w na to"),
            "",
        ]
    )

    assert [area for area, _confidence in suggestions] == [green, sport, None, None]
    assert all(0 < confidence <= 1 for _area, confidence in suggestions[:2])
    assert suggestions[2:] == [(None, 0.0), (None, 0.0)]
    assert list(classifier._loaded) == [first.pk]

    second = train_area_classifier()
    assert second is not None
    suggest_areas([lemma_string("boisko")])
    assert list(classifier._loaded) == [second.pk]
    assert suggest_areas([]) == []


def test_the_nightly_task_trains(lublin_process: None) -> None:
    load_sample()
    pk = train_task()
    assert pk == AreaClassifierModel.objects.get().pk


def test_evaluate_command_prints_the_figures() -> None:
    out = StringIO()
    call_command("evaluate_area_classifier", stdout=out)
    text = out.getvalue()
    assert "240 labelled rows, 12 areas" in text
    assert "accuracy: " in text
    assert "miasto-zielone" in text


def test_evaluate_command_refuses_a_missing_or_unlabelled_file(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="no such file"):
        call_command("evaluate_area_classifier", "--csv", str(tmp_path / "none.csv"))
    empty = tmp_path / "empty.csv"
    empty.write_text("text,area\nCoś o mieście,\n", encoding="utf-8")
    with pytest.raises(CommandError, match="too few labelled rows"):
        call_command("evaluate_area_classifier", "--csv", str(empty))


def test_train_command(lublin_process: None) -> None:
    out = StringIO()
    call_command("train_area_classifier", stdout=out)
    assert "Not trained" in out.getvalue()

    load_sample()
    call_command("train_area_classifier", stdout=out)
    assert "Trained on 240 opinions in 12 areas" in out.getvalue()
