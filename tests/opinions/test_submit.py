"""Answering the open question: the form, its validation, idempotency, spam and closed dates."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from opinions.models import TEXT_MAX_LENGTH, Opinion
from opinions.services import submission
from stages.models import Consultation, District, ThematicArea
from tests.factories import ConsultationFactory, UserFactory

pytestmark = pytest.mark.django_db

SLUG = "jaki-ma-byc-lublin-w-2030"
TEXT = "Więcej drzew na Starym Mieście i ławek w cieniu, bo latem nie da się tam wytrzymać."


def answer_url(slug: str = SLUG) -> str:
    return reverse("opinions:answer", kwargs={"slug": slug})


def form_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "text": TEXT,
        "area": "",
        "district": "",
        "age_band": "",
        "relation": "",
        "email": "",
        "website": "",
        "submission_key": str(uuid.uuid4()),
    }
    data.update(overrides)
    return data


def test_the_form_has_every_field_labelled_and_the_privacy_notice(
    client: Client, lublin_process: None
) -> None:
    response = client.get(answer_url())

    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="pl">' in html
    for name in ("text", "area", "district", "age_band", "relation", "email", "website"):
        assert f'for="id_{name}"' in html, name
    assert html.count("<option") >= 12 + 27 + 7 + 4
    # The limits are stated in the hint the text area points to.
    assert 'aria-describedby="id_text_helptext"' in html
    assert str(TEXT_MAX_LENGTH) in html
    assert 'aria-live="polite"' in html
    # A fresh submission key per rendered form.
    key = re.search(r'name="submission_key" value="([0-9a-f-]{36})"', html)
    assert key is not None
    assert key.group(1) not in client.get(answer_url()).content.decode()
    # The honeypot is hidden from people and from the keyboard.
    assert 'aria-hidden="true"' in html
    assert re.search(r'<input[^>]*name="website"[^>]*tabindex="-1"', html)
    assert re.search(r'<input[^>]*name="website"[^>]*autocomplete="off"', html)
    # The GDPR art. 13 notice, folded; it names the controller.
    assert '<details class="notice">' in html
    assert "Prezydent Miasta Lublin" in html


def test_answer_current_goes_to_the_open_question(client: Client, lublin_process: None) -> None:
    response = client.get(reverse("opinions:answer_current"))
    assert response.status_code == 302
    assert response.url == answer_url()


def test_answer_current_between_consultations_shows_the_next_one(client: Client) -> None:
    later = ConsultationFactory(
        opens_at=timezone.now() + dt.timedelta(days=10),
        closes_at=timezone.now() + dt.timedelta(days=40),
    )
    ConsultationFactory(
        opens_at=timezone.now() - dt.timedelta(days=40),
        closes_at=timezone.now() - dt.timedelta(days=10),
    )
    response = client.get(reverse("opinions:answer_current"))
    assert response.url == answer_url(later.slug)


def test_answer_current_without_any_question_is_404(client: Client) -> None:
    assert client.get(reverse("opinions:answer_current")).status_code == 404


def test_only_open_questions_take_answers_here(client: Client) -> None:
    other = ConsultationFactory(kind=Consultation.Kind.DOCUMENT)
    assert client.get(answer_url(other.slug)).status_code == 404


def test_a_valid_answer_is_saved_pending_and_leads_to_its_tracking_page(
    client: Client, lublin_process: None, django_capture_on_commit_callbacks: Any
) -> None:
    area = ThematicArea.objects.get(slug="miasto-zielone")
    district = District.objects.get(name="Stare Miasto")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            answer_url(),
            form_data(
                area=area.pk,
                district=district.pk,
                age_band="25-34",
                relation="works",
                email="  ania@example.org ",
            ),
        )

    opinion = Opinion.objects.get()
    assert response.status_code == 302
    assert response.url == opinion.get_tracking_url()
    assert (opinion.status, opinion.channel, opinion.is_suspected_spam) == (
        "pending",
        "online",
        False,
    )
    assert (opinion.area, opinion.district) == (area, district)
    assert (opinion.age_band, opinion.relation) == ("25-34", "works")
    assert opinion.author_email == "ania@example.org"
    assert opinion.consultation.slug == SLUG
    assert opinion.author is None
    # Sent after commit: the analysis task, and (an address was given) the tracking link.
    assert len(callbacks) == 2

    tracking = client.get(response.url)
    html = tracking.content.decode()
    assert tracking.status_code == 200
    assert TEXT in html
    assert 'class="message message--success"' in html  # the one-time thank-you
    assert 'class="message' not in client.get(response.url).content.decode()


def test_a_signed_in_resident_is_recorded_as_the_author(
    client: Client, lublin_process: None
) -> None:
    user = UserFactory()
    client.force_login(user)
    client.post(answer_url(), form_data())
    assert Opinion.objects.get().author == user


def test_double_click_and_resend_make_one_opinion(client: Client, lublin_process: None) -> None:
    data = form_data()

    first = client.post(answer_url(), data)
    second = client.post(answer_url(), data)
    third = Client().post(answer_url(), data)  # a retry from a fresh connection

    assert Opinion.objects.count() == 1
    assert first.url == second.url == third.url


def test_a_damaged_submission_key_is_replaced_not_reported(
    client: Client, lublin_process: None
) -> None:
    response = client.post(answer_url(), form_data(submission_key="not-a-uuid"))
    assert response.status_code == 302
    assert Opinion.objects.get().submission_key is not None


def test_a_too_short_answer_is_explained_and_nothing_typed_is_lost(
    client: Client, lublin_process: None
) -> None:
    area = ThematicArea.objects.get(slug="miasto-zielone")
    response = client.post(
        answer_url(),
        form_data(text="Za mało", area=area.pk, email="ania@example.org", relation="lives"),
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert not Opinion.objects.exists()
    assert "Za mało</textarea>" in html
    assert 'value="ania@example.org"' in html
    assert f'<option value="{area.pk}" selected>' in html
    assert '<option value="lives" selected>' in html
    # The error is announced at the top, links to the field, and the field points to it.
    assert 'class="error-summary"' in html
    assert 'href="#id_text"' in html
    assert re.search(r'<textarea[^>]*aria-invalid="true"', html)
    assert re.search(r'<textarea[^>]*aria-describedby="id_text_helptext id_text_error"', html)
    assert 'id="id_text_error"' in html


def test_a_too_long_answer_is_kept_whole(client: Client, lublin_process: None) -> None:
    long_text = "Lublin " * 800  # 5,600 characters
    response = client.post(answer_url(), form_data(text=long_text))

    html = response.content.decode()
    assert response.status_code == 200
    assert not Opinion.objects.exists()
    assert long_text.strip() in html
    assert str(TEXT_MAX_LENGTH) in html
    assert "maxlength" not in re.search(r"<textarea[^>]*>", html).group(0)


def test_a_bad_email_keeps_the_text(client: Client, lublin_process: None) -> None:
    response = client.post(answer_url(), form_data(email="ania(at)example"))
    html = response.content.decode()
    assert TEXT in html
    assert 'href="#id_email"' in html
    assert not Opinion.objects.exists()


def test_typed_html_is_shown_back_escaped(client: Client, lublin_process: None) -> None:
    response = client.post(answer_url(), form_data(text="<b>ok</b>"))  # too short: shown back
    html = response.content.decode()
    assert "<b>ok</b>" not in html
    assert "&lt;b&gt;ok&lt;/b&gt;" in html


def test_a_filled_honeypot_saves_the_opinion_as_suspected_spam(
    client: Client, lublin_process: None
) -> None:
    response = client.post(answer_url(), form_data(website="http://cheap-pills.example"))

    opinion = Opinion.objects.get()
    assert response.status_code == 302
    assert opinion.is_suspected_spam
    assert opinion.status == Opinion.Status.PENDING  # to the moderators, not to the bin


def test_before_it_opens_there_is_no_form_but_the_opening_date(
    client: Client, lublin_process: None
) -> None:
    with time_machine.travel(dt.datetime(2019, 9, 15, 12, tzinfo=dt.UTC)):
        response = client.get(answer_url())
        posted = client.post(answer_url(), form_data())

    html = response.content.decode()
    assert response.status_code == 200
    assert "<textarea" not in html
    assert "1 października 2019" in html
    assert posted.status_code == 409
    assert not Opinion.objects.exists()


def test_after_it_closes_there_is_no_form_and_a_late_answer_is_given_back(
    client: Client, lublin_process: None
) -> None:
    with time_machine.travel(dt.datetime(2031, 1, 15, 12, tzinfo=dt.UTC)):
        response = client.get(answer_url())
        posted = client.post(answer_url(), form_data())

    html = response.content.decode()
    assert '<form method="post" action="/consultations/' not in html
    assert 'name="submission_key"' not in html
    assert "31 grudnia 2030" in html
    assert posted.status_code == 409
    assert not Opinion.objects.exists()
    late = posted.content.decode()
    assert TEXT in late  # shown back, read-only, so it can be copied
    assert "readonly" in late


def test_the_service_refuses_a_closed_consultation_even_with_an_old_form(client: Client) -> None:
    consultation = ConsultationFactory(
        opens_at=timezone.now() - dt.timedelta(days=10),
        closes_at=timezone.now() + dt.timedelta(minutes=5),
    )
    form_html = client.get(answer_url(consultation.slug)).content.decode()
    key = re.search(r'name="submission_key" value="([0-9a-f-]{36})"', form_html).group(1)

    with time_machine.travel(timezone.now() + dt.timedelta(minutes=10)):
        response = client.post(answer_url(consultation.slug), form_data(submission_key=key))

    assert response.status_code == 409
    assert not Opinion.objects.exists()


def test_english_visitors_get_the_english_form(client: Client, lublin_process: None) -> None:
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(answer_url()).content.decode()
    assert "What should Lublin be like in 2030?" in html
    assert "I don&#x27;t know" in html or "I don't know" in html


def test_a_submission_is_one_insert(
    client: Client, lublin_process: None, django_assert_num_queries: Any
) -> None:
    client.get(answer_url())  # the consultations and the form's lists, into the cache
    area = ThematicArea.objects.get(slug="miasto-zielone")
    # The consultation comes from the cache with the form's lists; then the INSERT, in a
    # savepoint here because the test runs inside a transaction (on its own it is one
    # statement in autocommit). No look-up of the submission key first: its unique
    # constraint answers a resend.
    with django_assert_num_queries(3):
        response = client.post(answer_url(), form_data(area=area.pk))
    assert response.status_code == 302
    assert Opinion.objects.get().area == area


def test_a_consultation_closed_meanwhile_takes_no_answer_despite_the_cache(
    client: Client, lublin_process: None
) -> None:
    client.get(answer_url())  # the consultation, into the cache
    consultation = Consultation.objects.get(slug=SLUG)
    consultation.closes_at = timezone.now() - dt.timedelta(minutes=1)
    consultation.save(update_fields=["closes_at"])

    response = client.post(answer_url(), form_data())

    assert response.status_code == 409
    assert not Opinion.objects.exists()
    assert TEXT in response.content.decode()  # given back, not lost


def test_a_resend_after_the_closing_finds_its_opinion(lublin_process: None) -> None:
    consultation = Consultation.objects.get(slug=SLUG)
    key = uuid.uuid4()
    saved, created = submission.submit_opinion(
        consultation=consultation, text=TEXT, submission_key=key
    )
    with time_machine.travel(consultation.closes_at + dt.timedelta(days=1)):
        again, created_again = submission.submit_opinion(
            consultation=consultation, text=TEXT, submission_key=key
        )
        with pytest.raises(submission.ConsultationClosed):
            submission.submit_opinion(
                consultation=consultation, text=TEXT, submission_key=uuid.uuid4()
            )
    assert (created, created_again) == (True, False)
    assert again == saved
    assert Opinion.objects.count() == 1


def test_another_browser_posting_the_same_key_gets_its_own_opinion(lublin_process: None) -> None:
    first, other = Client(), Client()
    html = first.get(answer_url()).content.decode()
    key = re.search(r'name="submission_key" value="([0-9a-f-]{36})"', html).group(1)
    mine = first.post(answer_url(), form_data(submission_key=key))
    again = first.post(answer_url(), form_data(submission_key=key))  # a double click
    assert again.url == mine.url  # the same browser: the same opinion, once

    other.get(answer_url())
    theirs = other.post(
        answer_url(), form_data(submission_key=key, text=TEXT + " Inna osoba, ten sam klucz.")
    )

    assert theirs.status_code == 302
    assert theirs.url != mine.url  # never the first person's private tracking page
    assert Opinion.objects.count() == 2
