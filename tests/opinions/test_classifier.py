"""The area classifier: trained on labelled opinions, evaluated on the sample CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
from io import StringIO
from pathlib import Path

import joblib
import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.utils import timezone
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from evaluation.classifier_eval import (
    ACCURACY_TARGET,
    ECE_TARGET,
    PROCESS,
    cross_validate,
    extra_examples,
)
from opinions.analysis import classifier
from opinions.analysis.classifier import (
    area_examples,
    document_of,
    evaluate_on_sample,
    fold,
    predict,
    read_labelled_csv,
    strategy_examples,
    suggest_areas,
    train_area_classifier,
)
from opinions.analysis.confidence import (
    HIGH_FROM,
    MEDIUM_FROM,
    SUGGEST_FROM,
    ConfidenceBand,
    band_of,
)
from opinions.analysis.runs import analyse_opinions
from opinions.analysis.tasks import train_area_classifier as train_task
from opinions.analysis.text import lemma_string
from opinions.models import AreaClassifierModel, Channel, Opinion
from stages.models import Consultation, ThematicArea
from stages.process_loader import parse_process_file
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
    assert suggest_areas([document_of("Więcej drzew")]) == [(None, 0.0)]
    load_sample()
    first = train_area_classifier()
    assert first is not None
    green = ThematicArea.objects.get(slug="miasto-zielone").pk
    sport = ThematicArea.objects.get(slug="sport").pk

    suggestions = suggest_areas(
        [
            document_of("Więcej drzew i zieleni, mniej betonu, czyste powietrze w parkach"),
            document_of("Nowe boiska, basen i hala sportowa dla szkół"),
            document_of("i w na to"),
            ("", ""),
        ]
    )

    assert [area for area, _confidence in suggestions] == [green, sport, None, None]
    assert all(SUGGEST_FROM <= confidence <= 1 for _area, confidence in suggestions[:2])
    assert suggestions[2:] == [(None, 0.0), (None, 0.0)]
    assert list(classifier._loaded) == [first.pk]

    second = train_area_classifier()
    assert second is not None
    suggest_areas([document_of("boisko")])
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


# --- Calibrated confidence, bands and the threshold ----------------------------------------


def test_bands_follow_the_measured_limits() -> None:
    assert band_of(None) is None
    assert band_of(0.0) is None
    assert band_of(SUGGEST_FROM - 0.001) is None
    assert band_of(SUGGEST_FROM) is ConfidenceBand.LOW
    assert band_of(MEDIUM_FROM - 0.001) is ConfidenceBand.LOW
    assert band_of(MEDIUM_FROM) is ConfidenceBand.MEDIUM
    assert band_of(HIGH_FROM - 0.001) is ConfidenceBand.MEDIUM
    assert band_of(HIGH_FROM) is ConfidenceBand.HIGH
    assert band_of(1.0) is ConfidenceBand.HIGH
    assert 0 < SUGGEST_FROM < MEDIUM_FROM < HIGH_FROM < 1


def test_an_opinion_shows_a_band_only_for_a_suggestion_above_the_threshold() -> None:
    area = ThematicArea(pk=1)
    assert Opinion(suggested_area=area, suggested_area_confidence=0.9).suggestion_band == "high"
    assert Opinion(suggested_area=area, suggested_area_confidence=0.55).suggestion_band == "medium"
    # Stored by an older, uncalibrated model: below the threshold, not shown.
    assert Opinion(suggested_area=area, suggested_area_confidence=0.2).suggestion_band is None
    assert Opinion(suggested_area=None, suggested_area_confidence=0.9).suggestion_band is None


VARIED_TEXTS = [
    "Więcej drzew i zieleni, mniej betonu, czyste powietrze w parkach",
    "Nowe boiska, basen i hala sportowa dla szkół",
    "Lepsze połączenia autobusowe z Czechowa do centrum",
    "Chciałbym, żeby w Lublinie żyło się dobrze i spokojnie",
    "Niech będzie lepiej niż jest teraz, dla wszystkich ludzi",
    "Dobre miasto dla każdego",
    "Lublin za dziesięć lat",
    "Żeby było normalnie",
]


def test_no_suggestion_below_the_threshold(lublin_process: None) -> None:
    load_sample()
    assert train_area_classifier() is not None
    pipeline = classifier._current_pipeline()
    assert pipeline is not None
    documents = [document_of(text) for text in VARIED_TEXTS]
    raw = predict(pipeline, documents)

    suggestions = suggest_areas(documents)

    for (area, confidence), (suggested, shown) in zip(raw, suggestions, strict=True):
        if confidence >= SUGGEST_FROM:
            assert (suggested, shown) == (area, confidence)
        else:
            assert (suggested, shown) == (None, 0.0)
    # The texts span both sides: clear topics above the threshold, vague wishes below.
    assert any(confidence < SUGGEST_FROM for _area, confidence in raw)
    assert any(confidence >= HIGH_FROM for _area, confidence in raw)


def test_the_analysis_stores_no_suggestion_below_the_threshold(lublin_process: None) -> None:
    load_sample()
    assert train_area_classifier() is not None
    pipeline = classifier._current_pipeline()
    assert pipeline is not None
    vague = next(
        text
        for text, (_area, confidence) in zip(
            VARIED_TEXTS,
            predict(pipeline, [document_of(text) for text in VARIED_TEXTS]),
            strict=True,
        )
        if confidence < SUGGEST_FROM
    )
    consultation = Consultation.objects.get(slug=LUBLIN_CONSULTATION)
    unclear = OpinionFactory(consultation=consultation, area=None, text=vague)
    clear = OpinionFactory(consultation=consultation, area=None, text=VARIED_TEXTS[0])

    analyse_opinions([unclear.pk, clear.pk])

    unclear.refresh_from_db()
    clear.refresh_from_db()
    assert (unclear.suggested_area_id, unclear.suggested_area_confidence) == (None, None)
    assert clear.suggested_area == ThematicArea.objects.get(slug="miasto-zielone")
    assert clear.suggestion_band is not None


# --- Opinions typed without Polish letters ---------------------------------------------------


def test_fold_removes_polish_letters_and_case() -> None:
    assert fold("Zieleń na Łęgach, ŻÓŁW i źdźbło") == "zielen na legach, zolw i zdzblo"
    assert fold("ąćęłńóśźż ĄĆĘŁŃÓŚŹŻ") == "acelnoszz acelnoszz"
    assert fold("2030 — ok") == "2030 — ok"


def test_a_folded_opinion_gets_the_same_area(lublin_process: None) -> None:
    load_sample()
    assert train_area_classifier() is not None
    texts = [
        "Więcej drzew i zieleni, mniej betonu, czyste powietrze w parkach",
        "Nowe boiska, basen i hala sportowa dla szkół",
        "Ścieżki rowerowe połączone w sieć i buspasy na głównych ulicach",
    ]

    with_letters = suggest_areas([document_of(text) for text in texts])
    without = suggest_areas([document_of(fold(text)) for text in texts])

    assert [area for area, _ in with_letters] == [
        ThematicArea.objects.get(slug=slug).pk
        for slug in ("miasto-zielone", "sport", "urbanistyka-mobilnosc")
    ]
    assert [area for area, _ in without] == [area for area, _ in with_letters]


# --- The cross-validated figures (`make eval`) -----------------------------------------------


def test_cross_validation_figures() -> None:
    result = cross_validate()
    main = result.with_extra

    assert len(main.expected) == len(result.sample_only.expected) == 240
    # The targets, on opinions the model was not trained on (seed-2030 folds).
    assert main.accuracy >= ACCURACY_TARGET
    assert main.ece < ECE_TARGET
    # Learning from the sample alone, the calibration is nearly as good.
    assert result.sample_only.ece < 1.5 * ECE_TARGET
    # Each kind of training-only text helps: the strategy's sentences most.
    assert main.accuracy > result.without_strategy.accuracy > result.sample_only.accuracy
    assert result.city_texts.accuracy > result.sample_only.accuracy
    assert main.accuracy > result.baseline_with_extra.accuracy
    assert main.ece < result.baseline_with_extra.ece
    assert main.folded_accuracy >= 0.6
    assert main.macro_f1 >= 0.6
    # The bands are ordered by their hit rates, and what is not suggested is mostly wrong.
    rates = {band: rate for band, _count, rate in main.bands()}
    assert rates["high"] > rates["medium"] > rates["low"] > rates["none"]
    assert rates["none"] < 0.35
    assert rates["high"] >= 0.85


def test_the_extra_training_text_never_repeats_the_sample() -> None:
    texts, labels = read_labelled_csv(SAMPLE)
    extra = extra_examples(texts)

    assert extra.left_out >= 1
    assert len(extra.descriptions) == 12
    assert extra.strategy and extra.demo
    folded = [fold(text) for text in texts]
    assert not any(fold(example) in text for example, _slug in extra.all for text in folded)
    for part in (extra.descriptions, extra.strategy, extra.demo):
        assert {slug for _example, slug in part} == set(labels)


def test_the_strategy_sentences_are_filed_under_the_process_areas() -> None:
    examples = strategy_examples()
    slugs = {slug for _text, slug in examples}
    process_slugs = {area["slug"] for area in parse_process_file(PROCESS)["areas"]}

    assert len(examples) >= 60
    assert slugs <= process_slugs
    assert len(slugs) == 12
    assert len({text for text, _slug in examples}) == len(examples)


def test_a_missing_examples_file_adds_nothing(tmp_path: Path) -> None:
    assert strategy_examples(tmp_path / "none.toml") == []


def test_training_learns_from_the_strategy_sentences_of_the_areas_present(
    lublin_process: None,
) -> None:
    ThematicArea.objects.filter(slug="metropolia").delete()
    examples = area_examples()
    strategy = strategy_examples()

    learned = [document for document, _slug in examples]
    # Eleven descriptions, and every strategy sentence of the areas still present.
    assert len(examples) == 11 + sum(slug != "metropolia" for _text, slug in strategy)
    assert all(document_of(text) in learned for text, slug in strategy if slug != "metropolia")
    assert "metropolia" not in {slug for _document, slug in examples}
    ids = dict(ThematicArea.objects.values_list("slug", "pk"))
    assert {area for _document, area in classifier._area_examples()} == set(ids.values())


def test_a_model_of_the_older_kind_gives_no_suggestions(
    lublin_process: None, caplog: pytest.LogCaptureFixture
) -> None:
    """A model saved before the character n-grams read lemma strings only: after an upgrade
    it is not used (no suggestions, nothing fails) until the next training."""
    texts, labels = read_labelled_csv(SAMPLE)
    old = Pipeline([("tfidf", TfidfVectorizer()), ("model", LogisticRegression(max_iter=500))]).fit(
        [lemma_string(text) for text in texts], labels
    )
    buffer = io.BytesIO()
    joblib.dump(old, buffer)
    stored = AreaClassifierModel(trained_on=len(texts), labels=[])
    stored.file.save("old.joblib", ContentFile(buffer.getvalue()), save=False)
    stored.save()

    assert suggest_areas([document_of("Więcej drzew i zieleni")]) == [(None, 0.0)]
    assert "predates" in caplog.text

    load_sample()
    assert train_area_classifier() is not None
    assert suggest_areas([document_of("Więcej drzew i zieleni w parkach")])[0][0] is not None
