"""Fixtures of the reminder tests: a frozen, movable clock and a scheduler's headers."""

import pytest

from tests.api.reminders.support import T0
from tests.factories import freeze_clock, scheduler_headers


@pytest.fixture
def now(monkeypatch):
    freeze_clock(monkeypatch, T0)

    def move(instant):
        freeze_clock(monkeypatch, instant)

    return move


@pytest.fixture
async def scheduler(client, session):
    return await scheduler_headers(client, session)
