"""Templates keep the apps' layers, as import-linter keeps the Python: a template of one app
uses no URL, tag library or template of a higher layer.

Layers from the bottom: core (the shared partials in templates/partials/, the tag libraries
of `core` and of Django and third parties) < stages < opinions < workgroups < site
(base.html, home.html, allauth/, the error pages: everything else under templates/).

- `{% url 'ns:name' %}`: the namespace's app (stages, opinions, workgroups). Names without a
  namespace are the site's front doors (home, log-in, set_language) that every page links.
- `{% load lib %}`: the layer of the package that defines `lib` (an app's templatetags, or
  a module registered in settings.TEMPLATES' "libraries").
- `{% include "x" %}`: the layer of x by its folder.
- `{% extends "x" %}`: as include, except the site's page frames (base.html, form_page.html),
  which every page extends to be placed in the site.

Each template is checked against its own layer, so a template it includes is checked too: a
shared partial of templates/partials/ (the bottom) that any page includes may itself use
nothing of an app. A lower page shows something of a higher app through a panel the higher
app registers (core.panels), never by naming it here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.template import engines

TEMPLATES_DIR = Path(settings.BASE_DIR) / "templates"

LAYERS = ("core", "stages", "opinions", "workgroups", "site")
APPS = ("stages", "opinions", "workgroups")
SITE_PACKAGE = "lublin2030"
SHARED_PARTIALS = "partials"
FRAMES = {"base.html", "form_page.html"}

COMMENT = re.compile(r"\{%\s*comment\b.*?%\}.*?\{%\s*endcomment\s*%\}|\{#.*?#\}", re.S)
URL = re.compile(r"""\{%\s*url\s+(["'])(?P<name>[^"']+)\1""")
LOAD = re.compile(r"\{%\s*load\s+(?P<libraries>[^%]+?)\s*%\}")
TEMPLATE_TAG = re.compile(r"""\{%\s*(?P<tag>include|extends)\s+(["'])(?P<name>[^"']+)\2""")


def rank(layer: str) -> int:
    return LAYERS.index(layer)


def template_layer(name: str) -> str:
    """The layer of a template, by its path under templates/."""
    folder = name.split("/", 1)[0] if "/" in name else ""
    if folder in APPS:
        return folder
    if folder == SHARED_PARTIALS:
        return "core"
    return "site"


def url_layer(name: str) -> str:
    namespace, _, _ = name.rpartition(":")
    if not namespace:
        return "core"
    if namespace not in APPS:
        raise AssertionError(f"URL namespace {namespace!r} has no layer: add it to APPS")
    return namespace


def library_layers() -> dict[str, str]:
    """Each tag library's layer, by the package of the module that defines it."""
    layers = {}
    for name, module in engines["django"].engine.libraries.items():
        package = module.split(".", 1)[0]
        if package in APPS:
            layers[name] = package
        elif package == SITE_PACKAGE:
            layers[name] = "site"
        else:  # core, Django, third parties
            layers[name] = "core"
    return layers


def loaded_libraries(source: str) -> Iterator[str]:
    for match in LOAD.finditer(source):
        names = match["libraries"].split()
        # {% load tag1 tag2 from library %} loads from the last name only.
        yield from names[-1:] if "from" in names else names


def violations(name: str, source: str, libraries: dict[str, str]) -> list[str]:
    """What template `name` (its path under templates/) uses of a layer above its own."""
    layer = template_layer(name)
    source = COMMENT.sub("", source)
    found = []
    for match in URL.finditer(source):
        if rank(url_layer(match["name"])) > rank(layer):
            found.append(f"{{% url '{match['name']}' %}} is of {url_layer(match['name'])}")
    for library in loaded_libraries(source):
        used = libraries.get(library)
        if used is None:
            found.append(f"{{% load {library} %}}: no such tag library")
        elif rank(used) > rank(layer):
            found.append(f"{{% load {library} %}} is of {used}")
    for match in TEMPLATE_TAG.finditer(source):
        target = match["name"].partition("#")[0]
        if match["tag"] == "extends" and target in FRAMES:
            continue
        if rank(template_layer(target)) > rank(layer):
            found.append(f'{{% {match["tag"]} "{target}" %}} is of {template_layer(target)}')
    return [f"{name} ({layer}): {problem}" for problem in found]


def all_templates() -> list[str]:
    return sorted(
        path.relative_to(TEMPLATES_DIR).as_posix()
        for path in TEMPLATES_DIR.rglob("*")
        if path.is_file()
    )


@pytest.mark.parametrize("name", all_templates())
def test_template_uses_nothing_of_a_higher_layer(name: str) -> None:
    source = (TEMPLATES_DIR / name).read_text(encoding="utf-8")
    found = violations(name, source, library_layers())
    assert not found, "\n".join(found)


# The check itself, on templates written here: it must see each kind of crossing.
LIBRARIES = {"i18n": "core", "portal_layout": "core", "opinion_lists": "opinions"}


@pytest.mark.parametrize(
    ("name", "source", "problem"),
    [
        (
            "stages/page.html",
            "{% url 'opinions:list' %}",
            "{% url 'opinions:list' %} is of opinions",
        ),
        (
            "opinions/page.html",
            '<a href="{% url "workgroups:group_list" as groups %}">',
            "{% url 'workgroups:group_list' %} is of workgroups",
        ),
        (
            "stages/page.html",
            "{% load i18n opinion_lists %}",
            "{% load opinion_lists %} is of opinions",
        ),
        (
            "stages/page.html",
            "{% load opinion_meta from opinion_lists %}",
            "{% load opinion_lists %} is of opinions",
        ),
        (
            "stages/page.html",
            '{% include "opinions/reports/partials/stage_panel.html" %}',
            '{% include "opinions/reports/partials/stage_panel.html" %} is of opinions',
        ),
        (
            "opinions/page.html",
            '{% extends "workgroups/workspace/overview.html" %}',
            '{% extends "workgroups/workspace/overview.html" %} is of workgroups',
        ),
        ("partials/shared.html", "{% url 'stages:stage_detail' slug %}", "is of stages"),
        (
            "partials/shared.html",
            '{% include "home.html" %}',
            '{% include "home.html" %} is of site',
        ),
        ("stages/page.html", "{% load no_such_library %}", "no such tag library"),
    ],
)
def test_the_check_finds_a_crossing(name: str, source: str, problem: str) -> None:
    found = violations(name, source, LIBRARIES)
    assert len(found) == 1 and problem in found[0], found


@pytest.mark.parametrize(
    ("name", "source"),
    [
        ("workgroups/page.html", "{% url 'opinions:list' %}{% load opinion_lists %}"),
        ("stages/page.html", "{% url 'home' %}{% url 'stages:updates_feed' %}{% load i18n %}"),
        ("stages/page.html", '{% extends "base.html" %}{% include "partials/pagination.html" %}'),
        ("stages/page.html", "{# {% url 'workgroups:group_list' %} #}"),
        ("stages/page.html", "{% comment %}{% load opinion_lists %}{% endcomment %}"),
        ("home.html", "{% url 'workgroups:group_list' %}{% load opinion_lists %}"),
    ],
)
def test_the_check_lets_a_lower_or_equal_layer_pass(name: str, source: str) -> None:
    assert violations(name, source, LIBRARIES) == []
