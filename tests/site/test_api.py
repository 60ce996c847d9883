"""/api/v1/: resources, paging, filters, search, problem details, conditional GETs, CORS,
the rate limit, query budgets, and that no personal data ever leaves."""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from opinions.analysis.text import lemma_string
from opinions.answers.models import ConsultationAnswer, Decision
from opinions.models import AgeBand, Comment, Opinion, Relation, SubmitterKind
from stages.models import Process, StageUpdate
from tests.factories import (
    ConsultationFactory,
    DistrictFactory,
    DocumentConsultationFactory,
    DocumentVersionFactory,
    OpinionFactory,
    SectionFactory,
    StageFactory,
    StageUpdateFactory,
    ThematicAreaFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

API = "/api/v1"
PLANTED_EMAIL = "jan.kowalski.planted@example.org"
PLANTED_NAME = "Janina Plantowana-Kowalska"
# No answer of the API may carry a field of these names, at any depth.
PERSONAL_FIELDS = {
    "author",
    "author_email",
    "author_name",
    "email",
    "ip",
    "session",
    "session_key",
    "tracking_token",
    "organisation",
    "moderated_by",
    "created_by",
    "drafted_by",
    "approved_by",
    "published_by",
    "requested_by",
    "recorded_by",
    "user",
    "username",
    "age_band",
    "relation",
    "submission_key",
    "fingerprint",
    "source_name",
}


def get(client: Client, url: str, **headers: str) -> Any:
    response = client.get(url, headers=headers)
    return response


def body(response: Any) -> Any:
    return json.loads(response.content)


@pytest.fixture
def data() -> dict[str, Any]:
    """A little of everything, with a known name and e-mail in every author field."""
    person = UserFactory(username="planted", email=PLANTED_EMAIL, first_name=PLANTED_NAME)
    Process.objects.create(key="lublin", name="Lublin 2030", city="Lublin", question="Jaki?")
    stage = StageFactory()
    area = ThematicAreaFactory(slug="zielen")
    district = DistrictFactory(slug="czechow")
    consultation = DocumentConsultationFactory(stage=stage, slug="projekt")
    version = DocumentVersionFactory(consultation=consultation, number=1)
    section = SectionFactory(version=version)
    StageUpdateFactory(
        stage=stage,
        author=person,
        status=StageUpdate.Status.PUBLISHED,
        publish_at=timezone.now() - dt.timedelta(days=1),
    )
    answer = ConsultationAnswer.objects.create(
        consultation=consultation,
        decision=Decision.ACCEPTED,
        justification="Uwzględniono.",
        status=ConsultationAnswer.Status.PUBLISHED,
        published_at=timezone.now(),
        drafted_by=person,
        approved_by=person,
    )
    opinions = [
        OpinionFactory(
            consultation=consultation,
            section=section,
            area=area,
            district=district,
            text=f"Posadźmy drzewa przy ulicach, opinia {n}",
            lemmas=lemma_string(f"Posadźmy drzewa przy ulicach, opinia {n}"),
            author=person,
            author_email=PLANTED_EMAIL,
            organisation=PLANTED_NAME,
            submitter_kind=SubmitterKind.ORGANISATION,
            age_band=AgeBand.AGE_25_34,
            relation=Relation.LIVES,
            answer=answer,
            status_changed_at=timezone.now(),
        )
        for n in range(6)
    ]
    OpinionFactory(consultation=consultation, text="Inna sprawa: ścieżki rowerowe", author=person)
    hidden = OpinionFactory(
        consultation=consultation, text="Czeka na moderację", status=Opinion.Status.PENDING
    )
    Comment.objects.create(
        opinion=opinions[0],
        text="Popieram, zwłaszcza przy szkołach.",
        author=person,
        author_name=PLANTED_NAME,
        status=Opinion.Status.PUBLISHED,
    )
    Comment.objects.create(
        opinion=opinions[0], text="Ukryty komentarz", status=Opinion.Status.PENDING
    )
    return {
        "stage": stage,
        "area": area,
        "district": district,
        "consultation": consultation,
        "version": version,
        "section": section,
        "opinions": opinions,
        "hidden": hidden,
        "answer": answer,
    }


def concrete_paths(client: Client, data: dict[str, Any]) -> list[str]:
    """Every GET operation of the schema, its path parameters filled from the data."""
    schema = body(client.get(f"{API}/openapi.json"))
    values = {
        "slug": {
            "/stages/": data["stage"].slug,
        },
    }
    paths = []
    for template, operations in schema["paths"].items():
        assert set(operations) == {"get"}, template  # read-only
        path = template.replace("{opinion_id}", str(data["opinions"][0].pk))
        path = path.replace("{number}", str(data["version"].number))
        slug = values["slug"]["/stages/"] if "/stages/" in template else data["consultation"].slug
        path = path.replace("{slug}", slug)
        # Reports and recommendations: tests/site/test_api_spine.py walks them with data.
        if "{" not in path:
            paths.append(path)
    return paths


def walk(value: Any, found: set[str]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            found.add(key)
            walk(item, found)
    elif isinstance(value, list):
        for item in value:
            walk(item, found)


def test_no_endpoint_sends_personal_data(client: Client, data: dict[str, Any]) -> None:
    paths = concrete_paths(client, data)
    assert len(paths) >= 15
    for path in paths:
        separator = "&" if "?" in path else "?"
        url = path + (separator + "limit=200" if path.endswith(("opinions", "comments")) else "")
        response = client.get(url)
        assert response.status_code == 200, (url, response.content[:300])
        text = response.content.decode()
        assert PLANTED_EMAIL not in text, url
        assert PLANTED_NAME not in text, url
        assert "planted" not in text, url
        names: set[str] = set()
        walk(body(response), names)
        assert not names & PERSONAL_FIELDS, (url, names & PERSONAL_FIELDS)


def test_the_schema_has_no_personal_field(client: Client) -> None:
    schema = body(client.get(f"{API}/openapi.json"))
    names: set[str] = set()
    for component in schema["components"]["schemas"].values():
        names |= set(component.get("properties", {}))
    assert "text" in names
    assert not names & PERSONAL_FIELDS


def test_demographics_are_counts_with_small_groups_suppressed(
    client: Client, data: dict[str, Any]
) -> None:
    counts = body(client.get(f"{API}/opinions/demographics"))
    age = {row["value"]: row["count"] for row in counts["by_age_band"]}
    # Six opinions gave 25–34; the one that gave nothing is a group of one.
    assert age == {"25-34": 6, "": None}
    relation = {row["value"]: row["count"] for row in counts["by_relation"]}
    assert relation == {"lives": 6, "": None}


def test_opinions_are_the_published_ones_paged_by_cursor(
    client: Client, data: dict[str, Any]
) -> None:
    seen: list[int] = []
    url = f"{API}/opinions?limit=3"
    pages = 0
    while url:
        page = body(client.get(url))
        seen += [item["id"] for item in page["items"]]
        pages += 1
        url = f"{API}/opinions?limit=3&cursor={page['next_cursor']}" if page["next_cursor"] else ""
    published = set(Opinion.objects.published().values_list("pk", flat=True))
    assert pages == 3
    assert len(seen) == len(set(seen)) == 7
    assert set(seen) == published
    assert data["hidden"].pk not in seen


def test_supported_order_walks_every_opinion_once(client: Client, data: dict[str, Any]) -> None:
    for number, opinion in enumerate(data["opinions"]):
        Opinion.objects.filter(pk=opinion.pk).update(support_count=number % 3)
    seen: list[int] = []
    counts: list[int] = []
    cursor = ""
    while True:
        page = body(client.get(f"{API}/opinions?sort=supported&limit=2{cursor}"))
        seen += [item["id"] for item in page["items"]]
        counts += [item["support_count"] for item in page["items"]]
        if not page["next_cursor"]:
            break
        cursor = f"&cursor={page['next_cursor']}"
    assert len(seen) == len(set(seen)) == 7
    assert counts == sorted(counts, reverse=True)


def test_filters_and_polish_search(client: Client, data: dict[str, Any]) -> None:
    def ids(query: str) -> set[int]:
        response = client.get(f"{API}/opinions?{query}")
        assert response.status_code == 200, response.content
        return {item["id"] for item in body(response)["items"]}

    six = {opinion.pk for opinion in data["opinions"]}
    assert ids("area=zielen") == six
    assert ids("district=czechow") == six
    assert ids("district=nie-ma-takiej") == set()
    assert ids(f"section={data['section'].pk}") == six
    assert ids("consultation=projekt&channel=online") == six | {
        Opinion.objects.get(text__startswith="Inna").pk
    }
    # „drzewo” finds „drzewa”: the lists' search by lemmas.
    assert ids("q=drzewo") == six
    assert ids("q=drzewo&area=zielen") == six
    later = (timezone.now() + dt.timedelta(hours=1)).isoformat()
    assert ids(f"updated_since={later.replace('+', '%2B')}") == set()


def test_comments_and_answers(client: Client, data: dict[str, Any]) -> None:
    opinion = data["opinions"][0]
    comments = body(client.get(f"{API}/opinions/{opinion.pk}/comments"))
    assert [item["text"] for item in comments["items"]] == ["Popieram, zwłaszcza przy szkołach."]
    answers = body(client.get(f"{API}/consultations/projekt/answers"))
    assert [item["decision"] for item in answers["items"]] == ["accepted"]
    later = (timezone.localtime() + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S")
    since = body(client.get(f"{API}/consultations/projekt/answers?updated_since={later}"))
    assert since["items"] == []
    assert body(client.get(f"{API}/opinions/{opinion.pk}"))["answer"] == data["answer"].pk
    assert client.get(f"{API}/opinions/{data['hidden'].pk}").status_code == 404
    assert client.get(f"{API}/opinions/{data['hidden'].pk}/comments").status_code == 404


def test_document_versions_and_sections(client: Client, data: dict[str, Any]) -> None:
    versions = body(client.get(f"{API}/consultations/projekt/versions"))
    assert [version["number"] for version in versions] == [1]
    sections = body(client.get(f"{API}/consultations/projekt/versions/1/sections"))
    assert [item["key"] for item in sections["items"]] == [data["section"].key]
    assert client.get(f"{API}/consultations/projekt/versions/2/sections").status_code == 404


def _cursor(raw: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(raw).encode()).decode()


@pytest.mark.parametrize(
    "query",
    [
        "limit=1000000",
        "limit=0",
        "limit=%D9%A3",  # Arabic-Indic three
        "limit=%C2%B2",  # superscript two
        "event=%EF%BC%91",  # fullwidth one
        "colour=green",
        "sort=oldest",
        "channel=pigeon",
        "cursor=not-a-cursor",
        "cursor=" + _cursor(["yesterday", 1]),
        "cursor=" + _cursor([1]),
        "cursor=" + _cursor({"a": 1}),
        "cursor=" + "A" * 600,
        "updated_since=tomorrow",
        "q=" + "x" * 300,
    ],
)
def test_bad_input_is_a_problem_not_a_crash(client: Client, query: str) -> None:
    response = client.get(f"{API}/opinions?{query}")
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    problem = body(response)
    assert problem["status"] == 400
    assert problem["title"]


@pytest.mark.parametrize(
    "path",
    ["/opinions/%D9%A3", "/opinions/99999999999999999999999", "/opinions/0"],
)
def test_bad_path_numbers_are_problems(client: Client, path: str) -> None:
    response = client.get(API + path)
    assert response.status_code in (400, 404)
    assert response["Content-Type"] == "application/problem+json"


def test_unknown_resource_is_a_problem(client: Client, data: dict[str, Any]) -> None:
    response = client.get(f"{API}/consultations/nie-ma")
    assert response.status_code == 404
    assert body(response)["title"] == "Not found"


def test_etag_and_last_modified_give_304(client: Client, data: dict[str, Any]) -> None:
    first = client.get(f"{API}/opinions")
    assert first["ETag"]
    assert first["Last-Modified"]
    assert (
        client.get(f"{API}/opinions", headers={"If-None-Match": first["ETag"]}).status_code == 304
    )
    since = client.get(f"{API}/opinions", headers={"If-Modified-Since": first["Last-Modified"]})
    assert since.status_code == 304
    Opinion.objects.filter(pk=data["opinions"][0].pk).update(text="Zmieniona treść opinii.")
    again = client.get(f"{API}/opinions", headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 200


def test_cors_allows_reading_from_any_site(client: Client, data: dict[str, Any]) -> None:
    response = client.get(f"{API}/stages", headers={"Origin": "https://example.com"})
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response["Access-Control-Expose-Headers"]
    preflight = client.options(f"{API}/opinions", headers={"Origin": "https://example.com"})
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"
    assert client.post(f"{API}/opinions").status_code == 405


def test_rate_limit_per_client(client: Client, settings: Any, data: dict[str, Any]) -> None:
    settings.API_RATE_LIMIT = 3
    for _ in range(3):
        assert client.get(f"{API}/areas").status_code == 200
    refused = client.get(f"{API}/areas")
    assert refused.status_code == 429
    assert refused["Content-Type"] == "application/problem+json"
    assert int(refused["Retry-After"]) > 0
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert other.get(f"{API}/areas").status_code == 200


def test_docs_page_is_served_by_the_portal_without_inline_script(client: Client) -> None:
    response = client.get(f"{API}/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "ninja/swagger-ui-bundle" in html
    assert "js/api-docs" in html
    assert "<script>" not in html
    assert "cdn" not in html.lower()
    assert "style=" not in html


# --- Query budgets -------------------------------------------------------------------------


def test_opinion_list_queries_do_not_grow_with_rows(
    client: Client, data: dict[str, Any], django_assert_num_queries: Any
) -> None:
    # One query: the page (one row more than asked) with its area, district, consultation
    # and section joined.
    with django_assert_num_queries(1):
        assert len(body(client.get(f"{API}/opinions?limit=3"))["items"]) == 3
    with django_assert_num_queries(1):
        assert len(body(client.get(f"{API}/opinions?limit=200"))["items"]) == 7
    # A filtered search is still one query (the slugs are subqueries), once the search
    # synonyms are in the cache (the first search reads them).
    search = f"{API}/opinions?q=drzewo&area=zielen&district=czechow&limit=200"
    with django_assert_num_queries(2):
        client.get(search)
    with django_assert_num_queries(1):
        client.get(search)


def test_other_list_queries_are_pinned(
    client: Client, data: dict[str, Any], django_assert_num_queries: Any
) -> None:
    opinion = data["opinions"][0]
    with django_assert_num_queries(1):  # the updates with their stage
        client.get(f"{API}/stage-updates")
    with django_assert_num_queries(1):  # the consultations with their stage
        client.get(f"{API}/consultations")
    with django_assert_num_queries(2):  # the opinion exists; its comments
        client.get(f"{API}/opinions/{opinion.pk}/comments")
    with django_assert_num_queries(2):  # the consultation; its answers
        client.get(f"{API}/consultations/projekt/answers")
    with django_assert_num_queries(3):  # the consultation; the version; its sections
        client.get(f"{API}/consultations/projekt/versions/1/sections")
    with django_assert_num_queries(2):  # age bands; relations
        client.get(f"{API}/opinions/demographics")


def test_other_resources(client: Client, data: dict[str, Any]) -> None:
    ConsultationFactory(slug="pytanie")
    assert {c["slug"] for c in body(client.get(f"{API}/consultations"))} >= {"projekt", "pytanie"}
    assert body(client.get(f"{API}/stages/{data['stage'].slug}"))["number"] == data["stage"].number
    assert [a["slug"] for a in body(client.get(f"{API}/areas"))] == ["zielen"]
    assert [d["slug"] for d in body(client.get(f"{API}/districts"))] == ["czechow"]
    updates = body(client.get(f"{API}/stage-updates"))["items"]
    assert len(updates) == 1
    assert body(client.get(f"{API}/process"))["city"] == "Lublin"


@pytest.mark.parametrize(
    "url",
    [
        "/opinions?area=%00",
        "/opinions?q=%00drzewo",
        "/opinions?consultation=a%00b",
        "/consultations/%00",
        "/stages/%00/",
        "/recommendations?group=%00",
        "/reports?area=%00",
    ],
)
def test_nul_characters_are_no_server_error(client: Client, url: str) -> None:
    # PostgreSQL refuses NUL in a text parameter (a ValueError in psycopg): never a 500.
    response = client.get(API + url)
    assert response.status_code in (200, 400, 404), response.content
    assert response["Content-Type"].startswith(("application/json", "application/problem+json"))
