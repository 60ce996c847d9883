"""The descriptions of the open-data files: a Frictionless data package (every field, the
licence, the date) and a DCAT-AP catalogue in JSON-LD that dane.gov.pl can harvest."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.urls import reverse

from .datasets import BY_NAME, FORMATS

LICENSE_URL = "https://creativecommons.org/licenses/by/4.0/"
LICENSE = {"name": "CC-BY-4.0", "path": LICENSE_URL, "title": "Creative Commons Attribution 4.0"}
PUBLISHER = "Urząd Miasta Lublin"


def base_url() -> str:
    """The portal's public address (PORTAL_URL), else its first allowed host."""
    if settings.PORTAL_URL:
        return str(settings.PORTAL_URL)
    host = next((h for h in settings.ALLOWED_HOSTS if h and not h.startswith(".")), "localhost")
    return f"https://{host}"


def file_url(name: str, extension: str) -> str:
    return base_url() + reverse("open_data_file", kwargs={"name": name, "extension": extension})


def datapackage(written: dict[str, dict[str, Any]], *, now: dt.datetime) -> dict[str, Any]:
    resources = []
    for name, info in written.items():
        dataset = BY_NAME[name]
        schema = {
            "fields": [
                {"name": column.name, "type": column.type, "description": column.description}
                for column in dataset.columns
            ]
        }
        for extension, media_type in FORMATS.items():
            resources.append(
                {
                    "name": f"{name}-{extension}",
                    "path": f"{name}.{extension}",
                    "title": dataset.title,
                    "title_en": dataset.title_en,
                    "description": dataset.description,
                    "format": extension,
                    "mediatype": media_type,
                    "encoding": "utf-8",
                    "bytes": info["bytes"][extension],
                    "rows": info["rows"],
                    "schema": schema,
                }
            )
    return {
        "profile": "data-package",
        "name": "strategia-lublin-2030",
        "title": settings.PORTAL_NAME,
        "description": "Otwarte dane procesu Strategii: opinie, konsultacje, rekomendacje, "
        "wskaźniki. Bez danych osobowych. Daty w ISO 8601.",
        "homepage": base_url() + reverse("open_data"),
        "licenses": [LICENSE],
        "created": now.isoformat(),
        "resources": resources,
    }


CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}


def _text(value: str, language: str) -> dict[str, str]:
    return {"@value": value, "@language": language}


def catalogue(written: dict[str, dict[str, Any]], *, now: dt.datetime) -> dict[str, Any]:
    modified = {"@value": now.isoformat(), "@type": "xsd:dateTime"}
    publisher = {"@type": "foaf:Agent", "foaf:name": PUBLISHER}
    license_ = {"@id": LICENSE_URL}
    datasets = []
    for name, info in written.items():
        dataset = BY_NAME[name]
        distributions = [
            {
                "@id": file_url(name, extension),
                "@type": "dcat:Distribution",
                "dcat:accessURL": {"@id": file_url(name, extension)},
                "dcat:downloadURL": {"@id": file_url(name, extension)},
                "dcat:mediaType": media_type,
                "dct:format": extension.upper(),
                "dcat:byteSize": {"@value": str(info["bytes"][extension]), "@type": "xsd:decimal"},
                "dct:license": license_,
                "dct:modified": modified,
            }
            for extension, media_type in FORMATS.items()
        ]
        datasets.append(
            {
                "@id": base_url() + reverse("open_data") + f"#{name}",
                "@type": "dcat:Dataset",
                "dct:identifier": name,
                "dct:title": [_text(dataset.title, "pl"), _text(dataset.title_en, "en")],
                "dct:description": [_text(dataset.description, "pl")],
                "dct:publisher": publisher,
                "dct:license": license_,
                "dct:modified": modified,
                "dct:language": {
                    "@id": "http://publications.europa.eu/resource/authority/language/POL"
                },
                "dcat:keyword": [_text("strategia", "pl"), _text("partycypacja", "pl")],
                "dcat:distribution": distributions,
            }
        )
    return {
        "@context": CONTEXT,
        "@id": base_url() + reverse("open_data") + "catalog.jsonld",
        "@type": "dcat:Catalog",
        "dct:title": [_text(settings.PORTAL_NAME, "pl")],
        "dct:description": [_text("Otwarte dane procesu strategicznego.", "pl")],
        "dct:publisher": publisher,
        "dct:license": license_,
        "dct:modified": modified,
        "foaf:homepage": {"@id": base_url() + reverse("open_data")},
        "dcat:dataset": datasets,
    }
