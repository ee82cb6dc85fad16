"""The caller's own account: who they are, the body that erases it, and the export of everything
held about them (GDPR Art. 17 and 20). No tables: the export is built from the other areas'
public shapes, so it says what their own routes say."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.models.accounts import UserPublic
from app.models.audit import AuditRecordPublic
from app.models.base import Instant
from app.models.care_team import PersonOut
from app.models.catalog import ProductPublic
from app.models.devices import DevicePublic
from app.models.logs import RoutineLogPublic
from app.models.overrides import OverridePublic
from app.models.procedures import ProcedurePublic
from app.models.profiles import ProfilePublic
from app.models.reminders import ReminderFields, ReminderSettingsPublic
from app.models.shelf import ShelfItemPublic
from app.validation import Text

ExportFormat = Literal["regimen-export/1"]
EXPORT_FORMAT: ExportFormat = "regimen-export/1"


class AccountPublic(UserPublic):
    """The caller's account (never the password hash)."""

    created_at: Instant = Field(description="When the account was registered")


class AccountDeletion(BaseModel):
    """The password, entered again: erasing an account needs more than a token."""

    model_config = ConfigDict(extra="forbid")

    password: Text = Field(min_length=1, max_length=128, description="The account's password")


class ProcedureExport(ProcedurePublic):
    """A session, including withdrawn ones (`deleted_at`)."""

    deleted_at: Instant | None = None
    deleted_by: uuid.UUID | None = None


class CareLinkExport(BaseModel):
    """A consent link. As the patient: the dermatologist who could see the plan. As the
    dermatologist: only the patient's id (the patient's own data is theirs to export)."""

    role: Literal["patient", "dermatologist"] = Field(description="The caller's side of it")
    dermatologist: PersonOut | None = None
    patient_id: uuid.UUID | None = None
    linked_at: Instant
    revoked_at: Instant | None = None


class CareInviteExport(BaseModel):
    """An invite the caller created (the code itself is never stored, only its hash)."""

    id: uuid.UUID
    created_at: Instant
    expires_at: Instant
    redeemed_at: Instant | None = None
    redeemed_by: uuid.UUID | None = None


class CareTeamExport(BaseModel):
    links: list[CareLinkExport]
    invites: list[CareInviteExport]


class CalendarFeedExport(BaseModel):
    """That a personal calendar feed exists (its token is shown once and only a hash kept)."""

    created_at: Instant


class RemindersExport(BaseModel):
    settings: ReminderSettingsPublic | None = Field(
        description="The caller's reminder settings; null without a profile"
    )
    items: list[ReminderFields] = Field(description="The materialised schedule, soonest first")
    calendar_feed: CalendarFeedExport | None = None


class AccountExport(BaseModel):
    """Everything Regimen holds about the caller, as one document (GDPR Art. 20)."""

    format: ExportFormat = Field(
        default=EXPORT_FORMAT, description="The version of this document's shape"
    )
    exported_at: Instant
    account: AccountPublic
    profile: ProfilePublic | None
    shelf: list[ShelfItemPublic] = Field(description="With each item's product embedded")
    products: list[ProductPublic] = Field(description="The caller's own (private) products")
    logs: list[RoutineLogPublic]
    procedures: list[ProcedureExport]
    overrides: list[OverridePublic] = Field(
        description="Dermatologists' overrides of the caller's plan, withdrawn ones included"
    )
    care_team: CareTeamExport
    audit: list[AuditRecordPublic] = Field(
        description="The audit chain about the caller, oldest first"
    )
    reminders: RemindersExport
    devices: list[DevicePublic] = Field(
        description="The caller's registered push devices, with their push tokens"
    )
