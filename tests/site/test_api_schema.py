"""schemathesis against /api/v1/openapi.json: every operation with generated inputs gives no
server error, and every answer (its status, content type and body) conforms to the schema.

Bounded for CI: a few dozen examples per operation, on the WSGI app in-process.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from lublin2030.wsgi import application
from tests.factories import DocumentVersionFactory, OpinionFactory, SectionFactory

pytestmark = pytest.mark.django_db

EXAMPLES = 25


@pytest.fixture
def api_schema(db: None, settings: Any) -> Iterator[Any]:
    settings.API_RATE_LIMIT = 1_000_000
    # A server error fails with its traceback rather than the error page.
    settings.DEBUG_PROPAGATE_EXCEPTIONS = True
    section = SectionFactory(version=DocumentVersionFactory())
    for _ in range(3):
        OpinionFactory(section=section, consultation=section.version.consultation)
    # The WSGI handler closes the database connection after each request, which would end
    # the test's transaction; Django's test client unhooks the same signals.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_operation_conforms(case: Any) -> None:
    # A cursor is opaque: any string fits its schema, and one no page gave is refused (400),
    # so the check that every schema-valid request is accepted does not apply.
    case.call_and_validate(excluded_checks=[positive_data_acceptance])
