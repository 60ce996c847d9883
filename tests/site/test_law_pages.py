"""The pages the law asks for: the accessibility statement (the act of 4 April 2019 on digital
accessibility, in the ministry's template) and the privacy notice (art. 13 GDPR), linked from
every page's footer and from every form that collects personal data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from html.parser import HTMLParser

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from tests.factories import ConsultationFactory, OpinionFactory, UserFactory
from tests.workgroups.factories import RecruitmentCallFactory, WorkingGroupFactory

pytestmark = pytest.mark.django_db

ACCESSIBILITY = reverse("accessibility")
PRIVACY = reverse("privacy")

# The ids the ministry's "technical conditions of publication" give the statement's parts
# (a11y-ocena and a11y-audytor are optional there: the first is kept, saying that no
# disproportionate burden is claimed; there is no external auditor, so no a11y-audytor).
STATEMENT_IDS = (
    "a11y-deklaracja",
    "a11y-wstep",
    "a11y-podmiot",
    "a11y-url",
    "a11y-data-publikacja",
    "a11y-data-aktualizacja",
    "a11y-status",
    "a11y-ocena",
    "a11y-data-sporzadzenie",
    "a11y-data-przeglad",
    "a11y-kontakt",
    "a11y-osoba",
    "a11y-email",
    "a11y-telefon",
    "a11y-procedura",
    "a11y-architektura",
    "a11y-aplikacje",
)
DATE_IDS = (
    "a11y-data-publikacja",
    "a11y-data-aktualizacja",
    "a11y-data-sporzadzenie",
    "a11y-data-przeglad",
)


class Page(HTMLParser):
    """What the tests read of a page: each element with an id (its tag, attributes and text),
    and the links inside <main> and inside the footer."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.html_lang: str | None = None
        self.elements: dict[str, tuple[str, dict[str, str], list[str]]] = {}
        self.ids: list[str] = []
        self.links: dict[str, list[str]] = {"main": [], "footer": []}
        self._open: list[tuple[str, str | None]] = []  # (tag, id) of the elements open
        self._region: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "html":
            self.html_lang = attributes.get("lang")
        if tag in ("main", "footer"):
            self._region.append(tag)
        if tag == "a" and self._region:
            self.links[self._region[-1]].append(attributes.get("href", ""))
        element_id = attributes.get("id")
        if element_id:
            self.ids.append(element_id)
            self.elements[element_id] = (tag, attributes, [])
        if tag not in ("br", "img", "input", "meta", "link", "hr"):
            self._open.append((tag, element_id))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("main", "footer") and self._region:
            self._region.pop()
        while self._open:
            open_tag, _ = self._open.pop()
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        for _, element_id in self._open:
            if element_id:
                self.elements[element_id][2].append(data)

    def text_of(self, element_id: str) -> str:
        return " ".join("".join(self.elements[element_id][2]).split())

    def attribute(self, element_id: str, name: str) -> str:
        return self.elements[element_id][1].get(name, "")

    def tag_of(self, element_id: str) -> str:
        return self.elements[element_id][0]


def page_of(client: Client, url: str) -> Page:
    response = client.get(url)
    assert response.status_code == 200, url
    return Page(response.content.decode())


def in_english(client: Client) -> Client:
    """The visitor chooses English with the header's switch."""
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    return client


# --- Both pages: Polish first, English after the switch ---------------------------------------


@pytest.mark.parametrize(
    ("url", "polish", "english"),
    [
        (ACCESSIBILITY, "Deklaracja dostępności", "Accessibility statement"),
        (PRIVACY, "Prywatność i dane osobowe", "Privacy and personal data"),
    ],
)
def test_a_law_page_speaks_polish_until_english_is_chosen(
    client: Client, url: str, polish: str, english: str
) -> None:
    # A browser asking for English still gets the city's Polish first.
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="pl">' in html
    assert "<h1" in html and polish in html

    html = in_english(client).get(url).content.decode()
    assert '<html lang="en">' in html
    assert english in html
    assert polish not in html


# --- The accessibility statement --------------------------------------------------------------


def test_the_statement_has_each_id_of_the_ministry_template_once(client: Client) -> None:
    page = page_of(client, ACCESSIBILITY)
    for element_id in STATEMENT_IDS:
        assert page.ids.count(element_id) == 1, element_id
    assert page.tag_of("a11y-deklaracja") == "h1"
    assert page.text_of("a11y-podmiot") == "Miasto Lublin"
    assert "częściowo zgodna" in page.text_of("a11y-status")
    # The sections the template defines are headings a reader can jump to.
    for section in ("a11y-kontakt", "a11y-procedura", "a11y-architektura", "a11y-aplikacje"):
        assert page.tag_of(section) == "h2", section


def test_the_statement_names_the_site_and_its_address(client: Client, settings: Settings) -> None:
    settings.PORTAL_NAME = "Strategia Testowa 2030"
    page = page_of(client, ACCESSIBILITY)
    assert "Strategia Testowa 2030" in page.text_of("a11y-wstep")
    # Without PORTAL_URL, the address the page was asked at.
    assert page.attribute("a11y-url", "href") == "http://testserver/"
    assert page.text_of("a11y-url") == "http://testserver/"

    settings.PORTAL_URL = "https://strategia.lublin.eu"
    page = page_of(client, ACCESSIBILITY)
    assert page.attribute("a11y-url", "href") == "https://strategia.lublin.eu/"


def test_the_statement_dates_come_from_the_settings_as_the_template_writes_them(
    client: Client, settings: Settings
) -> None:
    settings.ACCESSIBILITY_PUBLISHED_ON = dt.date(2025, 3, 4)
    settings.ACCESSIBILITY_UPDATED_ON = dt.date(2026, 1, 2)
    settings.ACCESSIBILITY_PREPARED_ON = dt.date(2026, 1, 15)
    settings.ACCESSIBILITY_REVIEWED_ON = dt.date(2026, 3, 31)
    page = page_of(client, ACCESSIBILITY)
    dates = ("2025-03-04", "2026-01-02", "2026-01-15", "2026-03-31")
    expected = dict(zip(DATE_IDS, dates, strict=True))
    for element_id, date in expected.items():
        assert page.tag_of(element_id) == "time", element_id
        assert page.attribute(element_id, "datetime") == date
        assert page.text_of(element_id) == date


def test_the_statement_gives_the_contact_from_the_settings(
    client: Client, settings: Settings
) -> None:
    settings.ACCESSIBILITY_CONTACT_PERSON = "koordynator ds. dostępności, Biuro Strategii"
    settings.ACCESSIBILITY_CONTACT_EMAIL = "dostepnosc@lublin.example"
    settings.ACCESSIBILITY_CONTACT_PHONE = "81 466 12 34"
    page = page_of(client, ACCESSIBILITY)
    assert page.text_of("a11y-osoba") == "koordynator ds. dostępności, Biuro Strategii"
    assert page.text_of("a11y-email") == "dostepnosc@lublin.example"
    assert page.attribute("a11y-email", "href") == "mailto:dostepnosc@lublin.example"
    assert page.text_of("a11y-telefon") == "81 466 12 34"
    assert page.attribute("a11y-telefon", "href") == "tel:+48814661234"

    settings.ACCESSIBILITY_CONTACT_PHONE = "+48 81 466 12 34"
    assert page_of(client, ACCESSIBILITY).attribute("a11y-telefon", "href") == "tel:+48814661234"


def test_the_default_contact_is_a_role_at_the_city_hall_not_a_placeholder(client: Client) -> None:
    page = page_of(client, ACCESSIBILITY)
    person = page.text_of("a11y-osoba")
    assert person == django_settings.ACCESSIBILITY_CONTACT_PERSON
    assert "koordynator" in person and "Urząd Miasta Lublin" in person
    for element_id in ("a11y-osoba", "a11y-email", "a11y-telefon"):
        value = page.text_of(element_id)
        assert value and not any(
            marker in value.lower() for marker in ("example", "todo", "xxx", "...", "lorem")
        ), value
    assert page.text_of("a11y-email").endswith("@lublin.eu")


def test_the_statement_says_what_is_not_accessible_and_how_to_ask(client: Client) -> None:
    html = in_english(client).get(ACCESSIBILITY).content.decode()
    page = Page(html)
    for known_gap in ("typed in", "PDF", "table beside it"):
        assert known_gap in html, known_gap
    assert "self-assessment" in html and "axe-core" in html
    # The moderation queue's single-key shortcuts, each of them.
    for key in ("j", "k", "p", "r", "a", "x", "?"):
        assert f"<kbd>{key}</kbd>" in html, key
    # Requests: 7 days, at most 2 months; complaints, then the Ombudsman.
    assert "7 days" in html and "2 months" in html
    assert "Rzecznik Praw Obywatelskich" in html and "https://bip.brpo.gov.pl/" in html
    assert "plac Króla Władysława Łokietka 1" in html
    for need in ("lift", "guide dog", "Sign Language", "Parking"):
        assert need in html, need
    assert "no mobile application" in html
    assert page.ids.count("a11y-aplikacje") == 1


# --- The privacy notice -----------------------------------------------------------------------


def test_the_privacy_notice_reads_the_retention_of_authors_addresses(
    client: Client, settings: Settings
) -> None:
    settings.AUTHOR_EMAIL_RETENTION_DAYS = 90
    assert "90 dni po zakończeniu ostatniego etapu" in client.get(PRIVACY).content.decode()
    html = in_english(client).get(PRIVACY).content.decode()
    assert "90 days after the process's last stage ends" in html

    settings.AUTHOR_EMAIL_RETENTION_DAYS = 1
    html = client.get(PRIVACY).content.decode()
    assert "1 day after the process's last stage ends" in html


def test_the_privacy_notice_covers_every_place_data_is_collected(client: Client) -> None:
    html = in_english(client).get(PRIVACY).content.decode()
    for place in (
        "The answer form",
        "age band",
        "relation to Lublin",
        "district",
        "e-mail address",
        "signature",
        "one-way hash",
        "Applications to a working group",
        "motivation",
        "experience",
        "organisation",
        "consent to the publication of your name",
        "IP address",
    ):
        assert place in html, place
    for cookie in (
        django_settings.SESSION_COOKIE_NAME,
        django_settings.CSRF_COOKIE_NAME,
        django_settings.LANGUAGE_COOKIE_NAME,
        "visitor",
    ):
        assert f"<code>{cookie}</code>" in html, cookie
    for must in (
        "Prezydent Miasta Lublin",
        "Inspektor Ochrony Danych",
        "art. 6(1)(e) GDPR",
        "art. 6(1)(a) GDPR",
        "Recipients",
        "Prezes Urzędu Ochrony Danych Osobowych",
        "art. 22 GDPR",
        "withdraw your consent",
    ):
        assert must in html, must


# --- Links: the footer of every page, and each form that collects personal data ----------------


def test_the_home_pages_footer_links_both_pages(client: Client, lublin_process: None) -> None:
    page = page_of(client, reverse("home"))
    assert ACCESSIBILITY in page.links["footer"]
    assert PRIVACY in page.links["footer"]


def answer_form(client: Client) -> str:
    return reverse("opinions:answer", args=[ConsultationFactory().slug])


def comment_form(client: Client) -> str:
    return OpinionFactory().get_absolute_url()


def sign_up_form(client: Client) -> str:
    return reverse("account_signup")


def application_form(client: Client) -> str:
    client.force_login(UserFactory())
    return reverse(
        "workgroups:apply", args=[RecruitmentCallFactory(groups=[WorkingGroupFactory()]).pk]
    )


@pytest.mark.parametrize(
    "form_page",
    [answer_form, comment_form, sign_up_form, application_form],
    ids=lambda f: f.__name__,
)
def test_each_form_that_collects_personal_data_links_the_privacy_notice(
    client: Client, form_page: Callable[[Client], str]
) -> None:
    page = page_of(client, form_page(client))
    assert PRIVACY in page.links["main"], "a link to the privacy notice by the form"
