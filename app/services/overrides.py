"""Dermatologist overrides as engine inputs (issue 4 stores and manages them)."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.scheduling.inputs import Override


async def engine_overrides(session: AsyncSession, *, patient_id: uuid.UUID) -> tuple[Override, ...]:
    """The patient's overrides as the engine takes them: none are stored before issue 4."""
    del session, patient_id
    return ()
