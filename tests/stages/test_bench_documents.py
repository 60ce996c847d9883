from __future__ import annotations

import pytest

from bench.documents import make_document_version
from stages.models import Consultation
from tests.factories import ConsultationFactory

pytestmark = pytest.mark.django_db


def test_the_bench_makes_a_document_of_n_sections_and_a_revised_next_version() -> None:
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
