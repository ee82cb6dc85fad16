"""The server keeps the contract it publishes: schemathesis fuzzes every operation of
/openapi.json in-process with every check, on SQLite and on PostgreSQL.

Each run gets a private database (a fresh SQLite file, a PostgreSQL schema of its own) built with
the helpers of tests/conftest.py. Not conftest's session engines: schemathesis serves the app
from an event-loop thread of its own, and a pooled connection cannot cross event loops. The app
is the one `create_app(settings, manage_database=False)` builds for the API tests; a lifespan of
this module's own makes the engine and the populated world (tests/contract/world.py) inside
schemathesis's loop, and disposes of both at the end.

Each operation is sent as the caller it is for: a user with a profile, a shelf and more; a
dermatologist linked to a patient (/v1/patients/...); a push scheduler with reminders:read
(/v1/reminders/...). Path parameters are the generated ones (a random id: 404) or, half the
time, ids that exist for that caller.

CONTRACT_SURVEY=1 records every failure instead of stopping an operation at its first, and prints
a count per check and operation at the end; CONTRACT_SURVEY_LOG=<file> also writes each failure
as a JSON line (request, status, problem code). That is how the failure counts of issue 12 were
taken.
"""

from __future__ import annotations

import json
import os
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from zoneinfo import available_timezones

import httpx
import hypothesis
import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import strategies as st
from schemathesis.core.failures import FailureGroup
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import positive_data_acceptance
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.db import create_engine
from app.main import attach_database, create_app
from app.validation import MAX_DATE, MIN_DATE
from tests.conftest import (
    drop_postgres_schema,
    migrate_and_seed,
    postgres_engine,
    require_postgres,
    reset_postgres_schema,
    run_schema,
)
from tests.contract.world import World, build_world

pytestmark = pytest.mark.contract

# Generated examples per operation in the fuzzing phase; the examples and coverage phases add
# their own deterministic cases. Both databases together stay within about three minutes on a
# 2-core machine. CONTRACT_MAX_EXAMPLES and CONTRACT_SEED widen a run by hand.
MAX_EXAMPLES = int(os.environ.get("CONTRACT_MAX_EXAMPLES", "20"))
SEED = int(os.environ.get("CONTRACT_SEED", "12"))
# stateful scenarios, and calls in each
STATEFUL_EXAMPLES = int(os.environ.get("CONTRACT_STATEFUL_EXAMPLES", "50"))
STATEFUL_STEPS = 10

SURVEY = os.environ.get("CONTRACT_SURVEY") == "1"
SURVEY_LOG = os.environ.get("CONTRACT_SURVEY_LOG")
SURVEYED: Counter[tuple[str, str, str]] = Counter()  # (backend, check, operation) -> failures


# Formats of the document that schemathesis cannot draw by itself. A time zone is a name of the
# IANA database (a format of this API's own). A date is also limited to 1900-2100 by a pattern:
# drawn from all of 0001-9999 and filtered by that pattern, almost every draw would be thrown
# away (Hypothesis stops at filter_too_much), so dates are drawn inside the range instead.
schemathesis.openapi.format("iana-time-zone", st.sampled_from(sorted(available_timezones())))
schemathesis.openapi.format("date", st.dates(MIN_DATE, MAX_DATE).map(lambda day: day.isoformat()))


@dataclass
class Contract:
    backend: str
    app: FastAPI
    world: World


@pytest.fixture(params=["sqlite", "postgresql"])
def contract(
    request: pytest.FixtureRequest, settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Contract]:
    """The app on a database of its own, with its world, served on schemathesis's loop."""
    backend: str = request.param
    if backend == "postgresql":
        require_postgres()
    pg_schema = run_schema("regimen_contract")
    sqlite_path = tmp_path_factory.mktemp("contract") / "regimen.db"
    app = create_app(settings, manage_database=False)
    built: list[World] = []

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if backend == "postgresql":
            await reset_postgres_schema(pg_schema)
            engine = postgres_engine(pg_schema)
        else:
            engine = create_engine(f"sqlite+aiosqlite:///{sqlite_path}")
        await migrate_and_seed(engine)
        attach_database(app, engine)
        transport = httpx.ASGITransport(app=app)
        async with (
            httpx.AsyncClient(transport=transport, base_url="http://testserver") as client,
            AsyncSession(engine, expire_on_commit=False) as session,
        ):
            built.append(await build_world(client, session))
        try:
            yield
        finally:
            await engine.dispose()
            if backend == "postgresql":
                await drop_postgres_schema(pg_schema)

    app.router.lifespan_context = lifespan
    with asgi.get_client(app) as client:  # the first request starts the lifespan
        assert client.get(f"http://{asgi.HOST}/healthz").status_code == 200
    try:
        yield Contract(backend=backend, app=app, world=built[0])
    finally:
        asgi.shutdown_lifespans()
        if SURVEY:
            _print_survey(backend)


@pytest.fixture
def contract_schema(contract: Contract) -> schemathesis.BaseSchema:
    schema = schemathesis.openapi.from_asgi("/openapi.json", contract.app)
    schema.config.generation.update(max_examples=MAX_EXAMPLES, deterministic=True, database="none")
    schema.config.seed = SEED
    world = contract.world

    @schema.auth(refresh_interval=None)
    class Callers:
        """The right caller for each operation that declares a bearer token."""

        def get(self, _case: schemathesis.Case, context: schemathesis.AuthContext) -> Any:
            return caller(context.operation, world)

        def set(self, case: schemathesis.Case, data: Any, _context: Any) -> None:
            case.headers = {**(case.headers or {}), **data}

    @schema.auth(refresh_interval=None).apply_to(path="/v1/me/calendar.ics")
    class CalendarApp:
        """A calendar app, with the user's personal feed token in the query."""

        def get(self, _case: schemathesis.Case, _context: Any) -> Any:
            return world.calendar_token

        def set(self, case: schemathesis.Case, data: Any, _context: Any) -> None:
            case.query = {**(case.query or {}), "token": data}

    @schema.hook
    def flatmap_path_parameters(context: schemathesis.HookContext, params: Any) -> Any:
        """Half the time, an id that exists for this caller in place of a generated one (only
        in place of a valid id: an invalid one is the point of a negative case)."""
        if not isinstance(params, dict):
            return st.just(params)
        real = {
            name: st.sampled_from(world.known_ids[name])
            for name, value in params.items()
            if _is_uuid(value) and world.known_ids.get(name)
        }
        if not real:
            return st.just(params)
        known = st.fixed_dictionaries(real).map(lambda ids: {**params, **ids})
        return st.one_of(st.just(params), known)

    return schema


def caller(operation: schemathesis.APIOperation, world: World) -> dict[str, str] | None:
    """The Authorization header of the caller an operation is for (None: no bearer token)."""
    schemes = {name for entry in operation.definition.raw.get("security", []) for name in entry}
    if "OAuth2ClientCredentials" in schemes:
        return world.scheduler
    if "OAuth2Password" not in schemes:
        return None
    if operation.path.startswith("/v1/patients"):
        return world.dermatologist.headers
    return world.user.headers


def _is_uuid(value: object) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


# A write under If-Match names the ETag of this read (by the same caller).
_VERSIONED_BY = {
    "/v1/me/profile": "/v1/me/profile",
    "/v1/patients/{patient_id}/overrides": "/v1/patients/{patient_id}/overrides",
    "/v1/patients/{patient_id}/overrides/{override_id}": "/v1/patients/{patient_id}/overrides",
    "/v1/patients/{patient_id}/procedures": "/v1/patients/{patient_id}/procedures",
    "/v1/patients/{patient_id}/procedure-series": "/v1/patients/{patient_id}/procedures",
}


def send_current_version(case: schemathesis.Case, world: World) -> None:
    """A positive case that sends If-Match sends the current ETag, as a client that has just read
    the resource does: any other string names a stale version, and 412 is the right answer to
    that. Negative cases keep what was generated."""
    read = _VERSIONED_BY.get(case.operation.path)
    headers = case.headers
    if read is None or not headers or "If-Match" not in headers or not _positive(case):
        return
    path = read.format(**(case.path_parameters or {}))
    with asgi.get_client(case.operation.app) as client:
        response = client.get(f"http://{asgi.HOST}{path}", headers=caller(case.operation, world))
    if "ETag" in response.headers:
        headers["If-Match"] = response.headers["ETag"]


def _positive(case: schemathesis.Case) -> bool:
    meta = case.meta
    return meta is None or meta.generation.mode == schemathesis.GenerationMode.POSITIVE


# Field rules no JSON Schema keyword can state: they read the day of the request, or RFC 6761's
# registry of special-use domain names.
RULES_BEYOND_JSON_SCHEMA = (
    (["body", "due_date"], "a due date is at most about ten months ahead"),
    (["body", "pregnancy_ended_on"], "is in the future"),
    (["body", "date"], "cannot log a day that has not begun"),
    (["body", "email"], "special-use or reserved name"),
)


def beyond_the_schema(
    case: schemathesis.Case, response: schemathesis.Response
) -> list[schemathesis.CheckFunction]:
    """positive_data_acceptance is not run on a refusal the document cannot express:

    - a 422 with a code of its own: a cursor this service did not issue, an unknown or used
      invite code, a window whose `to` is not after its `from`, a lease already over, a
      procedure more than two years away;
    - a validation error on an object as a whole (the body, or an object in it such as
      quiet_hours): fields that exclude each other, or a start that must differ from its end;
    - one of RULES_BEYOND_JSON_SCHEMA.

    Any other field the server refuses while the document allows it still fails the check."""
    if response.status_code != 422:
        return []
    try:
        problem = json.loads(response.content)
    except ValueError:
        return []
    if problem.get("code") != "validation_error":
        return [positive_data_acceptance]
    errors = problem.get("errors") or [{"loc": ["body"], "msg": ""}]
    if all(_names_an_object(case, e["loc"]) or _beyond(e) for e in errors):
        return [positive_data_acceptance]
    return []


def _beyond(error: dict[str, Any]) -> bool:
    return any(
        error["loc"] == loc and words in error["msg"] for loc, words in RULES_BEYOND_JSON_SCHEMA
    )


def _names_an_object(case: schemathesis.Case, loc: list[str | int]) -> bool:
    """Whether an error's loc is the request body or an object inside it, in the document."""
    if loc in ([], ["body"]):
        return True
    body = case.operation.definition.raw.get("requestBody")
    if loc[0] != "body" or body is None:
        return False
    document = case.operation.schema.raw_schema
    (media,) = body["content"].values()
    node = media["schema"]
    for part in loc[1:]:
        node = _resolved(document, node)
        node = node.get("items") if isinstance(part, int) else node.get("properties", {}).get(part)
        if node is None:
            return False
    return "properties" in _resolved(document, node)


def _resolved(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """A schema with its $ref followed and a nullable anyOf reduced to its non-null member."""
    while True:
        if "$ref" in node:
            node = document["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
        elif "anyOf" in node:
            node = next(n for n in node["anyOf"] if n.get("type") != "null")
        else:
            return node


contract_api = schemathesis.pytest.from_fixture("contract_schema")


@contract_api.parametrize()
# Settings of its own, so that the project's hypothesis profiles (ci: 1000 examples a property,
# tests/scheduling/conftest.py) do not reach the fuzzer: a loaded profile outranks the config.
@hypothesis.settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    # a request is slow next to a pure function, and schemathesis filters generated values
    suppress_health_check=list(hypothesis.HealthCheck),
)
def test_the_api_keeps_its_contract(case: schemathesis.Case, contract: Contract) -> None:
    send_current_version(case, contract.world)
    response = case.call()
    try:
        case.validate_response(response, excluded_checks=beyond_the_schema(case, response))
    except FailureGroup as group:
        if not SURVEY:
            raise
        _record(contract.backend, case, response, group)


def test_the_api_keeps_its_contract_across_calls(
    contract_schema: schemathesis.BaseSchema, contract: Contract
) -> None:
    """Sequences of calls along the links schemathesis infers (an id one response returns, used
    by the next request): what is created can be read back, what is deleted stays gone
    (ensure_resource_availability, use_after_free), with every other check on each step."""
    world = contract.world
    failed: list[FailureGroup] = []

    class Workflow(contract_schema.as_state_machine()):  # type: ignore[misc]
        def before_call(self, case: schemathesis.Case) -> None:
            send_current_version(case, world)

        def validate_response(
            self, response: schemathesis.Response, case: schemathesis.Case, **kwargs: Any
        ) -> None:
            try:
                case.validate_response(
                    response,
                    excluded_checks=beyond_the_schema(case, response),
                    transport_kwargs=kwargs or None,
                    recorder=self.recorder,
                )
            except FailureGroup as group:
                failed.append(group)
                raise

    settings = hypothesis.settings(
        max_examples=STATEFUL_EXAMPLES,
        stateful_step_count=STATEFUL_STEPS,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    try:
        Workflow.run(settings=settings)
    except hypothesis.errors.Flaky:
        # The database keeps what earlier scenarios wrote, so replaying a scenario can take
        # another path (a name already taken, an item already deleted) and Hypothesis calls the
        # generation inconsistent. As schemathesis's own runner does, that ends the run: a
        # failure seen before it is still reported, and nothing else is one.
        if failed:
            raise failed[0] from None


def _record(backend: str, case: schemathesis.Case, response: Any, group: FailureGroup) -> None:
    try:
        code = json.loads(response.content).get("code")
    except (ValueError, AttributeError):
        code = None
    for failure in group.exceptions:
        check = type(failure).checks[0] if type(failure).checks else type(failure).__name__
        SURVEYED[(backend, check, case.operation.label)] += 1
        if SURVEY_LOG:
            entry = {
                "backend": backend,
                "check": check,
                "operation": case.operation.label,
                "status": response.status_code,
                "code": code,
                "title": failure.title,
                "message": failure.message,
                "curl": case.as_curl_command(),
                "body": response.content[:4000].decode(errors="replace"),
            }
            with open(SURVEY_LOG, "a") as log:
                log.write(json.dumps(entry) + "\n")


def _print_survey(backend: str) -> None:
    rows = sorted((key, n) for key, n in SURVEYED.items() if key[0] == backend)
    by_check: Counter[str] = Counter(check for (_, check, _op), _n in rows)
    lines = [f"\n=== contract survey on {backend}: failing (check, operation) pairs ==="]
    lines += [f"{check:32} {count}" for check, count in sorted(by_check.items())]
    lines += [f"  {check:30} {op}  x{n}" for (_, check, op), n in rows]
    print("\n".join(lines))
