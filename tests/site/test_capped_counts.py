"""core/paging.py: a list found to pass its cap is not counted again for a while; a small
one is counted exactly on every request."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from core import paging
from opinions.models import Opinion
from tests.factories import OpinionFactory

pytestmark = pytest.mark.django_db


def test_a_list_over_the_cap_is_counted_once(django_assert_num_queries: Any) -> None:
    OpinionFactory.create_batch(4)
    published = Opinion.objects.published()

    with django_assert_num_queries(1):  # the count, up to cap + 1
        assert paging.capped_count(published, 3) == 4
    with django_assert_num_queries(0):  # remembered: more than the cap
        assert paging.capped_count(published, 3) == 4
    with django_assert_num_queries(1):  # other filters, their own count
        assert paging.capped_count(published.filter(text__contains="Bystrzyca"), 3) == 0


def test_a_list_under_the_cap_is_counted_every_time(django_assert_num_queries: Any) -> None:
    OpinionFactory.create_batch(2)
    published = Opinion.objects.published()

    with django_assert_num_queries(1):
        assert paging.capped_count(published, 3) == 2
    OpinionFactory()
    with django_assert_num_queries(1):
        assert paging.capped_count(published, 3) == 3
    assert paging.capped_count(Opinion.objects.none(), 3) == 0


def test_a_list_over_the_cap_asks_the_planner_once(django_assert_num_queries: Any) -> None:
    OpinionFactory.create_batch(4)
    published = Opinion.objects.published()
    postgresql = connection.vendor == "postgresql"

    with django_assert_num_queries(2 if postgresql else 1):  # the count (and EXPLAIN)
        first = paging.paginate_with_capped_count(published, 2, cap=3)
    with django_assert_num_queries(0):  # remembered: more than the cap, and the estimate
        again = paging.paginate_with_capped_count(published, 2, cap=3)
    assert first.count == again.count == 4
    assert again.estimate == first.estimate
    assert (first.estimate is not None) == postgresql
    if postgresql:
        assert first.estimate >= 4  # never less than the count proved


def test_a_count_remembered_without_its_estimate_asks_the_planner_then(
    django_assert_num_queries: Any,
) -> None:
    OpinionFactory.create_batch(4)
    published = Opinion.objects.published()
    assert paging.capped_count(published, 3) == 4
    postgresql = connection.vendor == "postgresql"

    with django_assert_num_queries(1 if postgresql else 0):  # EXPLAIN only, no count
        paginator = paging.paginate_with_capped_count(published, 2, cap=3)
    assert paginator.count == 4
    with django_assert_num_queries(0):
        paging.paginate_with_capped_count(published, 2, cap=3)
