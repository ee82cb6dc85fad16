"""devices: a person's app installs and the push token of each (the due feed sends to them)

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 02:15:16.070643+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.models.base

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "devices",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("device_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("platform", sa.String(length=10), nullable=False),
        sa.Column("push_token", sqlmodel.sql.sqltypes.AutoString(length=4096), nullable=False),
        sa.Column("push_token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("locale", sqlmodel.sql.sqltypes.AutoString(length=35), nullable=True),
        sa.Column("app_version", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_devices_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_devices")),
        # one row per push token (the token itself may be too long for a btree index)
        sa.UniqueConstraint("push_token_hash", name=op.f("uq_devices_push_token_hash")),
        # also the index of a user's devices (the list, the cap, the due feed's lookup)
        sa.UniqueConstraint("user_id", "device_id", name=op.f("uq_devices_user_id_device_id")),
    )


def downgrade() -> None:
    op.drop_table("devices")
