"""schemathesis against the service's own ``/openapi.json``: every operation, a bounded number of
generated requests each, with the generated app's credentials. No request may get a 5xx, and
responses must match the media type and schema the document declares for them.

Operations are driven through hypothesis directly (``operation.as_strategy()``) rather than
through schemathesis' pytest plugin, whose collection hooks do not run under pytest 9."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402 (after the skip)
from schemathesis import checks  # noqa: E402

import tokensmith  # noqa: E402

EXAMPLES_PER_OPERATION = 12


@pytest.fixture(scope="module")
def server() -> Iterator[tokensmith.Server]:
    # No rate limit: the fuzzer sends many requests with one key.
    with tokensmith.serve(app_id="fuzz", rate_limit_per_minute=0) as s:
        yield s


def operations(url: str) -> list[Any]:
    schema = schemathesis.openapi.from_url(f"{url}/openapi.json")
    return [result.ok() for result in schema.get_all_operations()]


def test_every_operation_is_in_the_document(server: tokensmith.Server) -> None:
    labels = {op.label for op in operations(server.url)}
    for expected in (
        "POST /v3/users",
        "GET /v3/users/{uid}/auth_tokens",
        "PUT /v3.0/me",
        "POST /v2/tokens",
        "POST /keys/{keyName}/requestToken",
        "POST /keys/{keyName}/revokeTokens",
        "POST /generate-user-token",
        "GET /auth/ably",
        "GET /healthz",
    ):
        assert expected in labels, sorted(labels)


def test_no_server_errors_and_conforming_responses(server: tokensmith.Server) -> None:
    app = server.app
    assert app is not None and app["api_key"]
    # Each generated request carries the admin credentials; a user's token where one is asked for.
    user = server.client().create_user("fuzzer", "Fuzzer", with_auth_token=True)
    headers = {"apikey": app["api_key"], "appid": app["app_id"], "authtoken": user["authToken"]}
    failures: list[str] = []
    for op in operations(server.url):

        @given(case=op.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            case.call_and_validate(
                headers=headers,
                checks=[checks.not_a_server_error, checks.content_type_conformance, checks.response_schema_conformance],
                excluded_checks=[
                    checks.status_code_conformance,
                    checks.negative_data_rejection,
                    checks.positive_data_acceptance,
                    checks.missing_required_header,
                    checks.unsupported_method,
                    checks.ignored_auth,
                    checks.use_after_free,
                    checks.ensure_resource_availability,
                ],
            )

        try:
            run()
        except Exception as e:  # collected, so one run reports every failing operation
            failures.append(f"{op.label}: {e}")
    assert not failures, "\n\n".join(failures)
