"""Every table, imported once so that the metadata (and Alembic) sees them all."""

from app.models.accounts import ServiceClient, User
from app.models.audit import AuditRecord
from app.models.base import metadata
from app.models.care_team import CareInvite, CareLink
from app.models.catalog import Product
from app.models.devices import Device
from app.models.logs import RoutineLog
from app.models.overrides import PlanOverride
from app.models.procedures import ProcedureRecord
from app.models.profiles import Profile
from app.models.reminders import CalendarFeed, Reminder, ReminderSettings
from app.models.shelf import ShelfItem
from app.models.tokens import RefreshToken, TokenFamily

__all__ = [
    "AuditRecord",
    "CalendarFeed",
    "CareInvite",
    "CareLink",
    "Device",
    "PlanOverride",
    "ProcedureRecord",
    "Product",
    "Profile",
    "RefreshToken",
    "Reminder",
    "ReminderSettings",
    "RoutineLog",
    "ServiceClient",
    "ShelfItem",
    "TokenFamily",
    "User",
    "metadata",
]
