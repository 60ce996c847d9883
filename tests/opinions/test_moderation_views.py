"""The moderation pages: who may use them, htmx and plain posts, conflicts, filters, queries."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lublin2030.models import User
from opinions.models import Channel, Comment, ModerationLog, Opinion
from opinions.services import moderation
from stages.models import Consultation, District, ThematicArea
from tests.factories import EventFactory, OpinionFactory, UserFactory, moderator
from tests.roles import ROLES, client_for, expect_refused

pytestmark = pytest.mark.django_db

ALLOWED = {"moderator", "superuser"}
CONSULTATION = "jaki-ma-byc-lublin-w-2030"
HTMX = {"HTTP_HX_REQUEST": "true"}
QUEUE = "/staff/moderation/"


def client_as(role: str, *, english: bool = True) -> tuple[Client, User | None]:
    # Messages are checked in English; Polish (the default) is in locale/.
    return client_for(role, english=english)


def as_moderator() -> tuple[Client, User]:
    client, user = client_as("moderator")
    assert user is not None
    return client, user


def pending_opinion(**values: object) -> Opinion:
    values.setdefault("consultation", Consultation.objects.get(slug=CONSULTATION))
    return OpinionFactory(status=Opinion.Status.PENDING, **values)


def html_of(response: object) -> str:
    return response.content.decode()  # type: ignore[attr-defined]


@pytest.fixture
def opinion(lublin_process: None) -> Opinion:
    return pending_opinion(
        text="Więcej drzew.\nI ławek <b>w parku</b>.",
        author_email="anna@example.org",
        suggested_area=ThematicArea.objects.get(slug="miasto-zielone"),
        suggested_area_confidence=0.87,
    )


@pytest.fixture
def comment(opinion: Opinion) -> Comment:
    return Comment.objects.create(opinion=opinion, text="Popieram, bardzo potrzebne.")


# --- Who may use the pages -------------------------------------------------------------------


def page_urls(opinion: Opinion) -> list[str]:
    return [
        reverse("opinions:moderation_queue"),
        reverse("opinions:comment_queue"),
        reverse("opinions:staff_opinion", args=[opinion.pk]),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_pages_only_for_moderators(role: str, opinion: Opinion, comment: Comment) -> None:
    client, _user = client_as(role)
    for url in page_urls(opinion):
        response = client.get(url)
        if role in ALLOWED:
            assert response.status_code == 200, url
        else:
            expect_refused(response, role)


def action_posts(opinion: Opinion, comment: Comment) -> list[tuple[str, dict[str, object]]]:
    green = ThematicArea.objects.get(slug="miasto-zielone")
    original = OpinionFactory(consultation=opinion.consultation)
    return [
        (reverse("opinions:moderation_publish", args=[opinion.pk]), {"version": 1}),
        (
            reverse("opinions:moderation_reject", args=[opinion.pk]),
            {"version": 1, "reason": "offensive", "note": "x"},
        ),
        (
            reverse("opinions:moderation_correct", args=[opinion.pk]),
            {"version": 1, "area": green.pk, "district": "", "channel": "cafe"},
        ),
        (reverse("opinions:moderation_accept_suggestion", args=[opinion.pk]), {"version": 1}),
        (
            reverse("opinions:moderation_mark_duplicate", args=[opinion.pk]),
            {"version": 1, "duplicate_of": original.pk},
        ),
        (
            reverse("opinions:moderation_bulk"),
            {"selected": [f"{opinion.pk}:1"], "action": "publish"},
        ),
        (reverse("opinions:comment_publish", args=[comment.pk]), {"version": 1}),
        (
            reverse("opinions:comment_reject", args=[comment.pk]),
            {"version": 1, "reason": "offensive"},
        ),
    ]


@pytest.mark.parametrize("role", sorted(set(ROLES) - ALLOWED))
@pytest.mark.parametrize("htmx", [False, True])
def test_posts_by_others_are_refused_and_change_nothing(
    role: str, htmx: bool, opinion: Opinion, comment: Comment
) -> None:
    client, _user = client_as(role)
    for url, data in action_posts(opinion, comment):
        expect_refused(client.post(url, data, **(HTMX if htmx else {})), role)

    opinion.refresh_from_db()
    comment.refresh_from_db()
    assert (opinion.status, opinion.version, opinion.area_id, opinion.channel) == (
        "pending",
        1,
        None,
        "online",
    )
    assert (comment.status, comment.version) == ("pending", 1)
    assert not ModerationLog.objects.exists()


@pytest.mark.parametrize("role", sorted(ALLOWED))
def test_moderators_and_superusers_may_act(role: str, opinion: Opinion) -> None:
    client, user = client_as(role)
    response = client.post(
        reverse("opinions:moderation_publish", args=[opinion.pk]), {"version": 1}
    )
    assert response.status_code == 302
    opinion.refresh_from_db()
    assert (opinion.status, opinion.moderated_by) == ("published", user)


def test_get_on_an_action_url_changes_nothing(opinion: Opinion) -> None:
    client, _user = as_moderator()
    response = client.get(reverse("opinions:moderation_publish", args=[opinion.pk]))
    assert response.status_code == 405
    opinion.refresh_from_db()
    assert opinion.status == Opinion.Status.PENDING


def test_an_action_on_a_missing_opinion_is_a_404(lublin_process: None) -> None:
    client, _user = as_moderator()
    response = client.post(reverse("opinions:moderation_publish", args=[424242]), {"version": 1})
    assert response.status_code == 404


# --- The queue page ---------------------------------------------------------------------------


def test_queue_shows_each_row_escaped_with_its_details(opinion: Opinion) -> None:
    event = EventFactory(title="Kafejka na Czechowie")
    other = pending_opinion(
        event=event,
        channel=Channel.CAFE,
        district=District.objects.get(slug="czechow-polnocny"),
        is_suspected_spam=True,
        possible_duplicate_of=opinion,
    )
    client, _user = as_moderator()

    response = client.get(QUEUE)

    html = html_of(response)
    assert response.status_code == 200
    assert "Więcej drzew.<br>I ławek &lt;b&gt;w parku&lt;/b&gt;." in html
    assert "<b>w parku</b>" not in html
    assert "Green city" in html or "Miasto zielone" in html
    # The calibrated probability is shown as a band, never as a bare percentage.
    assert "high confidence" in html
    assert "87%" not in html
    row = re.search(rf'<tr id="opinion-{other.pk}".*?</tr>', html, re.S)
    assert row is not None
    other_row = row.group(0)
    assert "Kafejka na Czechowie" in other_row
    assert "Czechów Północny" in other_row
    assert "suspected spam" in other_row
    assert "Possible duplicate of" in other_row and f"#{opinion.pk}</a>" in other_row
    # Every action form carries the version the moderator sees.
    assert other_row.count('name="version" value="1"') == 4
    assert f'value="{other.pk}:1"' in other_row
    assert "js/moderation" in html
    assert "<details" in html and "Keyboard shortcuts" in html


def test_queue_lists_waiting_opinions_oldest_first(lublin_process: None) -> None:
    now = timezone.now()
    newer = pending_opinion(created_at=now - dt.timedelta(hours=1))
    older = pending_opinion(created_at=now - dt.timedelta(days=2))
    published = OpinionFactory(
        consultation=newer.consultation, created_at=now - dt.timedelta(days=5)
    )
    client, _user = as_moderator()

    html = html_of(client.get(QUEUE))
    assert html.index(f'id="opinion-{older.pk}"') < html.index(f'id="opinion-{newer.pk}"')
    assert f'id="opinion-{published.pk}"' not in html

    everything = html_of(client.get(QUEUE, {"status": "all"}))
    positions = [everything.index(f'id="opinion-{o.pk}"') for o in (older, newer, published)]
    assert positions == sorted(positions), "waiting first, then the others"
    only_published = html_of(client.get(QUEUE, {"status": "published"}))
    assert f'id="opinion-{published.pk}"' in only_published
    assert f'id="opinion-{older.pk}"' not in only_published


def test_all_statuses_come_waiting_then_published_then_rejected(lublin_process: None) -> None:
    # The queue orders by the status column itself, so an index gives the order: that
    # needs "pending" to sort before the other statuses.
    assert sorted(Opinion.Status.values)[0] == Opinion.Status.PENDING
    now = timezone.now()
    rejected = OpinionFactory(
        consultation=Consultation.objects.get(slug=CONSULTATION),
        status=Opinion.Status.REJECTED,
        rejection_reason="off-topic",
        created_at=now - dt.timedelta(days=9),
    )
    published_late = OpinionFactory(
        consultation=rejected.consultation, created_at=now - dt.timedelta(days=1)
    )
    published_early = OpinionFactory(
        consultation=rejected.consultation, created_at=now - dt.timedelta(days=8)
    )
    waiting = pending_opinion(created_at=now)
    client, _user = as_moderator()

    html = html_of(client.get(QUEUE, {"status": "all"}))

    order = [waiting, published_early, published_late, rejected]
    positions = [html.index(f'id="opinion-{o.pk}"') for o in order]
    assert positions == sorted(positions)


def test_a_queue_over_the_count_cap_says_so_and_ends_its_pages(
    lublin_process: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("opinions.views.moderation.QUEUE_COUNT_CAP", 3)
    monkeypatch.setattr("opinions.views.moderation.PAGE_SIZE", 2)
    for _number in range(8):
        pending_opinion()
    client, _user = as_moderator()

    html = html_of(client.get(QUEUE))

    title = re.search(r'<h2 id="results-title"[^>]*>(.*?)</h2>', html, re.S)
    assert title is not None
    heading = " ".join(title[1].split())
    if connection.vendor == "postgresql":
        assert re.fullmatch(r"About \d+ opinions, page 1", heading), heading
    else:
        assert heading == "More than 3 opinions, page 1"
    # Pages end after the cap (4 opinions: 2 pages of 2), whatever the real number.
    last = html_of(client.get(QUEUE, {"page": 99}))
    assert len(listed_rows(last)) == 2


def listed_rows(html: str) -> list[int]:
    return [int(number) for number in re.findall(r'<tr id="opinion-(\d+)"', html)]


def test_row_lists_escape_labels_and_mark_the_current_choice(lublin_process: None) -> None:
    area = ThematicArea.objects.get(slug="miasto-zielone")
    area.name_en = 'Green <b>"city"</b>'
    area.save()
    opinion = pending_opinion(area=area, channel="cafe")
    client, _user = as_moderator()

    html = html_of(client.get(QUEUE))

    row = html[html.index(f'id="opinion-{opinion.pk}"') :].split("</tr>")[0]
    assert f'<option value="{area.pk}" selected>Green &lt;b&gt;&quot;city&quot;&lt;/b&gt;' in row
    assert '<option value="cafe" selected>' in row
    # The area and the channel; no district (its list opens on "no district") and no
    # rejection reason chosen yet.
    assert row.count(" selected>") == 2
    assert "<b>" not in row


def test_a_row_keeps_an_area_its_cached_list_lacks(lublin_process: None) -> None:
    from core.html import option_pairs
    from core.html import options_html as options

    pairs = option_pairs([(1, "Sport"), (2, "Kultura")])
    # A value the list has: marked. One it lacks (added after the list was read): added,
    # selected, under the label given, so "Save the corrections" does not clear it.
    assert options(pairs, 2, "Kultura") == (
        '<option value="1">Sport</option><option value="2" selected>Kultura</option>'
    )
    assert options(pairs, 13, "Nowy <obszar>").startswith(
        '<option value="13" selected>Nowy &lt;obszar&gt;</option><option value="1">'
    )
    assert "selected" not in options(pairs, None, "")


def listed(client: Client, **filters: object) -> set[int]:
    html = html_of(client.get(QUEUE, filters))
    return {int(number) for number in re.findall(r'<tr id="opinion-(\d+)"', html)}


def test_queue_filters(lublin_process: None) -> None:
    green = ThematicArea.objects.get(slug="miasto-zielone")
    sport = ThematicArea.objects.get(slug="sport")
    felin = District.objects.get(slug="felin")
    event = EventFactory()
    second = Consultation.objects.create(
        stage=Consultation.objects.get(slug=CONSULTATION).stage,
        slug="druga",
        kind=Consultation.Kind.OPEN_QUESTION,
        title="Druga",
        opens_at=timezone.now() - dt.timedelta(days=1),
        closes_at=timezone.now() + dt.timedelta(days=1),
    )
    in_green = pending_opinion(area=green)
    no_area = pending_opinion()
    in_felin = pending_opinion(area=sport, district=felin, channel=Channel.GAME)
    at_event = pending_opinion(area=sport, event=event, channel=Channel.MOBILE_POINT)
    spam = pending_opinion(area=sport, is_suspected_spam=True)
    suggested = pending_opinion(area=sport, suggested_area=green, suggested_area_confidence=0.6)
    agreed = pending_opinion(area=green, suggested_area=green, suggested_area_confidence=0.9)
    elsewhere = pending_opinion(area=sport, consultation=second)
    client, _user = as_moderator()

    assert listed(client, area="miasto-zielone") == {in_green.pk, agreed.pk}
    assert listed(client, area="none") == {no_area.pk}
    assert listed(client, district="felin") == {in_felin.pk}
    assert listed(client, channel="game") == {in_felin.pk}
    assert listed(client, event=event.pk) == {at_event.pk}
    assert listed(client, consultation="druga") == {elsewhere.pk}
    assert listed(client, spam="on") == {spam.pk}
    assert listed(client, suggestion="on") == {suggested.pk}
    assert listed(client, area="sport", channel="mobile-point") == {at_event.pk}


def test_an_unknown_filter_value_is_reported_not_a_crash(opinion: Opinion) -> None:
    client, _user = as_moderator()
    response = client.get(QUEUE, {"area": "no-such-area", "event": "abc"})
    assert response.status_code == 200
    assert "errorlist" in html_of(response)
    assert f'id="opinion-{opinion.pk}"' in html_of(response)


def test_queue_is_paginated_by_25_and_pages_keep_the_filters(lublin_process: None) -> None:
    for _ in range(26):
        pending_opinion(channel=Channel.GAME)
    client, _user = as_moderator()

    first = html_of(client.get(QUEUE, {"channel": "game"}))
    assert first.count('<tr id="opinion-') == 25
    assert "?channel=game&amp;page=2" in first
    second = html_of(client.get(QUEUE, {"channel": "game", "page": 2}))
    assert second.count('<tr id="opinion-') == 1


def test_htmx_filtering_returns_only_the_results(opinion: Opinion) -> None:
    client, _user = as_moderator()
    response = client.get(QUEUE, {"status": "pending"}, **HTMX)
    html = html_of(response)
    assert html.lstrip().startswith('<div id="queue-results">')
    assert "<html" not in html
    assert f'id="opinion-{opinion.pk}"' in html
    assert "HX-Request" in response["Vary"]


def test_queue_query_count_does_not_grow_with_rows(
    lublin_process: None, django_assert_num_queries: Callable[..., object]
) -> None:
    client, _user = as_moderator()
    event = EventFactory()
    green = ThematicArea.objects.get(slug="miasto-zielone")
    felin = District.objects.get(slug="felin")

    def make(count: int) -> None:
        for number in range(count):
            pending_opinion(
                area=green if number % 2 else None,
                suggested_area=green,
                suggested_area_confidence=0.5,
                district=felin,
                event=event,
                possible_duplicate_of=Opinion.objects.first(),
                is_suspected_spam=bool(number % 3),
            )

    client.get(QUEUE)  # areas, districts, events and consultations, into the cache
    for rows in (5, 20):
        Opinion.objects.all().delete()
        make(rows)
        # 1 session, 2 user, 3 the user's groups (for the permission; `rules` caches them on
        # the user), 4 how many opinions match (paginator, stopping at the cap), 5 the page
        # of opinions with their moderator joined (the menu asks the rules alone). Areas,
        # districts, events and consultations (filters, row forms, and each row's own) come
        # from the cache.
        with django_assert_num_queries(5):  # type: ignore[operator]
            response = client.get(QUEUE)
        assert html_of(response).count('<tr id="opinion-') == rows


# --- Actions: plain posts and htmx -------------------------------------------------------------


def test_publish_without_js_redirects_back_to_the_filtered_queue(opinion: Opinion) -> None:
    client, user = as_moderator()
    back = f"{QUEUE}?area=none&channel=online"

    response = client.post(
        reverse("opinions:moderation_publish", args=[opinion.pk]), {"version": 1, "next": back}
    )

    assert response.status_code == 302
    assert response.url == back
    opinion.refresh_from_db()
    assert (opinion.status, opinion.moderated_by) == ("published", user)
    assert f"Opinion #{opinion.pk} published." in html_of(client.get(response.url))


def test_next_may_not_lead_off_the_site(opinion: Opinion) -> None:
    client, _user = as_moderator()
    response = client.post(
        reverse("opinions:moderation_publish", args=[opinion.pk]),
        {"version": 1, "next": "https://evil.example/"},
    )
    assert response.url == QUEUE


def test_publish_with_htmx_returns_the_updated_row(opinion: Opinion) -> None:
    client, _user = as_moderator()

    response = client.post(
        reverse("opinions:moderation_publish", args=[opinion.pk]),
        {"version": 1, "next": f"{QUEUE}?status=all"},
        **HTMX,
    )

    html = html_of(response)
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<tr id="opinion-{opinion.pk}"')
    assert "<html" not in html
    assert "HX-Request" in response["Vary"]
    assert f"Opinion #{opinion.pk} published." in html
    assert 'name="version" value="2"' in html
    assert f'value="{QUEUE}?status=all"' in html
    assert 'data-action="publish"' not in html, "nothing left to publish"
    # No message waits for the next full page: htmx showed it in the row.
    assert f"Opinion #{opinion.pk} published." not in html_of(client.get(QUEUE))


def test_reject_with_htmx_keeps_the_note_for_the_author(opinion: Opinion) -> None:
    client, _user = as_moderator()
    response = client.post(
        reverse("opinions:moderation_reject", args=[opinion.pk]),
        {"version": 1, "reason": "off-topic", "note": "Napisz proszę o przyszłości miasta.\x00"},
        **HTMX,
    )
    assert response.status_code == 200
    opinion.refresh_from_db()
    assert (opinion.status, opinion.rejection_reason) == ("rejected", "off-topic")
    assert opinion.rejection_note == "Napisz proszę o przyszłości miasta."
    assert "Napisz proszę o przyszłości miasta." in html_of(response)


def test_correct_and_accept_suggestion_and_duplicate_through_the_views(opinion: Opinion) -> None:
    client, _user = as_moderator()
    sport = ThematicArea.objects.get(slug="sport")
    felin = District.objects.get(slug="felin")
    original = OpinionFactory(consultation=opinion.consultation)

    client.post(
        reverse("opinions:moderation_correct", args=[opinion.pk]),
        {"version": 1, "area": sport.pk, "district": felin.pk, "channel": "game"},
    )
    client.post(reverse("opinions:moderation_accept_suggestion", args=[opinion.pk]), {"version": 2})
    client.post(
        reverse("opinions:moderation_mark_duplicate", args=[opinion.pk]),
        {"version": 3, "duplicate_of": original.pk},
    )

    opinion.refresh_from_db()
    assert opinion.area is not None and opinion.area.slug == "miasto-zielone"
    assert (opinion.district, opinion.channel) == (felin, "game")
    assert (opinion.status, opinion.duplicate_of) == ("rejected", original)
    actions = ModerationLog.objects.filter(opinion=opinion).values_list("action", flat=True)
    assert sorted(actions) == ["accept-suggestion", "correct", "mark-duplicate"]


def test_a_stale_version_with_htmx_is_a_409_showing_the_row_as_it_is(opinion: Opinion) -> None:
    colleague = UserFactory(display_name="Ewa Kowalska", roles=["Moderators"])
    moderation.publish_opinion(opinion_id=opinion.pk, moderator=colleague, expected_version=1)
    client, _user = as_moderator()

    response = client.post(
        reverse("opinions:moderation_reject", args=[opinion.pk]),
        {"version": 1, "reason": "offensive"},
        **HTMX,
    )

    html = html_of(response)
    assert response.status_code == 409
    assert html.lstrip().startswith(f'<tr id="opinion-{opinion.pk}"')
    assert "Another moderator already handled this opinion: now published by Ewa Kowalska." in html
    assert 'name="version" value="2"' in html
    opinion.refresh_from_db()
    assert (opinion.status, opinion.moderated_by) == ("published", colleague)
    assert ModerationLog.objects.count() == 1


def test_a_stale_version_without_js_redirects_with_the_message(opinion: Opinion) -> None:
    colleague = UserFactory(display_name="Ewa Kowalska", roles=["Moderators"])
    moderation.reject_opinion(
        opinion_id=opinion.pk, moderator=colleague, expected_version=1, reason="offensive"
    )
    client, _user = as_moderator()

    response = client.post(
        reverse("opinions:moderation_publish", args=[opinion.pk]),
        {"version": 1, "next": QUEUE + "?status=all"},
    )

    assert response.status_code == 302
    page = html_of(client.get(response.url))
    assert (
        "Another moderator already handled this opinion: now not published by Ewa Kowalska." in page
    )
    opinion.refresh_from_db()
    assert opinion.status == Opinion.Status.REJECTED


def test_reject_without_a_reason_keeps_the_note_with_htmx(opinion: Opinion) -> None:
    client, _user = as_moderator()
    response = client.post(
        reverse("opinions:moderation_reject", args=[opinion.pk]),
        {"version": 1, "reason": "", "note": "Tekst, który <wpisałam>"},
        **HTMX,
    )
    html = html_of(response)
    assert response.status_code == 422
    assert "Tekst, który &lt;wpisałam&gt;" in html
    assert f'aria-describedby="reject-reason-{opinion.pk}-error"' in html
    assert "Choose a reason from the list." in html
    opinion.refresh_from_db()
    assert opinion.status == Opinion.Status.PENDING


def test_reject_without_a_reason_without_js_shows_the_opinion_page_with_the_note(
    opinion: Opinion,
) -> None:
    client, _user = as_moderator()
    response = client.post(
        reverse("opinions:moderation_reject", args=[opinion.pk]),
        {"version": 1, "reason": "", "note": "Tekst, który wpisałam", "next": QUEUE + "?spam=on"},
    )
    html = html_of(response)
    assert response.status_code == 400
    assert "<html" in html
    assert "Tekst, który wpisałam" in html
    assert 'aria-invalid="true"' in html
    # The page links back to the queue the moderator came from.
    assert f'href="{QUEUE}?spam=on"' in html


def test_duplicate_of_a_missing_or_the_same_opinion_is_explained(opinion: Opinion) -> None:
    client, _user = as_moderator()
    url = reverse("opinions:moderation_mark_duplicate", args=[opinion.pk])

    missing = client.post(url, {"version": 1, "duplicate_of": 999999}, **HTMX)
    itself = client.post(url, {"version": 1, "duplicate_of": opinion.pk}, **HTMX)

    assert missing.status_code == itself.status_code == 422
    assert "There is no opinion number 999999." in html_of(missing)
    assert 'value="999999"' in html_of(missing)
    assert "An opinion cannot duplicate itself." in html_of(itself)
    opinion.refresh_from_db()
    assert opinion.version == 1


def test_the_queue_shows_bands_in_polish_and_no_suggestion_below_the_threshold(
    lublin_process: None,
) -> None:
    green = ThematicArea.objects.get(slug="miasto-zielone")
    sure = pending_opinion(suggested_area=green, suggested_area_confidence=0.75)
    fair = pending_opinion(suggested_area=green, suggested_area_confidence=0.55)
    unsure = pending_opinion(suggested_area=green, suggested_area_confidence=0.2)
    client, _user = client_as("moderator", english=False)

    html = html_of(client.get(QUEUE))

    def row(opinion: Opinion) -> str:
        found = re.search(rf'<tr id="opinion-{opinion.pk}".*?</tr>', html, re.S)
        assert found is not None
        return found.group(0)

    assert "wysoka pewność" in row(sure) and "Miasto zielone" in row(sure)
    assert "średnia pewność" in row(fair)
    # Below the threshold (stored by an older model): no suggestion, nothing to accept.
    assert "pewność" not in row(unsure)
    assert 'data-action="accept"' not in row(unsure)
    assert 'data-action="accept"' in row(sure)
    assert "%" not in re.sub(r"<(script|style).*?</\1>", "", row(sure), flags=re.S)
    assert listed(client, suggestion="on") == {sure.pk, fair.pk}
    refused = client.post(
        reverse("opinions:moderation_accept_suggestion", args=[unsure.pk]), {"version": 1}, **HTMX
    )
    assert refused.status_code == 422
    unsure.refresh_from_db()
    assert unsure.area_id is None


def test_accepting_when_there_is_no_suggestion_is_explained(lublin_process: None) -> None:
    opinion = pending_opinion()
    client, _user = as_moderator()
    response = client.post(
        reverse("opinions:moderation_accept_suggestion", args=[opinion.pk]),
        {"version": 1},
        **HTMX,
    )
    assert response.status_code == 422
    assert "There is no suggestion for this opinion." in html_of(response)


# --- Bulk ----------------------------------------------------------------------------------------


def test_bulk_publish_reports_done_and_already_handled(lublin_process: None) -> None:
    fresh = [pending_opinion() for _ in range(3)]
    raced = pending_opinion()
    colleague = UserFactory(display_name="Ewa Kowalska", roles=["Moderators"])
    moderation.publish_opinion(opinion_id=raced.pk, moderator=colleague, expected_version=1)
    client, _user = as_moderator()

    response = client.post(
        reverse("opinions:moderation_bulk") + "?channel=online",
        {"selected": [f"{o.pk}:1" for o in [*fresh, raced]], "action": "publish"},
    )

    assert response.status_code == 302
    assert response.url == QUEUE + "?channel=online"
    page = html_of(client.get(response.url))
    assert "Published 3 opinions." in page
    assert f"#{raced.pk} (now published by Ewa Kowalska)" in page
    assert Opinion.objects.filter(status="published").count() == 4
    assert ModerationLog.objects.filter(actor=colleague).count() == 1


def test_bulk_reject_needs_a_reason_and_keeps_what_was_typed(lublin_process: None) -> None:
    opinions = [pending_opinion() for _ in range(2)]
    client, _user = as_moderator()

    response = client.post(
        reverse("opinions:moderation_bulk"),
        {"selected": [f"{o.pk}:1" for o in opinions], "action": "reject", "note": "Spam firmy"},
    )

    html = html_of(response)
    assert response.status_code == 400
    assert "Choose a reason for rejecting the selected opinions." in html
    assert "Spam firmy" in html
    for opinion in opinions:
        assert f'value="{opinion.pk}:1" data-action="select" checked' in html
    assert not Opinion.objects.filter(status="rejected").exists()


def test_bulk_reject_with_a_reason(lublin_process: None) -> None:
    opinions = [pending_opinion() for _ in range(2)]
    client, _user = as_moderator()
    response = client.post(
        reverse("opinions:moderation_bulk"),
        {
            "selected": [f"{o.pk}:1" for o in opinions],
            "action": "reject",
            "reason": "advertising",
            "note": "Reklama.",
        },
    )
    assert response.status_code == 302
    assert "Rejected 2 opinions." in html_of(client.get(response.url))
    assert Opinion.objects.filter(status="rejected", rejection_note="Reklama.").count() == 2


def test_bulk_with_nothing_selected_is_explained(opinion: Opinion) -> None:
    client, _user = as_moderator()
    response = client.post(reverse("opinions:moderation_bulk"), {"action": "publish"})
    assert response.status_code == 400
    assert "Select at least one opinion." in html_of(response)


# --- The staff page of one opinion ------------------------------------------------------------


def test_staff_opinion_page_shows_everything_and_a_readable_log(opinion: Opinion) -> None:
    anna = UserFactory(display_name="Anna Nowak", roles=["Moderators"])
    sport = ThematicArea.objects.get(slug="sport")
    moderation.correct_opinion(
        opinion_id=opinion.pk,
        moderator=anna,
        expected_version=1,
        area=sport,
        district=None,
        channel=Channel.CAFE,
    )
    moderation.reject_opinion(
        opinion_id=opinion.pk, moderator=anna, expected_version=2, reason="off-topic"
    )
    Comment.objects.create(opinion=opinion, text="Komentarz <i>do</i> opinii.")
    client, _user = as_moderator()

    html = html_of(client.get(reverse("opinions:staff_opinion", args=[opinion.pk])))

    assert "anna@example.org" in html
    assert "Więcej drzew.<br>I ławek &lt;b&gt;w parku&lt;/b&gt;." in html
    assert "Anna Nowak" in html
    assert "Thematic area: — → Sport" in html
    assert "Channel: online form → Participation Café" in html
    assert "Status: waiting for moderation → not published" in html
    assert "Reason: — → not about the city&#x27;s future" in html
    assert "Komentarz &lt;i&gt;do&lt;/i&gt; opinii." in html
    # The calibrated probability is shown as a band, never as a bare percentage.
    assert "high confidence" in html
    assert "87%" not in html


def test_staff_opinion_query_count(
    opinion: Opinion, django_assert_num_queries: Callable[..., object]
) -> None:
    anna = moderator()
    moderation.correct_opinion(
        opinion_id=opinion.pk,
        moderator=anna,
        expected_version=1,
        area=None,
        district=District.objects.get(slug="felin"),
        channel=Channel.GAME,
    )
    moderation.publish_opinion(opinion_id=opinion.pk, moderator=anna, expected_version=2)
    for number in range(3):
        Comment.objects.create(opinion=opinion, text=f"Komentarz numer {number}.", author=anna)
    client, _user = as_moderator()
    # 1 session, 2 user, 3 the user's groups, 4 the opinion with its area, suggested area,
    # district, event, consultation, moderator, author and import batch joined, 5 areas,
    # 6 districts, 7 the log with actors, 8 the comments with authors and moderators.
    with django_assert_num_queries(8):  # type: ignore[operator]
        response = client.get(reverse("opinions:staff_opinion", args=[opinion.pk]))
    assert html_of(response).count("Komentarz numer") == 3


# --- Comments --------------------------------------------------------------------------------


def test_comment_queue_lists_pending_comments_oldest_first(comment: Comment) -> None:
    later = Comment.objects.create(
        opinion=comment.opinion, text="Drugi komentarz <script>.", created_at=timezone.now()
    )
    Comment.objects.create(
        opinion=comment.opinion, text="Opublikowany już.", status=Opinion.Status.PUBLISHED
    )
    client, _user = as_moderator()

    html = html_of(client.get(reverse("opinions:comment_queue")))

    assert html.index(f'id="comment-{comment.pk}"') < html.index(f'id="comment-{later.pk}"')
    assert "Drugi komentarz &lt;script&gt;." in html
    assert "Opublikowany już." not in html


def test_comment_publish_with_htmx_and_a_409_for_the_slower_moderator(comment: Comment) -> None:
    first, _user = as_moderator()
    second, _other = as_moderator()
    url = reverse("opinions:comment_publish", args=[comment.pk])

    won = first.post(url, {"version": 1}, **HTMX)
    lost = second.post(
        reverse("opinions:comment_reject", args=[comment.pk]),
        {"version": 1, "reason": "offensive"},
        **HTMX,
    )

    assert won.status_code == 200
    assert html_of(won).lstrip().startswith(f'<tr id="comment-{comment.pk}"')
    # The queue's count is replaced with the row: the published comment no longer waits.
    waiting = html_of(won)[html_of(won).index('<h2 id="comments-waiting" hx-swap-oob="true">') :]
    assert waiting.split("</h2>")[0].endswith(">0 comments waiting")
    assert lost.status_code == 409
    assert "Another moderator already handled this comment: now published by" in html_of(lost)
    comment.refresh_from_db()
    comment.opinion.refresh_from_db()
    assert comment.status == Opinion.Status.PUBLISHED
    assert comment.opinion.comment_count == 1


def test_comment_reject_without_js_needs_a_reason(comment: Comment) -> None:
    client, _user = as_moderator()
    url = reverse("opinions:comment_reject", args=[comment.pk])

    refused = client.post(url, {"version": 1, "reason": ""})
    assert refused.status_code == 302
    assert "Choose a reason from the list." in html_of(client.get(refused.url))

    done = client.post(url, {"version": 1, "reason": "offensive"})
    assert done.status_code == 302
    comment.refresh_from_db()
    assert (comment.status, comment.rejection_reason) == ("rejected", "offensive")


def test_comment_queue_query_count(
    opinion: Opinion, django_assert_num_queries: Callable[..., object]
) -> None:
    client, _user = as_moderator()
    for rows in (3, 12):
        Comment.objects.all().delete()
        for number in range(rows):
            Comment.objects.create(opinion=opinion, text=f"Komentarz {number}.")
        # 1 session, 2 user, 3 groups, 4 how many comments wait (paginator), 5 the page of
        # comments with their opinion, author and moderator joined.
        with django_assert_num_queries(5):  # type: ignore[operator]
            response = client.get(reverse("opinions:comment_queue"))
        assert html_of(response).count('<tr id="comment-') == rows


def test_pages_are_polish_by_default(opinion: Opinion) -> None:
    client, _user = client_as("moderator", english=False)
    html = html_of(client.get(QUEUE))
    assert '<html lang="pl">' in html


def test_comment_reject_without_a_reason_with_htmx_comes_back_explained(comment: Comment) -> None:
    client, _user = as_moderator()
    response = client.post(
        reverse("opinions:comment_reject", args=[comment.pk]),
        {"version": 1, "reason": ""},
        **HTMX,
    )
    html = html_of(response)
    # 422 rather than 400, which django-htmx's debug script would turn into a whole page.
    assert response.status_code == 422
    assert html.lstrip().startswith(f'<tr id="comment-{comment.pk}"')
    assert f'aria-describedby="comment-reason-{comment.pk}-error"' in html
    comment.refresh_from_db()
    assert comment.status == Opinion.Status.PENDING


def test_the_queue_finds_opinions_by_their_words_or_number(lublin_process: None) -> None:
    from opinions.analysis.text import lemma_string

    trees = pending_opinion(text="Posadźmy więcej drzew przy ulicach Czechowa.")
    buses = pending_opinion(text="Autobusy na Felin powinny jeździć częściej.")
    for opinion in (trees, buses):
        Opinion.objects.filter(pk=opinion.pk).update(lemmas=lemma_string(opinion.text))
    client, _user = as_moderator()
    url = reverse("opinions:moderation_queue")

    by_word = html_of(client.get(url, {"q": "drzewa"}))
    by_number = html_of(client.get(url, {"q": f"#{buses.pk}"}))

    assert f'id="opinion-{trees.pk}"' in by_word and f'id="opinion-{buses.pk}"' not in by_word
    assert f'id="opinion-{buses.pk}"' in by_number and f'id="opinion-{trees.pk}"' not in by_number
