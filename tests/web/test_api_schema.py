"""The JSON API as its OpenAPI schema describes it: schemathesis generates requests for
every operation (with a supervisor's token, which reaches them all) and none may end in a
server error."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import Console

schemathesis = pytest.importorskip("schemathesis", reason="needs schemathesis (pip)")
hypothesis = pytest.importorskip("hypothesis")
OPERATIONS = 14


def test_no_operation_of_the_api_ends_in_a_server_error(console: Console) -> None:
    console.message("min SP2D saya belum cair")
    headers = {"Authorization": f"Bearer {console.token('sari')}"}
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", console.app)
    failures: list[str] = []
    checked = 0
    for result in schema.get_all_operations():
        operation = result.ok()

        @hypothesis.given(operation.as_strategy())
        @hypothesis.settings(max_examples=10, deadline=None, database=None,
                             suppress_health_check=list(hypothesis.HealthCheck))
        def call(case: Any) -> None:
            response = case.call(headers=headers)
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path}: {response.status_code}")

        call()
        checked += 1
    assert checked == OPERATIONS
    assert failures == []
