"""/openapi.json is the contract: it lists what each operation really answers (problem+json with
one Problem schema), who may call it, its ETags and preconditions, and names every operation in
camelCase. These tests read the document; test_problem_bodies_match_the_schema checks it against
what the server sends."""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
from typing import Any

import httpx
import pytest
from pydantic import BaseModel

from app.errors import ProblemCode
from app.http_cache import cached_json, send_encoded
from app.main import create_app
from app.models.problems import Problem
from app.openapi import _BY_NAME, ROUTES, _api_routes
from tests.factories import create_person, put_profile

APP = create_app()
DOC: dict[str, Any] = APP.openapi()
OPERATIONS: dict[str, tuple[str, str, dict[str, Any]]] = {
    operation["operationId"]: (method.upper(), path, operation)
    for path, methods in DOC["paths"].items()
    for method, operation in methods.items()
}
SCHEMAS: dict[str, Any] = DOC["components"]["schemas"]
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
SCHEDULER = {"listDueReminders", "claimReminders", "ackReminder"}
PUBLIC = {"getHealth", "getReadiness", "getMetrics", "registerUser", "createToken", "listRules"}


def op(operation_id: str) -> dict[str, Any]:
    return OPERATIONS[operation_id][2]


def codes(operation_id: str, status: int) -> set[str]:
    """The problem codes an operation lists for a status (its examples, one per code)."""
    response = op(operation_id)["responses"][str(status)]
    return set(response["content"]["application/problem+json"]["examples"])


def statuses(operation_id: str) -> set[int]:
    return {int(status) for status in op(operation_id)["responses"]}


def header_names(response: dict[str, Any]) -> set[str]:
    return set(response.get("headers", {}))


def test_every_operation_id_is_camel_case_and_unique():
    ids = [op["operationId"] for methods in DOC["paths"].values() for op in methods.values()]
    assert len(ids) == len(set(ids)) == len(OPERATIONS)
    assert all(re.fullmatch(r"[a-z]+(?:[A-Z][a-z0-9]*)*", i) for i in ids), ids
    expected = {
        "getRoutine": ("GET", "/v1/me/routine"),
        "listRoutineDays": ("GET", "/v1/me/routine/days"),
        "createOverride": ("POST", "/v1/patients/{patient_id}/overrides"),
        "getProfile": ("GET", "/v1/me/profile"),
        "replaceProfile": ("PUT", "/v1/me/profile"),
        "updateProfile": ("PATCH", "/v1/me/profile"),
        "listProducts": ("GET", "/v1/products"),
        "createToken": ("POST", "/v1/auth/token"),
        "claimReminders": ("POST", "/v1/reminders/claim"),
    }
    for operation_id, where in expected.items():
        assert OPERATIONS[operation_id][:2] == where


def test_the_operation_table_names_only_routes_that_exist():
    """A route renamed or removed leaves no stale entry behind (its id would silently change)."""
    names = {route.name for route in _api_routes(APP)}
    assert set(_BY_NAME) <= names, set(_BY_NAME) - names
    assert set(ROUTES) <= set(OPERATIONS), set(ROUTES) - set(OPERATIONS)
    assert all(operation.get("summary") for _m, _p, operation in OPERATIONS.values())


def test_fastapis_validation_error_is_gone():
    text = json.dumps(DOC)
    assert "HTTPValidationError" not in text
    assert "#/components/schemas/ValidationError" not in text


def test_every_error_response_is_a_problem():
    for operation_id, (_method, _path, operation) in OPERATIONS.items():
        for status, response in operation["responses"].items():
            if int(status) < 400:
                continue
            content = response["content"]
            assert list(content) == ["application/problem+json"], (operation_id, status)
            media = content["application/problem+json"]
            assert media["schema"] == PROBLEM_REF, (operation_id, status)
            assert media["examples"], (operation_id, status)
            for code, example in media["examples"].items():
                assert code in set(ProblemCode), (operation_id, code)
                assert example["value"]["status"] == int(status)
                assert example["value"]["code"] == code
                Problem.model_validate(example["value"])
                assert code in response["description"]


def test_the_problem_schema():
    problem = SCHEMAS["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail", "code"}
    assert problem["properties"]["detail"]["type"] == "string"
    assert problem["properties"]["code"]["$ref"] == "#/components/schemas/ProblemCode"
    assert SCHEMAS["ProblemCode"]["enum"] == [code.value for code in ProblemCode]
    errors = problem["properties"]["errors"]
    assert errors["items"] == {"$ref": "#/components/schemas/ValidationIssue"}
    assert set(SCHEMAS["ValidationIssue"]["required"]) == {"loc", "msg"}
    assert problem["properties"]["min_interval_days"]["type"] == "integer"


def test_security_schemes_declare_both_oauth2_flows():
    schemes = DOC["components"]["securitySchemes"]
    password = schemes["OAuth2Password"]["flows"]["password"]
    assert password["tokenUrl"] == "/v1/auth/token"
    assert password["refreshUrl"] == "/v1/auth/token"
    client = schemes["OAuth2ClientCredentials"]["flows"]["clientCredentials"]
    assert client["tokenUrl"] == "/v1/auth/token"
    assert set(client["scopes"]) == {"reminders:read"}
    assert schemes["CalendarFeedToken"] == {
        **schemes["CalendarFeedToken"],
        "type": "apiKey",
        "in": "query",
        "name": "token",
    }


def test_each_operation_says_truthfully_who_may_call_it():
    for operation_id, (_method, _path, operation) in OPERATIONS.items():
        security = operation.get("security")
        if operation_id in SCHEDULER:
            assert security == [{"OAuth2ClientCredentials": ["reminders:read"]}], operation_id
        elif operation_id in PUBLIC:
            assert not security, operation_id
        elif operation_id == "getCalendarFeed":
            assert security == [{"CalendarFeedToken": []}]
        else:
            assert security == [{"OAuth2Password": []}], operation_id
        if security and operation_id != "getCalendarFeed":
            assert codes(operation_id, 401) >= {"not_authenticated", "invalid_token"}
            assert "WWW-Authenticate" in header_names(operation["responses"]["401"])
            assert 403 in statuses(operation_id)
        elif operation_id != "createToken":  # its 401 is a wrong password or client secret
            assert 401 not in statuses(operation_id), operation_id


def test_the_request_alone_decides_413_and_422():
    for operation_id, (_method, _path, operation) in OPERATIONS.items():
        body = "requestBody" in operation
        validated = [p for p in operation.get("parameters", []) if p["name"] != "If-None-Match"]
        if body:
            assert codes(operation_id, 413) == {"payload_too_large"}, operation_id
        else:
            assert 413 not in statuses(operation_id), operation_id
        if body or validated:
            assert "validation_error" in codes(operation_id, 422), operation_id
        else:
            assert 422 not in statuses(operation_id), operation_id


def test_retry_after_on_429_and_503():
    seen = set()
    for operation_id, (_method, _path, operation) in OPERATIONS.items():
        for status in ("429", "503"):
            if status in operation["responses"]:
                seen.add(status)
                assert "Retry-After" in header_names(operation["responses"][status]), operation_id
    assert seen == {"429", "503"}


def test_a_user_route():
    assert statuses("getRoutine") == {200, 304, 401, 403, 404, 422, 503}
    assert codes("getRoutine", 403) == {"user_required"}
    assert codes("getRoutine", 404) == {"profile_not_found"}
    assert codes("getRoutine", 503) == {"database_unavailable"}
    assert codes("addShelfItem", 404) == {"product_not_found"}
    assert codes("updateShelfItem", 404) == {"shelf_item_not_found"}
    assert codes("addShelfItem", 409) == {"concurrent_update"}
    assert 409 not in statuses("getShelf")  # reads lose no race
    assert {200, 201} <= statuses("createLog")  # 200: a log replaced


def test_a_dermatologist_route():
    assert statuses("createOverride") == {201, 401, 403, 404, 409, 412, 413, 422, 428, 503}
    assert codes("createOverride", 403) == {"user_required", "role_required"}
    assert codes("createOverride", 404) == {"patient_not_found", "product_not_found"}
    assert codes("createOverride", 412) == {"stale_version"}
    assert codes("createOverride", 428) == {"precondition_required"}
    assert {"validation_error", "guard_not_overridable", "warning_not_acknowledged"} <= codes(
        "createOverride", 422
    )
    assert codes("deleteOverride", 404) == {"patient_not_found", "override_not_found"}
    assert "session_too_soon" in codes("createPatientProcedureSeries", 422)
    if_match = [p for p in op("createOverride")["parameters"] if p["name"] == "If-Match"]
    assert if_match[0]["required"] is True
    assert if_match[0]["schema"] == {"type": "string"}


def test_a_scheduler_route():
    assert statuses("listDueReminders") == {200, 401, 403, 422, 503}
    assert codes("listDueReminders", 403) == {"scope"}
    assert {"window_too_long", "invalid_window", "invalid_cursor"} <= codes("listDueReminders", 422)
    assert codes("ackReminder", 409) == {"lease_not_held", "concurrent_update"}


def test_the_public_routes():
    assert statuses("registerUser") == {201, 409, 413, 422, 429, 503}
    assert codes("registerUser", 409) == {"email_taken", "concurrent_update"}
    assert statuses("listRules") == {200, 304}
    assert statuses("getReadiness") == {200, 503}
    [metrics] = op("getMetrics")["responses"]["200"]["content"]
    assert metrics.startswith("text/plain")
    feed = op("getCalendarFeed")
    assert statuses("getCalendarFeed") == {200, 404, 503}
    assert list(feed["responses"]["200"]["content"]) == ["text/calendar"]


def test_the_token_route_is_a_described_form():
    token = op("createToken")
    body = token["requestBody"]["content"]
    assert list(body) == ["application/x-www-form-urlencoded"]
    assert body["application/x-www-form-urlencoded"]["schema"] == {
        "$ref": "#/components/schemas/TokenRequest"
    }
    form = SCHEMAS["TokenRequest"]
    assert form["properties"]["grant_type"]["enum"] == ["password", "client_credentials"]
    assert all(prop.get("description") for prop in form["properties"].values())
    assert codes("createToken", 400) == {"bad_request", "invalid_request", "invalid_scope"}
    assert codes("createToken", 401) == {"invalid_credentials", "invalid_client"}
    assert 409 not in statuses("createToken")  # it stores nothing


def test_conditional_reads_document_etag_if_none_match_and_304():
    conditional = {i for i, route in ROUTES.items() if route.conditional}
    assert {"getRoutine", "listRoutineDays", "getProfile", "getShelf", "listPatientOverrides"} <= (
        conditional
    )
    for operation_id in conditional:
        operation = op(operation_id)
        names = [p["name"] for p in operation.get("parameters", [])]
        assert "If-None-Match" in names, operation_id
        assert {"ETag", "Cache-Control"} <= header_names(operation["responses"]["304"])
        assert "ETag" in header_names(operation["responses"]["200"])
    for operation_id in set(OPERATIONS) - conditional:
        assert "304" not in op(operation_id)["responses"], operation_id
    replace = op("replaceProfile")
    assert "ETag" in header_names(replace["responses"]["200"])
    assert "ETag" in header_names(replace["responses"]["201"])
    [if_match] = [p for p in replace["parameters"] if p["name"] == "If-Match"]
    assert not if_match["required"]  # optional here: 412, never 428
    assert codes("replaceProfile", 412) == {"stale_version"}
    assert 428 not in statuses("replaceProfile")


def test_the_etag_routes_are_those_that_send_one():
    """ROUTES says which routes send an ETag; the routes that call app.http_cache's senders
    are exactly those (a new cached read must be listed to be documented)."""
    senders = {cached_json.__name__, send_encoded.__name__}
    sending = set()
    for route in _api_routes(APP):
        if senders & set(route.endpoint.__code__.co_names):
            sending.add(route.unique_id)
    listed = {i for i, route in ROUTES.items() if route.conditional or route.etag}
    assert sending == listed


async def test_problem_bodies_match_the_schema(client, session):
    """What the server sends as problems validates against the Problem schema, members and
    all: a few statuses from different layers (dependency, service, edge, precondition)."""
    person = await create_person(client)
    await put_profile(client, person)
    properties = set(SCHEMAS["Problem"]["properties"])
    answers = [
        await client.get("/v1/me/routine"),  # 401
        await client.get("/v1/patients", headers=person.headers),  # 403
        await client.get(f"/v1/products/{person.id}", headers=person.headers),  # 404
        await client.post("/v1/auth/register", json={"email": person.email, "password": "x" * 9}),
        await client.put("/v1/me/profile", json={"timezone": "Mars"}, headers=person.headers),
        await client.patch(
            "/v1/me/profile", json={}, headers={**person.headers, "If-Match": '"old"'}
        ),  # 412
        await client.get(
            "/v1/me/routine/days",
            params={"from": "2026-01-01", "to": "2026-12-31"},
            headers=person.headers,
        ),  # 422 with max_days
    ]
    assert [a.status_code for a in answers] == [401, 403, 404, 409, 422, 412, 422]
    for answer in answers:
        assert answer.headers["content-type"] == "application/problem+json"
        body = answer.json()
        assert set(body) <= properties, body
        Problem.model_validate(body)


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_the_docs_work_without_the_internet(page):
    """The pages load only assets the app serves itself, and it serves them."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(APP), base_url="http://regimen.test"
    ) as client:
        html = await client.get(page)
        assert html.status_code == 200
        assert html.headers["content-type"].startswith("text/html")
        assert not re.search(r"(?:https?:)?//", html.text), "an absolute URL in the page"
        assets = re.findall(r'(?:src|href)="([^"]+)"', html.text)
        assert assets
        types = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}
        for asset in assets:
            assert re.match(r"/[^/]", asset), asset
            served = await client.get(asset)
            assert served.status_code == 200, asset
            suffix = asset[asset.rindex(".") :]
            assert served.headers["content-type"].startswith(types[suffix]), asset
            assert len(served.content) > 1000
        spec = re.findall(r"""(?:url|spec-url)[:=]\s*['"]([^'"]+)['"]""", html.text)
        assert spec == ["/openapi.json"]


def _resolve(prop: dict[str, Any]) -> list[dict[str, Any]]:
    """The schemas a property may take (through anyOf and $ref), null aside."""
    options = prop.get("anyOf", [prop])
    out = []
    for option in options:
        if "$ref" in option:
            option = SCHEMAS[option["$ref"].rsplit("/", 1)[-1]]
        if option.get("type") != "null":
            out.append(option)
    return out


def enum_of(schema: str, prop: str) -> list[str]:
    [resolved] = _resolve(SCHEMAS[schema]["properties"][prop])
    values: list[str] = resolved.get("enum") or [resolved["const"]]
    return values


def test_output_enums_are_enums():
    assert "retinoid" in enum_of("RoutineDay", "night_type")
    assert {"cleanse", "spf", "patch_test"} <= set(enum_of("StepOut", "kind"))
    assert enum_of("StepOut", "source") == ["engine", "override"]
    assert enum_of("ExclusionOut", "slot") == ["am", "pm"]
    assert {"pregnancy", "procedure", "introduction", "override"} <= set(
        enum_of("ExclusionOut", "guard")
    )
    assert enum_of("AlternativeOut", "source") == ["shelf", "catalog"]
    assert {"A", "B", "C", "U", "policy", "A/C"} <= set(enum_of("RuleOut", "grade"))
    assert {"no_sunscreen", "procedure_window", "confirm_pregnancy_end"} <= set(
        enum_of("WarningOut", "code")
    )
    assert "series_outside_protocol" in enum_of("AdviceOut", "code")
    assert "email_taken" in enum_of("Problem", "code")
    assert enum_of("ReminderOut", "kind") == ["routine", "procedure_prep", "procedure"]
    assert enum_of("ReminderOut", "slot") == ["am", "pm"]
    assert "chemical_peel" in enum_of("ProcedurePublic", "kind")
    assert enum_of("ProcedurePublic", "depth") == ["superficial", "medium", "deep"]
    assert enum_of("UserPublic", "role") == ["user", "dermatologist", "admin"]
    assert enum_of("Token", "token_type") == ["bearer"]
    assert "serum" in enum_of("StepProductOut", "category")


def test_dates_and_instants_carry_their_format():
    seen = set()
    for name, schema in SCHEMAS.items():
        for prop, definition in schema.get("properties", {}).items():
            formats = {option.get("format") for option in _resolve(definition)}
            if prop in ("at", "until", "lease_until") or prop.endswith("_at"):
                assert formats == {"date-time"}, (name, prop)
                seen.add("date-time")
            if prop in ("date", "on", "healing_until") or prop.endswith(("_on", "_date")):
                assert formats == {"date"}, (name, prop)
                seen.add("date")
    assert seen == {"date", "date-time"}
    assert SCHEMAS["RoutineDay"]["properties"]["date"]["format"] == "date"


def _undescribed() -> list[str]:
    """Component schemas and properties that say nothing about themselves. A property that is
    only a reference may lean on the referenced schema's description."""
    missing = []
    for name, schema in SCHEMAS.items():
        if not schema.get("description"):
            missing.append(name)
        for prop, definition in schema.get("properties", {}).items():
            if definition.get("description"):
                continue
            ref = definition.get("$ref")
            if ref is not None and SCHEMAS[ref.rsplit("/", 1)[-1]].get("description"):
                continue
            missing.append(f"{name}.{prop}")
    return missing


def test_every_schema_and_field_has_a_description():
    missing = _undescribed()
    assert not missing, f"{len(missing)} without a description: {missing}"


def test_every_parameter_has_a_description():
    missing = [
        f"{operation_id} {parameter['name']}"
        for operation_id, (_m, _p, operation) in OPERATIONS.items()
        for parameter in operation.get("parameters", [])
        if not parameter.get("description")
    ]
    assert not missing, missing


def test_key_bodies_have_examples_and_each_example_is_valid():
    """Examples are data a client may copy: each one validates against its own model."""
    import app.models as models_package

    with_examples = set()
    for module in pkgutil.iter_modules(models_package.__path__):
        loaded = importlib.import_module(f"app.models.{module.name}")
        for model in vars(loaded).values():
            if not (isinstance(model, type) and issubclass(model, BaseModel)):
                continue
            if model.__module__ != loaded.__name__ or hasattr(model, "__table__"):
                continue
            examples = model.model_json_schema(mode="serialization").get("examples", [])
            for example in examples:
                model.model_validate(example)
                with_examples.add(model.__name__)
    assert {
        "UserRegister",
        "Token",
        "ProfileIn",
        "ProfilePatch",
        "ProfilePublic",
        "ProductCreate",
        "ShelfItemCreate",
        "RoutineLogIn",
        "OverrideCreate",
        "ProcedureIn",
        "ProcedureSeriesIn",
        "ClaimIn",
        "RedeemIn",
        "ReminderSettingsIn",
        "RoutineDay",
        "Problem",
    } <= with_examples
    for name in ("ProfileIn", "RoutineDay", "OverrideCreate", "Problem"):
        assert SCHEMAS[name]["examples"], name
