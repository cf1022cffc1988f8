from __future__ import annotations

from collections.abc import Iterator

import pytest
import responses

from .support import FixedClock


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()
