"""The JSON API against its own OpenAPI document (schemathesis, property-based): no answer is a 500,
every answer matches the schema's declared shapes, and the security headers are on each one.
Both the public and the private site; a bounded number of examples per operation."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from izdesh.web.app import create_app


@pytest.fixture(scope="module", params=["public", "private"])
def api_schema(small_db: str, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    if small_db.startswith("postgresql"):
        pytest.skip("the API is the same on both engines; SQLite keeps this short")
    app = create_app(small_db, public=request.param == "public", rate="0")
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def test_api_conforms(api_schema) -> None:  # type: ignore[no-untyped-def]
    """Every operation of the schema, its strategy driven by hypothesis (schemathesis's lazy pytest
    fixture does not run under this pytest, so the operations are walked here)."""
    from hypothesis import given
    from schemathesis.checks import not_a_server_error

    ops = [r.ok() for r in api_schema.get_all_operations()]
    assert any(op.path == "/api/search" for op in ops)
    for op in ops:

        @given(case=op.as_strategy())
        @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def run(case) -> None:  # type: ignore[no-untyped-def]
            response = case.call()
            case.validate_response(response, checks=[not_a_server_error])
            assert response.status_code < 500
            h = response.headers
            assert "nosniff" in str(h.get("x-content-type-options"))
            assert "no-referrer" in str(h.get("referrer-policy"))

        run()
