"""The anonymous page cache (core/pagecache.py): public pages served from the cache to
visitors who are not signed in, never one person's session, message or CSRF token to
another, and a write seen on the next request."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.http import HttpResponse
from django.middleware.csrf import _unmask_cipher_token  # type: ignore[attr-defined]
from django.test import Client
from django.test.signals import template_rendered
from django.urls import reverse
from django.utils import timezone

from core.pagecache import CACHE_HEADER
from opinions.models import Opinion
from stages.models import StageUpdate
from tests.factories import (
    TEST_PASSWORD,
    DocumentConsultationFactory,
    DocumentVersionFactory,
    OpinionFactory,
    SectionFactory,
    StageUpdateFactory,
    UserFactory,
    editor,
    moderator,
)
from tests.opinions.test_support_comments import pressed

pytestmark = pytest.mark.django_db

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture(autouse=True)
def page_cache(settings: Any) -> None:
    settings.PAGE_CACHE_SECONDS = 30


def client_with(**cookies: str) -> Client:
    client = Client()
    client.cookies.load(cookies)
    return client


def without_tokens(html: bytes) -> str:
    return CSRF_INPUT.sub("", html.decode())


def list_url() -> str:
    return reverse("opinions:list")


def test_an_anonymous_list_is_served_from_the_cache_per_language() -> None:
    OpinionFactory(text="Więcej ławek nad Bystrzycą.")
    first = Client().get(list_url())
    second = Client().get(list_url())
    english = client_with(django_language="en").get(list_url())

    assert first[CACHE_HEADER] == "miss"
    assert second[CACHE_HEADER] == "hit"
    assert without_tokens(second.content) == without_tokens(first.content)
    assert "Więcej ławek nad Bystrzycą." in second.content.decode()
    assert english[CACHE_HEADER] == "miss"  # its own entry, in its own language
    assert english["Content-Language"] == "en"


def test_a_signed_in_resident_never_gets_nor_fills_the_cache() -> None:
    OpinionFactory()
    person = UserFactory(username="mieszkanka-ola")
    signed_in = Client()
    signed_in.force_login(person)
    anonymous = Client()

    anonymous.get(list_url())  # cached for anonymous visitors
    own = signed_in.get(list_url())
    other = anonymous.get(list_url())

    assert CACHE_HEADER not in own
    assert "mieszkanka-ola" in own.content.decode() or person.get_username() in str(own.context)
    assert other[CACHE_HEADER] == "hit"
    assert "mieszkanka-ola" not in other.content.decode()
    assert signed_in.cookies["sessionid"].value not in other.content.decode()


def test_a_message_and_a_supporter_cookie_stay_with_their_visitor() -> None:
    opinion = OpinionFactory(text="Więcej koszy na śmieci w parkach.")
    supporter = Client()
    page = opinion.get_absolute_url()
    supporter.get(page)  # the page gives this browser its supporter cookie
    Client().get(list_url())  # a list in the cache

    supported = supporter.post(reverse("opinions:support", kwargs={"pk": opinion.pk}))
    own_page, own_list = supporter.get(page), supporter.get(list_url())
    other_page, other_list = Client().get(page), Client().get(list_url())

    assert supported.status_code == 302
    assert supported.cookies["messages"].value  # the „thank you” waits in a cookie
    assert CACHE_HEADER not in own_page and CACHE_HEADER not in own_list
    assert pressed(own_page.content.decode()) == "true"
    assert "Dziękujemy" in own_page.content.decode()
    for other in (other_page, other_list):
        html = other.content.decode()
        assert "Dziękujemy" not in html
        assert "messages" not in other.cookies
    assert pressed(other_page.content.decode()) == "false"
    assert other_list[CACHE_HEADER] == "miss"  # the support started a new generation
    # The supporter's browser id is never in another's page nor given to another.
    own_id = supporter.cookies["visitor"].value
    assert own_id not in other_page.content.decode()
    assert other_page.cookies["visitor"].value != own_id


SUBMISSION_KEY = re.compile(r'name="submission_key" value="([^"]+)"')


def test_a_browser_with_a_visitor_id_is_served_the_cached_lists_but_its_own_opinion_page(
    settings: Any,
) -> None:
    opinion = OpinionFactory(text="Więcej koszy na śmieci w parkach.")
    page = opinion.get_absolute_url()
    reader = Client()
    reader.get(page)  # the opinion's page gives this browser its id
    assert reader.cookies["visitor"].value
    assert reader.post(reverse("opinions:support", kwargs={"pk": opinion.pk})).status_code == 302
    reader.get(page)  # the „thank you” read: only the id (and CSRF) cookies are left
    reader.cookies.pop("messages", None)
    Client().get(list_url())  # a list in the cache, as every visitor without cookies sees it

    own_list, own_page = reader.get(list_url()), reader.get(page)

    assert own_list[CACHE_HEADER] == "hit"  # the list does not read the id: the shared copy
    assert CACHE_HEADER not in own_page  # the opinion's page does: rendered for this browser
    assert pressed(own_page.content.decode()) == "true"
    assert pressed(Client().get(page).content.decode()) == "false"
    # Without the setting, the id keeps a browser out of the cache, as any unknown cookie does.
    settings.PAGE_CACHE_NEUTRAL_COOKIES = {}
    assert CACHE_HEADER not in reader.get(list_url())


def test_the_visitor_cookie_is_the_one_the_cache_knows_as_neutral(settings: Any) -> None:
    from opinions import browsers

    assert settings.PAGE_CACHE_NEUTRAL_COOKIES[browsers.COOKIE] == ("opinions:detail",)


def test_the_opinion_page_is_cached_and_each_copy_gets_its_own_visitor_id_and_nonce() -> None:
    opinion = OpinionFactory(text="Więcej koszy na śmieci w parkach.")
    page = opinion.get_absolute_url()
    visitors = [Client() for _ in range(3)]

    pages = [visitor.get(page) for visitor in visitors]

    assert [response[CACHE_HEADER] for response in pages] == ["miss", "hit", "hit"]
    ids = [visitor.cookies["visitor"].value for visitor in visitors]
    nonces = [SUBMISSION_KEY.findall(response.content.decode()) for response in pages]
    assert len(set(ids)) == 3  # the cookie is given afresh to each, never stored with the page
    assert all(len(found) == 1 for found in nonces)
    assert len({found[0] for found in nonces}) == 3
    for response in pages:
        assert not any(visitor_id in response.content.decode() for visitor_id in ids)
    # A visitor served a copy supports with the id it got, and is then served their own page.
    reader = visitors[2]
    assert reader.post(reverse("opinions:support", kwargs={"pk": opinion.pk})).status_code == 302
    own = reader.get(page)
    assert CACHE_HEADER not in own
    assert pressed(own.content.decode()) == "true"
    assert pressed(Client().get(page).content.decode()) == "false"


def test_comments_sent_from_two_copies_of_the_cached_page_are_two_comments() -> None:
    # Browsers that keep no cookie: the comment's key is then the form's nonce alone, so two
    # copies with one nonce would make the second person's comment a "double click".
    opinion = OpinionFactory()
    page = opinion.get_absolute_url()
    nonces = [SUBMISSION_KEY.findall(Client().get(page).content.decode())[0] for _ in range(2)]
    texts = ("Zgadzam się w pełni, ławki są potrzebne.", "Też tak uważam, kosze są za rzadko.")
    for nonce, text in zip(nonces, texts, strict=True):
        Client().post(
            reverse("opinions:comment", kwargs={"pk": opinion.pk}),
            {"text": text, "author_name": "", "submission_key": nonce},
        )
    assert opinion.comments.count() == 2


def test_each_visitor_gets_a_csrf_token_of_their_own_from_a_cached_page() -> None:
    OpinionFactory()
    first, second = Client(), client_with(csrftoken="a" * 32)
    pages = [first.get(list_url()), second.get(list_url())]

    tokens = [CSRF_INPUT.findall(page.content.decode()) for page in pages]
    secrets = [first.cookies["csrftoken"].value, "a" * 32]
    assert [page[CACHE_HEADER] for page in pages] == ["miss", "hit"]
    assert all(tokens)  # the language switch's form at least
    for own, secret, other_secret in zip(tokens, secrets, reversed(secrets), strict=True):
        assert {_unmask_cipher_token(token) for token in own} == {secret}
        assert other_secret not in own
    # The second visitor's token works for a POST (the language switch).
    switched = second.post(
        reverse("set_language"),
        {"language": "en", "next": "/", "csrfmiddlewaretoken": tokens[1][0]},
        enforce_csrf_checks=True,
    )
    assert switched.status_code == 302


def test_a_write_is_seen_on_the_next_request() -> None:
    pending = OpinionFactory(
        text="Parking rowerowy przy dworcu metropolitalnym.", status=Opinion.Status.PENDING
    )
    staff = Client()
    staff.force_login(moderator())
    before = Client().get(list_url())

    published = staff.post(
        reverse("opinions:moderation_publish", args=[pending.pk]), {"version": 1}
    )
    after = Client().get(list_url())

    assert "Parking rowerowy przy dworcu" not in before.content.decode()
    assert published.status_code in (200, 302)
    assert after[CACHE_HEADER] == "miss"
    assert "Parking rowerowy przy dworcu" in after.content.decode()


def test_pages_not_listed_are_not_cached() -> None:
    response = Client().get(reverse("health"))
    assert CACHE_HEADER not in response


# --- No stampede: one request renders an expired page, the others get the previous copy ------

LIST_TEMPLATE = "opinions/public/list.html"


@contextmanager
def while_rendering(template: str, request: Callable[[], HttpResponse]) -> Iterator[list[Any]]:
    """Make `request` (another visitor's) once, while the page's template is being rendered:
    a request that arrives while the page is rendered again. Its response is yielded."""
    made: list[HttpResponse] = []
    arrived: list[bool] = []

    def arrive(sender: Any, template: Any, **kwargs: Any) -> None:
        if template.name == wanted and not arrived:
            arrived.append(True)  # before: the other request renders the template too
            made.append(request())

    wanted = template
    template_rendered.connect(arrive)
    try:
        yield made
    finally:
        template_rendered.disconnect(arrive)


def later(seconds: int) -> Any:
    return time_machine.travel(timezone.now() + dt.timedelta(seconds=seconds))


def test_an_expired_page_is_rendered_once_while_others_get_the_previous_copy() -> None:
    OpinionFactory(text="Więcej ławek nad Bystrzycą.")
    assert Client().get(list_url())[CACHE_HEADER] == "miss"
    OpinionFactory(text="Fontanna na placu Litewskim.")  # not through a request: no new generation

    with later(31), while_rendering(LIST_TEMPLATE, lambda: Client().get(list_url())) as others:
        rendered = Client().get(list_url())
        after = Client().get(list_url())

    [other] = others
    assert rendered[CACHE_HEADER] == "miss"  # this one renders the page again
    assert "Fontanna na placu Litewskim." in rendered.content.decode()
    assert other[CACHE_HEADER] == "stale"  # meanwhile: the previous copy, not a second render
    assert "Więcej ławek nad Bystrzycą." in other.content.decode()
    assert "Fontanna na placu Litewskim." not in other.content.decode()
    assert after[CACHE_HEADER] == "hit"
    assert "Fontanna na placu Litewskim." in after.content.decode()


def test_after_a_write_one_request_renders_while_others_get_the_previous_copy() -> None:
    pending = OpinionFactory(
        text="Parking rowerowy przy dworcu metropolitalnym.", status=Opinion.Status.PENDING
    )
    staff = Client()
    staff.force_login(moderator())
    Client().get(list_url())
    staff.post(reverse("opinions:moderation_publish", args=[pending.pk]), {"version": 1})

    with while_rendering(LIST_TEMPLATE, lambda: Client().get(list_url())) as others:
        rendered = Client().get(list_url())

    [other] = others
    assert rendered[CACHE_HEADER] == "miss"
    assert "Parking rowerowy przy dworcu" in rendered.content.decode()
    assert other[CACHE_HEADER] == "stale"
    assert "Parking rowerowy przy dworcu" not in other.content.decode()
    assert Client().get(list_url())[CACHE_HEADER] == "hit"


def test_without_a_previous_copy_each_request_renders() -> None:
    OpinionFactory()
    with while_rendering(LIST_TEMPLATE, lambda: Client().get(list_url())) as others:
        first = Client().get(list_url())

    assert first[CACHE_HEADER] == "miss"
    assert others[0][CACHE_HEADER] == "miss"  # nothing to stand in: rendered, not kept waiting


def test_a_copy_past_the_stale_age_is_never_served(settings: Any) -> None:
    OpinionFactory(text="Więcej ławek nad Bystrzycą.")
    Client().get(list_url())
    OpinionFactory(text="Fontanna na placu Litewskim.")

    too_old = settings.PAGE_CACHE_SECONDS + settings.PAGE_CACHE_STALE_SECONDS + 1
    with later(too_old), while_rendering(LIST_TEMPLATE, lambda: Client().get(list_url())) as others:
        first = Client().get(list_url())

    for response in (first, others[0]):
        assert response[CACHE_HEADER] == "miss"
        assert "Fontanna na placu Litewskim." in response.content.decode()


def test_a_render_that_stores_nothing_releases_the_page() -> None:
    update = StageUpdateFactory()
    page = reverse("stages:update_detail", args=[update.pk])
    assert Client().get(page)[CACHE_HEADER] == "miss"
    StageUpdate.objects.filter(pk=update.pk).update(status=StageUpdate.Status.DRAFT)

    with later(31):
        gone = Client().get(page)  # rendered again: a 404, not stored
        again = Client().get(page)

    assert gone.status_code == 404
    assert again.status_code == 404  # rendered too: not the previous copy behind a held lock
    assert CACHE_HEADER not in again


# --- Which writes start a new generation ------------------------------------------------------


def test_an_answer_waiting_for_moderation_keeps_the_copies_and_its_publication_does_not(
    lublin_process: None,
) -> None:
    text = "Ścieżka rowerowa wzdłuż Czechówki aż do Ogrodu Saskiego, oświetlona nocą."
    Client().get(list_url())
    answered = Client().post(
        reverse("opinions:answer", kwargs={"slug": "jaki-ma-byc-lublin-w-2030"}),
        {"text": text, "area": "", "district": "", "age_band": "", "relation": "",
         "email": "", "website": "", "submission_key": str(uuid.uuid4())},
    )  # fmt: skip
    kept = Client().get(list_url())
    staff = Client()
    staff.force_login(moderator())
    pending = Opinion.objects.get(text=text)
    staff.post(reverse("opinions:moderation_publish", args=[pending.pk]), {"version": 1})
    after = Client().get(list_url())

    assert answered.status_code == 302 and pending.status == Opinion.Status.PENDING
    assert kept[CACHE_HEADER] == "hit"  # nothing public changed: the copy stays
    assert after[CACHE_HEADER] == "miss"
    assert "Czechówki" in after.content.decode()


def test_a_comment_waiting_for_moderation_keeps_the_copies() -> None:
    opinion = OpinionFactory()
    page = opinion.get_absolute_url()
    reader = Client()
    reader.get(page)
    commented = reader.post(
        reverse("opinions:comment", kwargs={"pk": opinion.pk}),
        {"text": "Zgadzam się, ławek brakuje.", "author_name": "", "submission_key": ""},
    )

    assert commented.status_code == 302 and opinion.comments.get().status == "pending"
    assert Client().get(page)[CACHE_HEADER] == "hit"


def test_signing_in_and_switching_the_language_keep_the_copies() -> None:
    person = UserFactory()
    EmailAddress.objects.create(user=person, email=person.email, verified=True, primary=True)
    Client().get(list_url())
    visitor = Client()

    switched = visitor.post(reverse("set_language"), {"language": "en", "next": "/"})
    signed_in = visitor.post(
        reverse("account_login"), {"login": person.email, "password": TEST_PASSWORD}
    )

    assert switched.status_code == signed_in.status_code == 302
    assert visitor.session["_auth_user_id"] == str(person.pk)
    assert Client().get(list_url())[CACHE_HEADER] == "hit"


def test_an_editor_publishing_an_update_starts_a_new_generation() -> None:
    update = StageUpdateFactory(
        status=StageUpdate.Status.DRAFT, publish_at=None, title="Nabór do grup roboczych"
    )
    Client().get("/")
    staff = Client()
    staff.force_login(editor())

    staff.post(reverse("stages:staff_update_publish", args=[update.pk]))
    after = Client().get("/")

    assert after[CACHE_HEADER] == "miss"
    assert "Nabór do grup roboczych" in after.content.decode()


def test_a_consultation_document_is_served_from_the_cache() -> None:
    version = DocumentVersionFactory(consultation=DocumentConsultationFactory(slug="projekt"))
    SectionFactory(version=version, key="cel-1", number="1", heading="Cel 1", body="Tekst celu.")
    url = reverse("opinions:consultation", args=["projekt"])

    first, second = Client().get(url), Client().get(url)

    assert (first[CACHE_HEADER], second[CACHE_HEADER]) == ("miss", "hit")
    assert "Tekst celu." in second.content.decode()
