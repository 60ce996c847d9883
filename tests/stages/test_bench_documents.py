from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from stages.models import Consultation
from tests.factories import ConsultationFactory

pytestmark = pytest.mark.django_db


def bench_module() -> Any:
    # The bench files import each other as top-level modules (bench/ is their sys.path), so
    # the test loads this one by its path.
    path = Path(settings.BASE_DIR) / "bench" / "document_sections.py"
    spec = importlib.util.spec_from_file_location("document_sections", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_bench_makes_a_document_of_n_sections_and_a_revised_next_version() -> None:
    make_document_version = bench_module().make_document_version
    consultation = ConsultationFactory(kind=Consultation.Kind.DOCUMENT)
    first = make_document_version(consultation=consultation, sections=200)
    second = make_document_version(consultation=consultation, sections=200, revise=10)
    assert (first.number, second.number) == (1, 2)
    assert first.sections.count() == second.sections.count() == 200
    assert first.sections.filter(level=1).count() == 20
    assert first.sections.filter(parent__isnull=True, level=2).count() == 0
    old = dict(first.sections.values_list("key", "body"))
    new = dict(second.sections.values_list("key", "body"))
    assert old.keys() == new.keys()
    assert sum(old[key] != new[key] for key in old) == 20
