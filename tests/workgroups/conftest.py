"""Fixtures the working-group tests share."""

from __future__ import annotations

import pytest

from tests.workgroups.grid import Scene, build_scene


@pytest.fixture
def scene() -> Scene:
    """A group, another group, an open call for both, and one person per role."""
    return build_scene()
