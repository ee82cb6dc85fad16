"""Hostile input at every edge: NUL and control characters in each text field, dates far out of
range, coerced booleans and dates, forged pagination cursors. Each is a 4xx problem, never a 5xx,
on SQLite and on PostgreSQL (which refuses NUL in text and would otherwise answer 500)."""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.main import create_app
from app.models.accounts import Role
from tests.factories import (
    PASSWORD,
    add_to_shelf,
    catalog_product,
    create_person,
    freeze_clock,
    link_patient,
    login,
    put_profile,
    scheduler_headers,
    unique_email,
)

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
TODAY = NOW.date()
NUL = "bad\x00value"


@pytest.fixture(autouse=True)
def _frozen_clock(monkeypatch):
    freeze_clock(monkeypatch, NOW)


def cursor(*key: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode().rstrip("=")


@dataclass
class Case:
    method: str
    path: str
    who: str = "user"  # user, derm, scheduler or anon
    json: Any = None
    data: dict[str, str] | None = None
    params: dict[str, str] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    expect: int = 422
    # the OAuth2 endpoints answer RFC 6749 5.2 errors: application/json, invalid_request
    media: str = "application/problem+json"


def _token(**form: str) -> dict[str, str]:
    return {"grant_type": "password", "username": "a@example.com", "password": PASSWORD} | form


def _client_grant(**form: str) -> dict[str, str]:
    return {"grant_type": "client_credentials", "client_id": "svc", "client_secret": "s"} | form


def _oauth(path: str, **form: str) -> Case:
    return Case("POST", path, "anon", data=form, expect=400, media="application/json")


PRODUCT = {"name": "Hostile Serum", "category": "serum"}
DEVICE = {"platform": "ios", "push_token": "apns-token"}
OVERRIDE = {"action": "remove", "product_id": "{product_id}", "reason": "why"}
FAR = "9999-12-31"

CASES: dict[str, Case] = {
    # --- NUL and control characters, field by field -------------------------------------------
    "register.email": Case(
        "POST", "/v1/auth/register", "anon", {"email": f"a{NUL}@example.com", "password": PASSWORD}
    ),  # noqa: E501
    "register.password": Case(
        "POST", "/v1/auth/register", "anon", {"email": "b@example.com", "password": NUL + "123"}
    ),  # noqa: E501
    "token.username": _oauth("/v1/auth/token", **_token(username=NUL)),
    "token.password": _oauth("/v1/auth/token", **_token(password=NUL)),
    "token.client_id": _oauth("/v1/auth/token", **_client_grant(client_id=NUL)),
    "token.client_secret": _oauth("/v1/auth/token", **_client_grant(client_secret=NUL)),
    "token.scope": _oauth("/v1/auth/token", **_client_grant(scope=NUL)),
    "token.refresh_token": _oauth("/v1/auth/token", grant_type="refresh_token", refresh_token=NUL),
    "token.grant_type": _oauth("/v1/auth/token", grant_type="pass\x00word"),
    "profile.oral_medications": Case("PUT", "/v1/me/profile", json={"oral_medications": [NUL]}),
    "profile.avoid_ingredients": Case("PUT", "/v1/me/profile", json={"avoid_ingredients": [NUL]}),
    "profile.timezone": Case("PUT", "/v1/me/profile", json={"timezone": "Europe/\x00London"}),
    "profile.am_time": Case("PUT", "/v1/me/profile", json={"am_time": "07\x0030"}),
    "profile_patch.avoid_ingredients": Case(
        "PATCH", "/v1/me/profile", json={"avoid_ingredients": [NUL]}
    ),  # noqa: E501
    "shelf.batch": Case("POST", "/v1/me/shelf", json={"product_id": "{product_id}", "batch": NUL}),
    "shelf_patch.batch": Case("PATCH", "/v1/me/shelf/{item_id}", json={"batch": NUL}),
    "device.push_token": Case("PUT", "/v1/me/devices/phone", json=DEVICE | {"push_token": NUL}),
    "device.push_token_surrogate": Case(
        "PUT", "/v1/me/devices/phone", json=DEVICE | {"push_token": "x\ud800"}
    ),
    "device.locale": Case("PUT", "/v1/me/devices/phone", json=DEVICE | {"locale": "en\x00"}),
    "device.app_version": Case("PUT", "/v1/me/devices/phone", json=DEVICE | {"app_version": NUL}),
    "device.platform": Case("PUT", "/v1/me/devices/phone", json=DEVICE | {"platform": 1}),
    "device.device_id": Case("PUT", "/v1/me/devices/bad%00id", json=DEVICE),
    "device_get.device_id": Case("GET", "/v1/me/devices/bad%00id"),
    "device_delete.device_id": Case("DELETE", "/v1/me/devices/bad%1Bid"),
    "log.note": Case(
        "POST", "/v1/me/logs", json={"date": str(TODAY), "slot": "am", "done": True, "note": NUL}
    ),  # noqa: E501
    "log.note_surrogate": Case(
        "POST",
        "/v1/me/logs",
        json={"date": str(TODAY), "slot": "pm", "done": True, "note": "x\ud800"},
    ),  # noqa: E501
    "product.name": Case("POST", "/v1/products", json=PRODUCT | {"name": NUL}),
    "product.brand": Case("POST", "/v1/products", json=PRODUCT | {"brand": "\x1b[31mred"}),
    "product.inci": Case("POST", "/v1/products", json=PRODUCT | {"inci": ["Aqua", NUL]}),
    "product.active_name": Case(
        "POST", "/v1/products", json=PRODUCT | {"actives": [{"class": "niacinamide", "name": NUL}]}
    ),  # noqa: E501
    "products.q": Case("GET", "/v1/products", params={"q": NUL}),
    "redeem.code": Case("POST", "/v1/patients", "derm", {"code": NUL}),
    "override.reason": Case(
        "POST",
        "/v1/patients/{patient_id}/overrides",
        "derm",
        OVERRIDE | {"reason": NUL, "starts_on": str(TODAY)},
        headers={"If-Match": "{etag}"},
    ),  # noqa: E501
    "override_delete.reason": Case(
        "DELETE",
        "/v1/patients/{patient_id}/overrides/{override_id}",
        "derm",
        params={"reason": NUL},
        headers={"If-Match": "{etag}"},
    ),  # noqa: E501
    "claim.worker_id": Case(
        "POST",
        "/v1/reminders/claim",
        "scheduler",
        {"worker_id": NUL, "until": (NOW + timedelta(minutes=5)).isoformat()},
    ),  # noqa: E501
    "ack.worker_id": Case(
        "POST", f"/v1/reminders/{uuid.uuid4()}/ack", "scheduler", {"worker_id": NUL}
    ),  # noqa: E501
    "calendar.token": Case("GET", "/v1/me/calendar.ics", "anon", params={"token": NUL}, expect=404),
    # --- dates out of range, and dates or booleans that pydantic would coerce -------------------
    "profile.due_date_far": Case(
        "PUT", "/v1/me/profile", json={"pregnancy": "pregnant", "due_date": FAR}
    ),  # noqa: E501
    "profile.due_date_two_years": Case(
        "PUT",
        "/v1/me/profile",
        json={"pregnancy": "pregnant", "due_date": str(TODAY + timedelta(days=730))},
    ),  # noqa: E501
    "profile_patch.due_date_far": Case(
        "PATCH", "/v1/me/profile", json={"pregnancy": "pregnant", "due_date": FAR}
    ),  # noqa: E501
    "shelf.opened_on_far": Case(
        "POST",
        "/v1/me/shelf",
        json={"product_id": "{product_id}", "opened_on": FAR, "pao_months": 120},
    ),  # noqa: E501
    "shelf.expires_on_year_1": Case(
        "POST", "/v1/me/shelf", json={"product_id": "{product_id}", "expires_on": "0001-01-01"}
    ),  # noqa: E501
    "shelf_patch.opened_on_far": Case(
        "PATCH", "/v1/me/shelf/{item_id}", json={"opened_on": FAR, "pao_months": 120}
    ),  # noqa: E501
    "log.date_far": Case("POST", "/v1/me/logs", json={"date": FAR, "slot": "am", "done": True}),
    "log.date_next_month": Case(
        "POST",
        "/v1/me/logs",
        json={"date": str(TODAY + timedelta(days=30)), "slot": "am", "done": True},
    ),  # noqa: E501
    "log.date_zero": Case("POST", "/v1/me/logs", json={"date": 0, "slot": "am", "done": True}),
    "log.done_zero": Case(
        "POST", "/v1/me/logs", json={"date": str(TODAY), "slot": "am", "done": 0}
    ),  # noqa: E501
    "log.done_string": Case(
        "POST", "/v1/me/logs", json={"date": str(TODAY), "slot": "am", "done": "yes"}
    ),  # noqa: E501
    "routine.date_zero": Case("GET", "/v1/me/routine", params={"date": "0"}),
    "routine.date_far": Case("GET", "/v1/me/routine", params={"date": FAR}),
    "routine_days.far": Case(
        "GET", "/v1/me/routine/days", params={"from": "9999-12-25", "to": FAR}
    ),  # noqa: E501
    "logs.year_1": Case("GET", "/v1/me/logs", params={"from": "0001-01-01", "to": "0001-01-02"}),
    "patient_routine.date_far": Case(
        "GET", "/v1/patients/{patient_id}/routine", "derm", params={"date": FAR}
    ),  # noqa: E501
    "override.starts_far": Case(
        "POST",
        "/v1/patients/{patient_id}/overrides",
        "derm",
        OVERRIDE | {"starts_on": FAR},
        headers={"If-Match": "{etag}"},
    ),  # noqa: E501
    "override.ack_zero": Case(
        "POST",
        "/v1/patients/{patient_id}/overrides",
        "derm",
        OVERRIDE | {"starts_on": str(TODAY), "acknowledge_warning": 0},
        headers={"If-Match": "{etag}"},
    ),  # noqa: E501
    "reminders.enabled_zero": Case("PUT", "/v1/me/reminders", json={"enabled": 0}),
    "product.fragrance_zero": Case("POST", "/v1/products", json=PRODUCT | {"fragrance": 0}),
    "claim.until_far": Case(
        "POST",
        "/v1/reminders/claim",
        "scheduler",
        {"worker_id": "w", "until": "9999-12-31T23:59:59-14:00"},
        expect=0,
    ),  # noqa: E501
    "due.window_far": Case(
        "GET",
        "/v1/reminders/due",
        "scheduler",
        params={"from": "9999-12-31T00:00:00-14:00", "to": "9999-12-31T23:00:00-14:00"},
        expect=0,
    ),  # noqa: E501
    # --- numbers that pydantic's lax int and float would read from true, false or a string -----
    "product.spf_true": Case("POST", "/v1/products", json=PRODUCT | {"spf": True}),
    "product.spf_string": Case("POST", "/v1/products", json=PRODUCT | {"spf": "30"}),
    "product.ph_false": Case("POST", "/v1/products", json=PRODUCT | {"ph": False}),
    "product.ph_string": Case("POST", "/v1/products", json=PRODUCT | {"ph": "5.5"}),
    "product.active_percent_false": Case(
        "POST",
        "/v1/products",
        json=PRODUCT | {"actives": [{"class": "niacinamide", "name": "N", "percent": False}]},
    ),
    "shelf.pao_months_string": Case(
        "POST", "/v1/me/shelf", json={"product_id": "{product_id}", "pao_months": "12"}
    ),
    "shelf_patch.pao_months_true": Case(
        "PATCH", "/v1/me/shelf/{item_id}", json={"pao_months": True}
    ),
    "override.wait_true": Case(
        "POST",
        "/v1/patients/{patient_id}/overrides",
        "derm",
        {
            "action": "set_wait",
            "product_id": "{product_id}",
            "wait_after_seconds": True,
            "reason": "why",
            "starts_on": str(TODAY),
        },
        headers={"If-Match": "{etag}"},
    ),
    "override.weekdays_strings": Case(
        "POST",
        "/v1/patients/{patient_id}/overrides",
        "derm",
        {
            "action": "set_frequency",
            "product_id": "{product_id}",
            "frequency": "weekdays",
            "weekdays": ["1", "3"],
            "reason": "why",
            "starts_on": str(TODAY),
        },
        headers={"If-Match": "{etag}"},
    ),
    "procedure.series_sessions_string": Case(
        "POST",
        "/v1/patients/{patient_id}/procedure-series",
        "derm",
        json={"kind": "prp", "sessions": "3", "interval_days": 21, "starts_on": str(TODAY)},
        headers={"If-Match": "{etag}"},
    ),
    "procedure.healing_days_true": Case(
        "POST",
        "/v1/patients/{patient_id}/procedures",
        "derm",
        json={"kind": "ipl", "on": str(TODAY), "healing_days": True},
        headers={"If-Match": "{etag}"},
    ),
    "claim.max_true": Case(
        "POST",
        "/v1/reminders/claim",
        "scheduler",
        {"worker_id": "w", "until": (NOW + timedelta(minutes=5)).isoformat(), "max": True},
    ),
    # --- forged cursors ------------------------------------------------------------------------
    "cursor.not_base64": Case("GET", "/v1/products", params={"cursor": "!!!"}),
    "cursor.nul_name": Case(
        "GET", "/v1/products", params={"cursor": cursor(NUL, str(uuid.uuid4()))}
    ),  # noqa: E501
    "cursor.bad_uuid": Case("GET", "/v1/products", params={"cursor": cursor("a", "nope")}),
    "cursor.nested": Case("GET", "/v1/products", params={"cursor": cursor([[["a"]]], "b")}),
    "cursor.deep": Case(
        "GET", "/v1/products", params={"cursor": base64.urlsafe_b64encode(b"[" * 5000).decode()}
    ),  # noqa: E501
    "cursor.audit_huge": Case("GET", "/v1/me/audit", params={"cursor": cursor(2**70)}),
    "cursor.audit_float": Case("GET", "/v1/me/audit", params={"cursor": cursor(1e308)}),
    "cursor.audit_bool": Case("GET", "/v1/me/audit", params={"cursor": cursor(True)}),
    "cursor.patients_far": Case(
        "GET",
        "/v1/patients",
        "derm",
        params={"cursor": cursor("9999-12-31T23:59:59-14:00", str(uuid.uuid4()))},
    ),  # noqa: E501
    "cursor.patients_year_1": Case(
        "GET",
        "/v1/patients",
        "derm",
        params={"cursor": cursor("0001-01-01T00:00:00+14:00", str(uuid.uuid4()))},
    ),  # noqa: E501
    "cursor.patients_naive": Case(
        "GET",
        "/v1/patients",
        "derm",
        params={"cursor": cursor("2026-01-01T00:00:00", str(uuid.uuid4()))},
    ),  # noqa: E501
    # procedures (PP1-PP6)
    "procedure.nul_notes": Case(
        "POST", "/v1/me/procedures", json={"kind": "ipl", "on": str(TODAY), "notes": NUL}
    ),
    "procedure.nul_clinic": Case(
        "POST", "/v1/me/procedures", json={"kind": "ipl", "on": str(TODAY), "clinic": NUL}
    ),
    "procedure.far_date": Case(
        "POST", "/v1/me/procedures", json={"kind": "ipl", "on": "9999-12-31"}
    ),
    "procedure.number_date": Case("POST", "/v1/me/procedures", json={"kind": "ipl", "on": 0}),
    "procedure.coerced_flag": Case(
        "POST",
        "/v1/me/procedures",
        json={"kind": "ipl", "on": str(TODAY), "clinic_exosome": "yes"},
    ),
    "procedure.list_far": Case("GET", "/v1/me/procedures", params={"from": "0001-01-01"}),
    "procedure.series_nul_reason": Case(
        "POST",
        "/v1/patients/{patient_id}/procedure-series",
        "derm",
        json={
            "kind": "prp",
            "sessions": 3,
            "interval_days": 21,
            "starts_on": str(TODAY),
            "reason": NUL,
        },
        headers={"If-Match": "{etag}"},
    ),  # fmt: skip
    "procedure.series_far": Case(
        "POST",
        "/v1/patients/{patient_id}/procedure-series",
        "derm",
        json={"kind": "prp", "sessions": 3, "interval_days": 21, "starts_on": "9999-12-31"},
        headers={"If-Match": "{etag}"},
    ),
    "cursor.due_far": Case(
        "GET",
        "/v1/reminders/due",
        "scheduler",
        params={
            "from": NOW.isoformat(),
            "to": (NOW + timedelta(hours=1)).isoformat(),
            "cursor": cursor("9999-12-31T23:59:59-14:00", str(uuid.uuid4())),
        },
    ),  # noqa: E501
}


@pytest.fixture
async def world(client, session) -> dict[str, Any]:
    """A patient with a profile and a shelf item, a linked dermatologist with one override on
    it, and a push scheduler: every route above has something real to aim at."""
    patient = await create_person(client)
    await put_profile(client, patient)
    product = await catalog_product(session, "Niacinamide 10% + Zinc Serum")
    item = await add_to_shelf(client, patient, product.id)
    derm = await create_person(client, session, role=Role.dermatologist)
    await link_patient(client, patient, derm)
    overrides = f"/v1/patients/{patient.id}/overrides"
    etag = (await client.get(overrides, headers=derm.headers)).headers["ETag"]
    created = await client.post(
        overrides,
        json={
            "action": "remove",
            "product_id": str(product.id),
            "reason": "why",
            "starts_on": str(TODAY),
        },  # noqa: E501
        headers={**derm.headers, "If-Match": etag},
    )
    assert created.status_code == 201, created.text
    etag = (await client.get(overrides, headers=derm.headers)).headers["ETag"]
    return {
        "headers": {
            "user": patient.headers,
            "derm": derm.headers,
            "scheduler": await scheduler_headers(client, session),
            "anon": {},
        },
        "fill": {
            "patient_id": str(patient.id),
            "product_id": str(product.id),
            "item_id": item["id"],
            "override_id": created.json()["id"],
            "etag": etag,
        },
    }


def _fill(value: Any, fill: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**fill) if "{" in value else value
    if isinstance(value, dict):
        return {k: _fill(v, fill) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, fill) for v in value]
    return value


@pytest.mark.parametrize("name", sorted(CASES))
async def test_hostile_input_is_a_4xx_problem_never_a_5xx(client, world, name):
    case = CASES[name]
    fill = world["fill"]
    headers = {**world["headers"][case.who], **_fill(case.headers, fill)}
    kwargs: dict[str, Any] = {"params": case.params, "headers": headers}
    if case.json is not None:
        # json.dumps keeps a lone surrogate as \\ud800, as a hostile client would send it
        kwargs["content"] = json.dumps(_fill(case.json, fill))
        headers["Content-Type"] = "application/json"
    if case.data is not None:
        kwargs["data"] = case.data
    response = await client.request(case.method, _fill(case.path, fill), **kwargs)
    assert response.status_code < 500, response.text
    assert response.headers["content-type"] == case.media, response.text
    if case.expect:
        assert response.status_code == case.expect, response.text
    body = response.json()
    assert body["status"] == response.status_code
    if case.media == "application/json":
        assert body["error"] == "invalid_request", body
    if response.status_code == 422:
        assert body["code"] in ("validation_error", "invalid_cursor", "invalid_instant"), body


@pytest.mark.parametrize(
    "spelling",
    [
        pytest.param(lambda e: e.upper(), id="upper"),
        pytest.param(
            lambda e: (
                "".join(chr(ord(c) + 0xFEE0) if c.isalpha() else c for c in e.split("@")[0])
                + "@"
                + e.split("@")[1]
            ),
            id="fullwidth",
        ),  # noqa: E501
    ],
)
async def test_another_spelling_of_an_email_is_the_same_account(client, spelling):
    email = unique_email()
    first = await client.post("/v1/auth/register", json={"email": email, "password": PASSWORD})
    assert first.status_code == 201
    again = await client.post(
        "/v1/auth/register", json={"email": spelling(email), "password": PASSWORD}
    )
    assert again.status_code == 409, again.text
    assert again.json()["code"] == "email_taken"
    assert await login(client, spelling(email))


async def test_plain_text_with_line_breaks_is_still_a_valid_note(client):
    person = await create_person(client)
    response = await client.post(
        "/v1/me/logs",
        json={"date": str(TODAY), "slot": "am", "done": False, "note": "stung\n\tthen calm"},
        headers=person.headers,
    )
    assert response.status_code == 201, response.text


def _constraints(node: Any) -> Any:
    if isinstance(node, dict):
        for key, value in node.items():
            yield key, node
            yield from _constraints(value)
    elif isinstance(node, list):
        for value in node:
            yield from _constraints(value)


def test_the_document_states_each_numeric_limit():
    """The strict numbers of request bodies keep their limits as JSON Schema minimum/maximum (a
    validator wrapped around the type made pydantic write its own ge/le keys, which no client or
    fuzzer reads)."""
    schemas = create_app().openapi()["components"]["schemas"]
    leaked = [node for key, node in _constraints(schemas) if key in ("ge", "le", "gt", "lt")]
    assert leaked == []
    spf = schemas["ProductCreate"]["properties"]["spf"]["anyOf"][0]
    assert (spf["minimum"], spf["maximum"]) == (1, 100)
    weekday = schemas["OverrideCreate"]["properties"]["weekdays"]["anyOf"][0]["items"]
    assert (weekday["minimum"], weekday["maximum"]) == (1, 7)


async def test_an_integer_written_with_a_zero_fraction_is_that_integer(client, world):
    """JSON Schema reads 12.0 as the integer 12 (schemathesis sent it as valid); 12.5 is not."""
    headers = world["headers"]["user"]
    product_id = world["fill"]["product_id"]
    whole = await client.patch(
        f"/v1/me/shelf/{world['fill']['item_id']}", json={"pao_months": 12.0}, headers=headers
    )
    assert whole.status_code == 200, whole.text
    assert whole.json()["pao_months"] == 12
    fraction = await client.post(
        "/v1/me/shelf", json={"product_id": product_id, "pao_months": 12.5}, headers=headers
    )
    assert fraction.status_code == 422
