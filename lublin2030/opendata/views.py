"""The "Otwarte dane" page and the files at their stable addresses."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from .datasets import BY_NAME, DATASETS, FORMATS
from .writing import open_data_root, read_datapackage

DESCRIPTIONS = {"datapackage.json": "application/json", "catalog.jsonld": "application/ld+json"}


def _listing(package: dict[str, Any] | None) -> list[dict[str, Any]]:
    """One entry per dataset, in the page's order, with its files as last written."""
    if package is None:
        return []
    files: dict[str, list[dict[str, Any]]] = {}
    rows: dict[str, int] = {}
    for resource in package.get("resources", []):
        name = str(resource.get("name", "")).rsplit("-", 1)[0]
        files.setdefault(name, []).append(
            {
                "format": str(resource["format"]).upper(),
                "path": resource["path"],
                "bytes": resource["bytes"],
            }
        )
        rows[name] = int(resource.get("rows", 0))
    return [
        {"dataset": dataset, "files": files[dataset.name], "rows": rows[dataset.name]}
        for dataset in DATASETS
        if dataset.name in files
    ]


def open_data(request: HttpRequest) -> HttpResponse:
    package = read_datapackage()
    created = None
    if package and package.get("created"):
        try:
            created = dt.datetime.fromisoformat(str(package["created"]))
        except ValueError:
            created = None
    return render(
        request,
        "opendata/index.html",
        {"datasets": _listing(package), "created": created, "fields_of": BY_NAME},
    )


def _file(filename: str, content_type: str) -> FileResponse:
    path = open_data_root() / filename
    if not path.is_file():
        raise Http404("not written yet")
    response = FileResponse(path.open("rb"), content_type=content_type)
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "public, max-age=3600"
    return response


def open_data_file(request: HttpRequest, name: str, extension: str) -> FileResponse:
    if name not in BY_NAME or extension not in FORMATS:
        raise Http404("no such file")
    response = _file(f"{name}.{extension}", FORMATS[extension])
    if extension == "xlsx":
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response


def open_data_description(request: HttpRequest, filename: str) -> FileResponse:
    """datapackage.json, catalog.jsonld, or one dataset's file (name.extension)."""
    if filename in DESCRIPTIONS:
        return _file(filename, DESCRIPTIONS[filename])
    name, _dot, extension = filename.partition(".")
    return open_data_file(request, name, extension)
