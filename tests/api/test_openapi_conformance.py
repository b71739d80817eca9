"""Every API operation, fuzzed from its own OpenAPI document through the WSGI app, as several personas:
no 5xx, no response that breaks the published schema, no status code the document does not list."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Err, Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from lianxin.api.models import ApiToken
from lianxin.appeals import services
from lianxin.appeals.codes import Channel
from tests.factories import Org

# Per operation and persona, for each of: valid input, invalid input, and valid input aimed at rows that
# exist. About a minute for the whole module on SQLite.
EXAMPLES = 8
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance, content_type_conformance]


@pytest.fixture
def wsgi_app() -> Iterator[Any]:
    """Django's WSGI application, as gunicorn runs it, inside the test's transaction: like Django's test
    client, it must not close the connection at each request's start and end (a connection in a
    transaction looks broken to close_old_connections, and PostgreSQL's would be closed)."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield get_wsgi_application()
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


def _known_ids(org: Org) -> dict[str, list[int]]:
    """Path parameters that name real rows, so handling and detail operations are reached, not only 404."""
    named = services.appeal_submit(text="班车太挤", channel=Channel.WEB, submitter=org.employee_person)
    anonymous = services.appeal_submit(text="食堂饭菜太咸", channel=Channel.WEB, anonymous=True)
    other = services.appeal_submit(text="工具不够", channel=Channel.WEB, submitter=org.stranger)
    return {
        "appeal_id": [named.appeal.pk, anonymous.appeal.pk, other.appeal.pk],
        "person_id": [org.employee_person.pk, org.stranger.pk],
        "unit_id": [org.branch_a.pk, org.branch_b.pk],
    }


def _strategy(operation: Any, known: dict[str, list[int]]) -> Any:
    names = [p.name for p in operation.path_parameters]
    strategies = [
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    ]
    if names and all(name in known for name in names):
        # One known id for every parameter: no operation here has two.
        strategies += [
            operation.as_strategy(GenerationMode.POSITIVE, path_parameters={name: value for name in names})
            for value in {v for name in names for v in known[name]}
        ]
    return st.one_of(strategies)


@pytest.mark.slow
@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["secretary_a", "employee", "informant"])
def test_every_operation_answers_as_documented(org: Org, wsgi_app: Any, persona: str) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app)
    _, token = ApiToken.issue(user=getattr(org, persona), name="schemathesis")
    headers = {"Authorization": f"Bearer {token}"}
    known = _known_ids(org)
    failures: list[str] = []
    # An operation the document describes so badly that schemathesis cannot load it is a failure too.
    results = list(schema.get_all_operations())
    assert all(isinstance(result, Ok) for result in results), [r.err() for r in results if isinstance(r, Err)]
    operations = [result.ok() for result in results if isinstance(result, Ok)]
    assert len(operations) >= 15, "the OpenAPI document lost its operations"
    for operation in operations:

        @given(case=_strategy(operation, known))
        @settings(
            max_examples=EXAMPLES * 3,
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            run()
        except (Exception, FailureGroup) as exc:  # every operation's failures are reported together
            failures.append(f"{operation.label}:\n{exc}")
    assert not failures, "\n\n".join(failures)
