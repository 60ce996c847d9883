"""Demo opinions: the same seed gives the same opinions, re-running adds only what is
missing, and the data spreads over channels, districts, areas and months like the real
consultation did."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count

from lublin2030.demo import consultations as consultations_demo
from lublin2030.demo import opinions as demo
from opinions.analysis.search import search_opinions
from opinions.analysis.text import lemma_string
from opinions.importing.reading import read_table
from opinions.importing.verdicts import check_rows
from opinions.models import Channel, Event, ImportRow, Opinion
from opinions.services.submission import validate_opinion_text
from stages.models import Consultation, District, ThematicArea

pytestmark = pytest.mark.django_db

SEED = 7


def generator(seed: int = SEED) -> demo.DemoGenerator:
    return demo.DemoGenerator.from_database(seed=seed, events=demo.ensure_demo_events(seed=seed))


def saved_texts() -> dict[str, str]:
    return dict(
        Opinion.objects.filter(fingerprint__startswith="demo:").values_list("fingerprint", "text")
    )


def test_the_same_seed_gives_the_same_opinions(lublin_process: None) -> None:
    first, second = generator(), generator()

    assert [first.opinion(index) for index in range(300)] == [
        second.opinion(index) for index in range(300)
    ]
    other = generator(SEED + 1)
    same = sum(first.opinion(index).text == other.opinion(index).text for index in range(300))
    assert same < 30


def test_a_re_seeded_database_gets_the_same_texts(lublin_consultation: Consultation) -> None:
    demo.seed_demo_opinions(consultation=lublin_consultation, count=200, seed=SEED)
    before = saved_texts()
    Opinion.objects.all().delete()
    Event.objects.all().delete()

    demo.seed_demo_opinions(consultation=lublin_consultation, count=200, seed=SEED)

    assert saved_texts() == before
    assert len(before) == 200


def test_seeding_again_adds_nothing_and_a_larger_count_adds_the_difference(
    lublin_consultation: Consultation,
) -> None:
    first = demo.seed_demo_opinions(
        consultation=lublin_consultation, count=300, seed=SEED, batch_size=120
    )
    texts = saved_texts()
    events = Event.objects.count()

    again = demo.seed_demo_opinions(
        consultation=lublin_consultation, count=300, seed=SEED, batch_size=77
    )
    more = demo.seed_demo_opinions(consultation=lublin_consultation, count=450, seed=SEED)

    assert (first.created, first.existing) == (300, 0)
    assert (again.created, again.existing) == (0, 300)
    assert (more.created, more.existing) == (150, 300)
    assert Opinion.objects.count() == 450
    assert Event.objects.count() == events
    after = saved_texts()
    assert {key: after[key] for key in texts} == texts
    Opinion.objects.filter(fingerprint=demo.demo_fingerprint(SEED, 10)).delete()
    refill = demo.seed_demo_opinions(consultation=lublin_consultation, count=450, seed=SEED)
    assert (refill.created, refill.existing) == (1, 449)
    assert saved_texts() == after
    # Opinion i is the same whether 300 or 450 were asked for.
    check = generator()
    assert after[demo.demo_fingerprint(SEED, 400)] == check.opinion(400).text


def test_a_bulk_load_builds_the_same_indexes_again(lublin_consultation: Consultation) -> None:
    before = index_definitions()

    result = demo.seed_demo_opinions(
        consultation=lublin_consultation, count=300, seed=SEED, batch_size=120, bulk_load_from=1
    )

    assert result.created == 300
    assert index_definitions() == before
    assert search_opinions(Opinion.objects.all(), "miejsca parkingowe").exists()


def index_definitions() -> dict[str, object]:
    with connection.cursor() as cursor:
        return connection.introspection.get_constraints(cursor, Opinion._meta.db_table)


def test_the_opinions_spread_like_the_consultation(lublin_consultation: Consultation) -> None:
    demo.seed_demo_opinions(consultation=lublin_consultation, count=3000, seed=SEED)
    opinions = Opinion.objects.all()

    channels = Counter(opinions.values_list("channel", flat=True))
    assert set(channels) == set(Channel.values)
    assert channels.most_common(1)[0][0] == Channel.ONLINE

    assert set(opinions.values_list("area__slug", flat=True)) >= set(
        ThematicArea.objects.values_list("slug", flat=True)
    )
    districts: Counter[int | None] = Counter(opinions.values_list("district_id", flat=True))
    without = districts.pop(None)
    assert len(districts) >= 25
    assert 0.3 < without / 3000 < 0.5

    statuses = Counter(opinions.values_list("status", flat=True))
    assert statuses[Opinion.Status.PUBLISHED] / 3000 > 0.85
    assert statuses[Opinion.Status.PENDING] > 0
    assert statuses[Opinion.Status.REJECTED] > 0
    assert not opinions.filter(status=Opinion.Status.REJECTED, rejection_reason="").exists()
    assert not opinions.exclude(status=Opinion.Status.PUBLISHED).filter(support_count__gt=0)

    months = Counter(
        day.strftime("%Y-%m") for day in opinions.values_list("collected_on", flat=True)
    )
    assert len(months) == 15  # every month from October 2019 to December 2020
    assert min(months) == "2019-10" and max(months) == "2020-12"
    assert months["2020-04"] < months["2019-10"] / 2  # the spring 2020 lockdown

    early = opinions.filter(collected_on__lt=dt.date(2020, 3, 1))
    late = opinions.filter(collected_on__gte=dt.date(2020, 10, 1))
    assert share_online(late) > share_online(early) + 0.2

    at_meetings = opinions.filter(event__isnull=False).select_related("event")
    assert at_meetings.count() > 300
    assert all(opinion.channel == opinion.event.channel for opinion in at_meetings)
    assert all(opinion.collected_on == opinion.event.held_on for opinion in at_meetings)
    assert set(Event.objects.values_list("kind", flat=True)) == set(Event.Kind.values)
    assert Event.objects.filter(district__isnull=False).values("district").distinct().count() > 8

    ages = Counter(opinions.values_list("age_band", flat=True))
    assert ages[""] > 0 and len(ages) == 8
    supports = sorted(
        opinions.filter(status=Opinion.Status.PUBLISHED).values_list("support_count", flat=True)
    )
    assert supports[len(supports) // 2] <= 1 < 20 < supports[-1]


def share_online(opinions: object) -> float:
    counts = dict(opinions.values_list("channel").annotate(n=Count("pk")))
    return counts.get(Channel.ONLINE, 0) / sum(counts.values())


def test_opinions_are_saved_analysed_and_findable(lublin_consultation: Consultation) -> None:
    demo.seed_demo_opinions(consultation=lublin_consultation, count=1500, seed=SEED)
    opinions = list(Opinion.objects.all())

    assert all(opinion.lemmas == lemma_string(opinion.text) for opinion in opinions)
    # Every text is one the answer form would accept.
    assert all(validate_opinion_text(opinion.text) == opinion.text for opinion in opinions)
    assert all(
        opinion.analysed_at and opinion.analysed_at > opinion.created_at for opinion in opinions
    )
    assert len({opinion.tracking_token for opinion in opinions}) == 1500
    assert all(
        demo.FIRST_DAY <= opinion.collected_on <= demo.LAST_DAY
        and opinion.created_at.date() >= opinion.collected_on - dt.timedelta(days=1)
        for opinion in opinions
    )
    pending_without_area = [o for o in opinions if o.status == "pending" and o.area_id is None]
    assert pending_without_area
    assert all(opinion.suggested_area_id for opinion in pending_without_area)

    published = Opinion.objects.published()
    for phrase in ("miejsca parkingowe", "zieleń w dzielnicy"):
        found = search_opinions(published, phrase).count()
        assert 0 < found < 1500 * 0.1, phrase


def test_sample_cards_are_published_and_count_as_already_imported(
    lublin_consultation: Consultation,
) -> None:
    result = demo.seed_sample_opinions(consultation=lublin_consultation)
    again = demo.seed_sample_opinions(consultation=lublin_consultation)

    assert (result.created, again.created, again.existing) == (240, 0, 240)
    sample = Opinion.objects.all()
    assert not sample.exclude(status=Opinion.Status.PUBLISHED).exists()
    assert not sample.filter(area__isnull=True).exists()
    assert sample.values("area").distinct().count() == 12
    assert sample.filter(district__isnull=False).count() == 144
    assert Opinion.objects.get(text__startswith="Buspasy na głównych").area.slug == (
        "urbanistyka-mobilnosc"
    )
    content = Path(demo.SAMPLE_CSV).read_bytes()
    verdicts = Counter(
        row.verdict
        for chunk in check_rows(read_table(content, "sample.csv").rows, event=None)
        for row in chunk
    )
    assert verdicts == {ImportRow.Verdict.DUPLICATE: 240}


def test_seed_demo_adds_sample_and_generated_opinions_once(
    lublin_process: None, var_dir: Path
) -> None:
    call_command("seed_demo", opinions=150, verbosity=0)
    call_command("seed_demo", opinions=150, verbosity=0)

    answers = Opinion.objects.filter(consultation__kind="open-question")
    assert answers.count() == 240 + 150
    # The consulted draft strategy gets its comments once too.
    comments = Opinion.objects.filter(consultation__kind="document")
    assert comments.count() == consultations_demo.DEFAULT_COMMENTS
    assert Opinion.objects.filter(fingerprint__startswith="demo:2030:").count() == 150
    assert District.objects.filter(opinions__isnull=False).distinct().count() > 20


def test_seed_demo_with_no_opinions(lublin_process: None, var_dir: Path) -> None:
    call_command("seed_demo", opinions=0, verbosity=0)

    assert not Opinion.objects.exists()
