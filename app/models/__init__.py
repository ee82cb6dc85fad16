"""Every table, imported once so that the metadata (and Alembic) sees them all."""

from app.models.accounts import ServiceClient, User
from app.models.base import metadata
from app.models.catalog import Product
from app.models.logs import RoutineLog
from app.models.profiles import Profile
from app.models.shelf import ShelfItem

__all__ = ["Product", "Profile", "RoutineLog", "ServiceClient", "ShelfItem", "User", "metadata"]
