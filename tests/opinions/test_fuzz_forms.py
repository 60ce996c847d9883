"""Every form post endpoint fed hypothesis-generated input: no 500, typed text shown escaped,
and each post saves either nothing or one complete object.

Long, empty, Unicode, control characters and NUL (which PostgreSQL refuses in text), HTML
and script, and spreadsheet formula prefixes. The database is not rolled back between
hypothesis examples (the `db` fixture is per test), so every check is on the change in row
counts that one post made.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.db.models import Model
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import event as outcome
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from pytest_django.fixtures import Settings

from lublin2030.models import User
from opinions.models import (
    TEXT_MAX_LENGTH,
    TEXT_MIN_LENGTH,
    AgeBand,
    Channel,
    Comment,
    Event,
    ModerationLog,
    Opinion,
    RejectionReason,
    Relation,
    Support,
)
from opinions.services import commenting
from stages.models import Consultation, District, Stage, StageUpdate, ThematicArea
from tests.factories import OpinionFactory, editor, moderator

pytestmark = pytest.mark.django_db

SENTENCE = "Więcej drzew i ławek w cieniu na Starym Mieście, bo latem jest za gorąco."

FUZZ = hypothesis_settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# --- Generated input ------------------------------------------------------------------------

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "</textarea><script>alert(1)</script>",
    "'><svg onload=alert(1)>",
    "<SCRIPT SRC=//x.example/x.js></SCRIPT>",
    "javascript:alert(1)",
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://x.example","x")',
    "+1",
    "-1",
    "@SUM(1)",
    "\x00",
    "\r\n",
    "\r",
    "\t",
    "\x1b[31m",
    "\x85",
    "\u202e",
    "\u2028",
    "\u0301",
    "\ufeff",
    "{{ request }}",
    "{% debug %}",
    "%(title)s %s",
    "\U0001f600",
    "Zażółć gęślą jaźń",
]
UTF8_CHARS = st.characters(codec="utf-8")  # every code point but the surrogates
CONTROL_CHARS = st.characters(codec="utf-8", categories=["Cc", "Cf", "Zl", "Zp", "Mn"])
PIECES = st.one_of(
    st.sampled_from(PAYLOADS),
    st.text(UTF8_CHARS, max_size=40),
    st.text(CONTROL_CHARS, min_size=1, max_size=4),
)
MIXED = st.lists(PIECES, max_size=8).map("".join)
# Up to 20,000 characters without making hypothesis generate each of them.
LONG = st.builds(
    lambda unit, length: (unit * length)[:length],
    st.one_of(st.sampled_from(PAYLOADS), st.text(UTF8_CHARS, min_size=1, max_size=8)),
    st.integers(min_value=200, max_value=20_000),
)
FUZZ_TEXT = st.one_of(st.just(""), st.text(UTF8_CHARS, max_size=200), MIXED, LONG)
# Short enough for a 200-character field, still full of markup and control characters.
SHORT = st.lists(PIECES, max_size=3).map(lambda pieces: "".join(pieces)[:60])
NUMBERS = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.sampled_from(["0", "1.5", "1e3", " 7 ", "١", "NaN", "∞", "0x10"]),
)
# What a choice field or a number is most likely to choke on.
ODD_CHOICES = ["\x00", "1\x00", " ", "\u202e1", "9" * 30, "-1", "=1+1", PAYLOADS[0], "[]"]
ODD = st.one_of(st.sampled_from(ODD_CHOICES), FUZZ_TEXT, NUMBERS)


def mostly(
    valid: st.SearchStrategy[str], odd: st.SearchStrategy[str] = ODD
) -> st.SearchStrategy[str]:
    """A valid value four times in five, anything else the fifth.

    A form of six fields is then saved about one post in four, so the checks on saved rows
    run too; shrinking goes towards the valid value, so a failing example shows only the
    fields that matter.
    """
    return st.integers(min_value=0, max_value=4).flatmap(lambda n: odd if n == 4 else valid)


def choice(valid: Iterable[object]) -> st.SearchStrategy[str]:
    """A valid value of a choice field, or anything at all."""
    return mostly(st.sampled_from([str(value) for value in valid]))


def prefixed(prefix: str, rest: st.SearchStrategy[str] = SHORT) -> st.SearchStrategy[str]:
    return rest.map(lambda value: prefix + value)


# What a person writes, surrounded by what a robot adds: long enough to pass, mostly.
TEXT = mostly(st.tuples(MIXED, st.just(SENTENCE), MIXED).map("".join), FUZZ_TEXT)
ANY_KEY = st.one_of(st.uuids().map(str), FUZZ_TEXT)


# --- What every response and every saved row must satisfy -----------------------------------

# Control characters other than newline, and the direction overrides: clean_text removes
# them (tabs become spaces). Not the C1 controls (U+0080–U+009F), which it keeps: see
# test_clean_text_removes_c1_controls in test_fuzz_import.py.
FORBIDDEN_IN_TEXT = re.compile(r"[\x00-\x09\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
# The author's private link: a fresh secrets.token_urlsafe(24), 32 URL-safe characters.
TRACKING_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")
INJECTED = (
    re.compile(r"<script\b[^>]*>\s*alert", re.IGNORECASE),
    re.compile(r"<script\b[^>]*\bsrc=//x\.example", re.IGNORECASE),
    re.compile(r"<(img|svg)\b[^<>]*\bon(error|load)=", re.IGNORECASE),
)


def script_tags(html: str) -> int:
    return len(re.findall(r"<script", html, re.IGNORECASE))


def assert_safe_response(response: Any, *, script_budget: int) -> None:
    """No 5xx; an HTML page shows typed markup only escaped.

    The templates' own script tags are counted on the page as it is without any input
    (`script_budget`): a typed "<script" shown raw would be one more.
    """
    assert response.status_code < 500, response.status_code
    if not response.get("Content-Type", "").startswith("text/html"):
        return
    html = response.content.decode()
    for pattern in INJECTED:
        assert not pattern.search(html), pattern.search(html)
    assert script_tags(html) <= script_budget


class ScriptBudget:
    """The script tags of each page without any input, counted once per test."""

    def __init__(self) -> None:
        self.counted: dict[str, int] = {}

    def of(self, client: Client, url: str, *, page: str = "") -> int:
        key = page or url
        if key not in self.counted:
            response = client.get(url)
            assert response.status_code == 200
            self.counted[key] = script_tags(response.content.decode())
        return self.counted[key]


@pytest.fixture
def scripts() -> ScriptBudget:
    return ScriptBudget()


class RowCounts:
    """Rows of the tables a form could write, before and after one post."""

    MODELS: tuple[type[Model], ...] = (
        Opinion,
        Comment,
        ModerationLog,
        Support,
        Event,
        StageUpdate,
    )

    def __init__(self) -> None:
        self.before = self._now()

    @classmethod
    def _now(cls) -> dict[str, int]:
        return {model.__name__: model._default_manager.count() for model in cls.MODELS}

    def changed(self) -> dict[str, int]:
        after = self._now()
        return {
            name: after[name] - count for name, count in self.before.items() if after[name] != count
        }


def assert_clean_text(value: str, *, min_length: int = 0, max_length: int | None = None) -> None:
    assert "\x00" not in value
    assert not FORBIDDEN_IN_TEXT.search(value), repr(value)
    assert value == value.strip()
    assert len(value) >= min_length
    if max_length is not None:
        assert len(value) <= max_length


def assert_complete_opinion(opinion: Opinion) -> None:
    assert TRACKING_TOKEN.fullmatch(opinion.tracking_token), opinion.tracking_token
    # New: its first version, which no moderator has touched.
    assert (opinion.version, opinion.moderated_by_id) == (1, None)
    assert_clean_text(opinion.text, min_length=TEXT_MIN_LENGTH, max_length=TEXT_MAX_LENGTH)
    assert opinion.channel in Channel.values
    assert opinion.age_band in ["", *AgeBand.values]
    assert opinion.relation in ["", *Relation.values]
    assert opinion.status == Opinion.Status.PENDING
    assert "\x00" not in opinion.author_email


def newest(model: type[Model]) -> Any:
    return model._default_manager.order_by("-pk").first()


# --- Fixtures -------------------------------------------------------------------------------


def fuzz_client(user: User | None = None) -> Client:
    # A 500 is observed as a status, not raised into the test.
    client = Client(raise_request_exception=False)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def no_rate_limit(settings: Settings) -> None:
    # The cache is cleared per test, not per hypothesis example: 40 posts from one client.
    settings.OPINION_RATE_LIMIT = 100_000


def area_pks() -> list[int]:
    return list(ThematicArea.objects.values_list("pk", flat=True))


def district_pks() -> list[int]:
    return list(District.objects.values_list("pk", flat=True))


# --- The resident's answer form -------------------------------------------------------------


@FUZZ
@given(data=st.data())
def test_answer_form_never_fails_and_saves_whole_opinions(
    data: st.DataObject,
    scripts: ScriptBudget,
    lublin_consultation: Consultation,
    no_rate_limit: None,
) -> None:
    client = fuzz_client()
    url = reverse("opinions:answer", kwargs={"slug": lublin_consultation.slug})
    budget = scripts.of(client, url)
    post = {
        "text": data.draw(TEXT, label="text"),
        "area": data.draw(choice(["", *area_pks()]), label="area"),
        "district": data.draw(choice(["", *district_pks()]), label="district"),
        "age_band": data.draw(choice(["", *AgeBand.values]), label="age_band"),
        "relation": data.draw(choice(["", *Relation.values]), label="relation"),
        "email": data.draw(mostly(st.sampled_from(["", "ania@example.org"])), label="email"),
        "website": data.draw(mostly(st.just(""), FUZZ_TEXT), label="website"),
        "submission_key": data.draw(ANY_KEY, label="submission_key"),
    }
    counts = RowCounts()

    response = client.post(url, post)

    assert_safe_response(response, script_budget=budget)
    changed = counts.changed()
    outcome(f"{response.status_code} {sorted(changed)}")
    assert changed in ({}, {"Opinion": 1}), changed
    if changed:
        assert response.status_code == 302
        opinion = newest(Opinion)
        assert_complete_opinion(opinion)
        assert opinion.submission_key is not None
        assert opinion.consultation == lublin_consultation
        assert response.url == opinion.get_tracking_url()
        # The author's page shows the saved text escaped.
        tracking = client.get(response.url)
        assert tracking.status_code == 200
        assert_safe_response(tracking, script_budget=budget)
    elif response.status_code == 302:
        # The same submission key again: the opinion it already made, not a second one.
        token = response.url.rstrip("/").rsplit("/", 1)[-1]
        assert Opinion.objects.filter(tracking_token=token).exists(), response.url
    else:
        assert response.status_code == 200, response.status_code


# --- Comments -------------------------------------------------------------------------------


@FUZZ
@given(data=st.data())
def test_comment_form_never_fails_and_saves_whole_comments(
    data: st.DataObject,
    scripts: ScriptBudget,
    lublin_consultation: Consultation,
    no_rate_limit: None,
) -> None:
    opinion = OpinionFactory(consultation=lublin_consultation)
    client = fuzz_client()
    url = reverse("opinions:comment", kwargs={"pk": opinion.pk})
    budget = scripts.of(client, opinion.get_absolute_url(), page="detail")
    post = {
        "text": data.draw(TEXT, label="text"),
        "author_name": data.draw(mostly(SHORT, FUZZ_TEXT), label="author_name"),
        "website": data.draw(mostly(st.just(""), FUZZ_TEXT), label="website"),
        "submission_key": data.draw(ANY_KEY, label="submission_key"),
    }
    counts = RowCounts()

    response = client.post(url, post)

    assert_safe_response(response, script_budget=budget)
    changed = counts.changed()
    outcome(f"{response.status_code} {sorted(changed)}")
    assert changed in ({}, {"Comment": 1}), changed
    if not changed:
        return
    assert response.status_code == 302
    comment = newest(Comment)
    assert comment.opinion == opinion
    assert comment.status == Opinion.Status.PENDING
    assert_clean_text(comment.text, min_length=TEXT_MIN_LENGTH, max_length=TEXT_MAX_LENGTH)
    assert_clean_text(comment.author_name, max_length=80)
    # Once published, it is shown on the opinion's page: escaped.
    commenting.moderate_comment(
        comment_id=comment.pk, moderator=moderator(), expected_version=1, publish=True
    )
    page = client.get(opinion.get_absolute_url())
    assert page.status_code == 200
    assert_safe_response(page, script_budget=budget)


# --- Moderation: reject, correct, mark as duplicate -----------------------------------------


def pending(consultation: Consultation) -> Opinion:
    return OpinionFactory(consultation=consultation, status=Opinion.Status.PENDING)


def version_field(data: st.DataObject) -> str:
    return data.draw(mostly(st.just("1")), label="version")


def next_field(data: st.DataObject) -> dict[str, str]:
    chosen = data.draw(
        st.one_of(
            st.none(),
            st.none(),
            st.just("/staff/moderation/?status=pending"),
            st.sampled_from(["//evil.example/", "https://evil.example/", "javascript:alert(1)"]),
            st.tuples(st.just("/staff/moderation/?q="), FUZZ_TEXT).map("".join),
            FUZZ_TEXT,
        ),
        label="next",
    )
    return {} if chosen is None else {"next": chosen}


def assert_moderation_outcome(
    response: Any, counts: RowCounts, opinion: Opinion, *, script_budget: int
) -> Opinion | None:
    """No 5xx; nothing changed, or one logged change; the moderator is never sent away."""
    assert_safe_response(response, script_budget=script_budget)
    changed = counts.changed()
    outcome(f"{response.status_code} {sorted(changed)}")
    assert changed in ({}, {"ModerationLog": 1}), changed
    if response.status_code in (301, 302):
        # `next` may send the moderator anywhere on the site, never to another one.
        target = urlsplit(response.url)
        assert target.scheme in ("", "http", "https"), response.url
        assert target.netloc in ("", "testserver"), response.url
    before_version = opinion.version
    opinion.refresh_from_db()
    if not changed:
        assert opinion.version == before_version
        assert opinion.status == Opinion.Status.PENDING
        return None
    assert opinion.version == before_version + 1
    log = newest(ModerationLog)
    assert log.opinion_id == opinion.pk
    assert "\x00" not in log.note
    return opinion


@FUZZ
@given(data=st.data())
def test_reject_form_never_fails_and_keeps_a_clean_note(
    data: st.DataObject,
    scripts: ScriptBudget,
    lublin_consultation: Consultation,
    moderator_client: Client,
) -> None:
    opinion = pending(lublin_consultation)
    url = reverse("opinions:moderation_reject", args=[opinion.pk])
    budget = scripts.of(
        moderator_client, reverse("opinions:staff_opinion", args=[opinion.pk]), page="staff"
    )
    post = {
        "version": version_field(data),
        "reason": data.draw(choice(["", *RejectionReason.values]), label="reason"),
        "note": data.draw(FUZZ_TEXT, label="note"),
        **next_field(data),
    }
    htmx = data.draw(st.booleans(), label="htmx")
    counts = RowCounts()

    response = moderator_client.post(url, post, headers={"HX-Request": "true"} if htmx else {})

    rejected = assert_moderation_outcome(response, counts, opinion, script_budget=budget)
    if rejected is None:
        return
    assert rejected.status == Opinion.Status.REJECTED
    assert rejected.rejection_reason in RejectionReason.values
    assert_clean_text(rejected.rejection_note, max_length=2000)
    # The note is shown to the author and to the moderators: escaped.
    for page_url in (
        rejected.get_tracking_url(),
        reverse("opinions:staff_opinion", args=[rejected.pk]),
    ):
        page = moderator_client.get(page_url)
        assert page.status_code == 200
        assert_safe_response(page, script_budget=budget)


@FUZZ
@given(data=st.data())
def test_correct_form_never_fails_and_keeps_valid_choices(
    data: st.DataObject,
    scripts: ScriptBudget,
    lublin_consultation: Consultation,
    moderator_client: Client,
) -> None:
    opinion = pending(lublin_consultation)
    url = reverse("opinions:moderation_correct", args=[opinion.pk])
    budget = scripts.of(
        moderator_client, reverse("opinions:staff_opinion", args=[opinion.pk]), page="staff"
    )
    post = {
        "version": version_field(data),
        "area": data.draw(choice(["", *area_pks()]), label="area"),
        "district": data.draw(choice(["", *district_pks()]), label="district"),
        "channel": data.draw(choice(Channel.values), label="channel"),
        **next_field(data),
    }
    counts = RowCounts()

    response = moderator_client.post(url, post)

    corrected = assert_moderation_outcome(response, counts, opinion, script_budget=budget)
    if corrected is not None:
        assert corrected.channel in Channel.values
        assert corrected.status == Opinion.Status.PENDING


@FUZZ
@given(data=st.data())
def test_duplicate_form_never_fails_and_points_to_another_opinion(
    data: st.DataObject,
    scripts: ScriptBudget,
    lublin_consultation: Consultation,
    moderator_client: Client,
) -> None:
    original = OpinionFactory(consultation=lublin_consultation)
    opinion = pending(lublin_consultation)
    url = reverse("opinions:moderation_mark_duplicate", args=[opinion.pk])
    budget = scripts.of(
        moderator_client, reverse("opinions:staff_opinion", args=[opinion.pk]), page="staff"
    )
    post = {
        "version": version_field(data),
        "duplicate_of": data.draw(choice([original.pk, opinion.pk, 10**12]), label="duplicate"),
        **next_field(data),
    }
    htmx = data.draw(st.booleans(), label="htmx")
    counts = RowCounts()

    response = moderator_client.post(url, post, headers={"HX-Request": "true"} if htmx else {})

    marked = assert_moderation_outcome(response, counts, opinion, script_budget=budget)
    if marked is not None:
        assert marked.status == Opinion.Status.REJECTED
        assert marked.rejection_reason == RejectionReason.DUPLICATE
        # Any other existing opinion is a valid target (earlier examples leave opinions
        # behind, and the drawn text may name one of them), never the opinion itself.
        assert marked.duplicate_of_id != opinion.pk
        assert Opinion.objects.filter(pk=marked.duplicate_of_id).exists()


# --- Paper input: events and typing cards in ------------------------------------------------


@FUZZ
@given(data=st.data())
def test_event_form_never_fails_and_saves_whole_events(
    data: st.DataObject, scripts: ScriptBudget, event: Event, moderator_client: Client
) -> None:
    url = reverse("opinions:event_create")
    budget = scripts.of(moderator_client, url)
    post = {
        "kind": data.draw(choice(Event.Kind.values), label="kind"),
        "title": data.draw(mostly(prefixed("Kafejka "), FUZZ_TEXT), label="title"),
        "held_on": data.draw(
            mostly(
                st.one_of(
                    st.dates().map(dt.date.isoformat),
                    st.dates().map(lambda day: f"{day.day}.{day.month}.{day.year}"),
                )
            ),
            label="held_on",
        ),
        "place": data.draw(mostly(SHORT, FUZZ_TEXT), label="place"),
        "district": data.draw(choice(["", *district_pks()]), label="district"),
        "participants": data.draw(mostly(st.sampled_from(["", "0", "25"])), label="participants"),
        "facilitator": data.draw(mostly(SHORT, FUZZ_TEXT), label="facilitator"),
        "notes": data.draw(FUZZ_TEXT, label="notes"),
    }
    counts = RowCounts()

    response = moderator_client.post(url, post)

    assert_safe_response(response, script_budget=budget)
    changed = counts.changed()
    outcome(f"{response.status_code} {sorted(changed)}")
    assert changed in ({}, {"Event": 1}), changed
    if not changed:
        assert response.status_code == 200
        return
    assert response.status_code == 302
    saved = newest(Event)
    assert saved.title.strip()
    assert len(saved.title) <= 200
    for value in (saved.title, saved.place, saved.facilitator, saved.notes):
        assert "\x00" not in value
    assert saved.kind in Event.Kind.values
    assert saved.participants is None or 0 <= saved.participants <= 2**31 - 1
    # The list and the type-in page show the event's text escaped.
    for page_url, clean_page in (
        (reverse("opinions:event_list"), reverse("opinions:event_list")),
        (reverse("opinions:typein", args=[saved.pk]), reverse("opinions:typein", args=[event.pk])),
    ):
        page_budget = scripts.of(moderator_client, clean_page)
        page = moderator_client.get(page_url)
        assert page.status_code == 200
        assert_safe_response(page, script_budget=page_budget)


@FUZZ
@given(data=st.data())
def test_typein_form_never_fails_and_saves_whole_opinions(
    data: st.DataObject,
    scripts: ScriptBudget,
    event: Event,
    lublin_consultation: Consultation,
    moderator_client: Client,
) -> None:
    url = reverse("opinions:typein", args=[event.pk])
    budget = scripts.of(moderator_client, url)
    post = {
        "text": data.draw(TEXT, label="text"),
        "area": data.draw(choice(["", *area_pks()]), label="area"),
        "age_band": data.draw(choice(["", *AgeBand.values]), label="age_band"),
        "district": data.draw(choice(["", *district_pks()]), label="district"),
        "channel": data.draw(choice(Channel.values), label="channel"),
        "collected_on": data.draw(
            mostly(
                st.one_of(
                    st.dates(max_value=dt.date(2026, 1, 1)).map(dt.date.isoformat),
                    st.dates().map(lambda day: f"{day.day:02}.{day.month:02}.{day.year}"),
                )
            ),
            label="collected_on",
        ),
        "consultation": data.draw(choice([lublin_consultation.pk]), label="consultation"),
        "submission_key": data.draw(ANY_KEY, label="submission_key"),
    }
    htmx = data.draw(st.booleans(), label="htmx")
    counts = RowCounts()

    response = moderator_client.post(url, post, headers={"HX-Request": "true"} if htmx else {})

    assert_safe_response(response, script_budget=budget)
    changed = counts.changed()
    outcome(f"{response.status_code} {sorted(changed)}")
    assert changed in ({}, {"Opinion": 1}), changed
    if not changed:
        return
    opinion = newest(Opinion)
    assert_complete_opinion(opinion)
    assert opinion.event == event
    assert opinion.collected_on <= dt.date.today() + dt.timedelta(days=1)
    # The page lists the last cards typed in: escaped.
    page = moderator_client.get(url)
    assert_safe_response(page, script_budget=budget)


# --- Stage updates (editors) ----------------------------------------------------------------


@FUZZ
@given(data=st.data())
def test_stage_update_form_never_fails_and_saves_whole_drafts(
    data: st.DataObject, scripts: ScriptBudget, lublin_process: None
) -> None:
    client = fuzz_client(editor())
    url = reverse("stages:staff_update_create")
    budget = scripts.of(client, url)
    stages = list(Stage.objects.values_list("pk", flat=True))
    post = {
        "stage": data.draw(choice(stages), label="stage"),
        "title": data.draw(mostly(prefixed("Nowość "), FUZZ_TEXT), label="title"),
        "body": data.draw(mostly(prefixed("Treść ", MIXED), FUZZ_TEXT), label="body"),
    }
    counts = RowCounts()

    response = client.post(url, post)

    assert_safe_response(response, script_budget=budget)
    changed = counts.changed()
    outcome(f"{response.status_code} {sorted(changed)}")
    assert changed in ({}, {"StageUpdate": 1}), changed
    if not changed:
        assert response.status_code == 200
        return
    assert response.status_code == 302
    update = newest(StageUpdate)
    assert update.status == StageUpdate.Status.DRAFT
    assert update.title.strip() and len(update.title) <= 200
    assert "\x00" not in update.title + update.body
    # The preview renders the body as Markdown: raw HTML in it is shown as text.
    preview = client.get(response.url)
    assert preview.status_code == 200
    assert_safe_response(preview, script_budget=budget)


# --- The public list's filters (a GET form) -------------------------------------------------


@FUZZ
@given(data=st.data())
def test_opinion_list_filters_never_fail(
    data: st.DataObject, scripts: ScriptBudget, lublin_consultation: Consultation
) -> None:
    client = fuzz_client()
    url = reverse("opinions:list")
    budget = scripts.of(client, url)
    slugs = list(ThematicArea.objects.values_list("slug", flat=True)[:3])
    query = {
        name: data.draw(st.one_of(st.none(), strategy), label=name)
        for name, strategy in {
            "q": FUZZ_TEXT,
            "area": choice(slugs),
            "district": choice(["stare-miasto"]),
            "channel": choice(Channel.values),
            "event": choice(["1"]),
            "consultation": choice([lublin_consultation.slug]),
            "sort": choice(["newest", "supported"]),
            "page": NUMBERS,
        }.items()
    }

    response = client.get(url, {name: value for name, value in query.items() if value is not None})

    assert_safe_response(response, script_budget=budget)
