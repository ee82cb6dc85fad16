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

    deleted_at: Instant | None = Field(
        default=None, description="When it was withdrawn; null while it stands"
    )
    deleted_by: uuid.UUID | None = Field(
        default=None, description="Who withdrew it (the caller or a dermatologist)"
    )


class CareLinkExport(BaseModel):
    """A consent link. As the patient: the dermatologist who could see the plan. As the
    dermatologist: only the patient's id (the patient's own data is theirs to export)."""

    role: Literal["patient", "dermatologist"] = Field(description="The caller's side of it")
    dermatologist: PersonOut | None = Field(
        default=None, description="As the patient: who could see the plan; else null"
    )
    patient_id: uuid.UUID | None = Field(
        default=None, description="As the dermatologist: the patient's account id; else null"
    )
    linked_at: Instant = Field(description="When the invite was redeemed")
    revoked_at: Instant | None = Field(
        default=None, description="When the link ended; null while it stands"
    )


class CareInviteExport(BaseModel):
    """An invite the caller created (the code itself is never stored, only its hash)."""

    id: uuid.UUID = Field(description="The invite's id")
    created_at: Instant = Field(description="When the caller created it")
    expires_at: Instant = Field(description="When it stopped (or stops) being redeemable")
    redeemed_at: Instant | None = Field(
        default=None, description="When a dermatologist redeemed it; null if never"
    )
    redeemed_by: uuid.UUID | None = Field(
        default=None, description="The dermatologist who redeemed it (null if never, or erased)"
    )


class CareTeamExport(BaseModel):
    """The caller's consent links and the invites they created."""

    links: list[CareLinkExport] = Field(description="Every link, ended ones included")
    invites: list[CareInviteExport] = Field(description="Every invite the caller created")


class CalendarFeedExport(BaseModel):
    """That a personal calendar feed exists (its token is shown once and only a hash kept)."""

    created_at: Instant = Field(description="When the current feed link was issued")


class RemindersExport(BaseModel):
    """Reminder settings, the materialised reminders and the calendar feed."""

    settings: ReminderSettingsPublic | None = Field(
        description="The caller's reminder settings; null without a profile"
    )
    items: list[ReminderFields] = Field(description="The materialised schedule, soonest first")
    calendar_feed: CalendarFeedExport | None = Field(
        default=None, description="The personal calendar feed, if one was issued"
    )


class AccountExport(BaseModel):
    """Everything Regimen holds about the caller, as one document (GDPR Art. 20)."""

    format: ExportFormat = Field(
        default=EXPORT_FORMAT, description="The version of this document's shape"
    )
    exported_at: Instant = Field(description="When this document was made")
    account: AccountPublic = Field(description="The account (never the password hash)")
    profile: ProfilePublic | None = Field(description="The skin profile; null if none yet")
    shelf: list[ShelfItemPublic] = Field(description="With each item's product embedded")
    products: list[ProductPublic] = Field(description="The caller's own (private) products")
    logs: list[RoutineLogPublic] = Field(description="Every routine log, oldest first")
    procedures: list[ProcedureExport] = Field(description="Every session, withdrawn ones too")
    overrides: list[OverridePublic] = Field(
        description="Dermatologists' overrides of the caller's plan, withdrawn ones included"
    )
    care_team: CareTeamExport = Field(description="Consent links and invites")
    audit: list[AuditRecordPublic] = Field(
        description="The audit chain about the caller, oldest first"
    )
    reminders: RemindersExport = Field(description="Reminder settings and reminders")
    devices: list[DevicePublic] = Field(
        description="The caller's registered push devices, with their push tokens"
    )
