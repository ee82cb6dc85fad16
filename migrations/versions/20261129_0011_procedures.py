"""procedures: sessions and series (PP1-PP6), the profile's Fitzpatrick type, reminder kinds

Revision ID: 0011
Revises: 0009
Create Date: 2026-11-29 23:19:30.340969+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.models.base

revision: str = "0011"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "procedures",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("depth", sa.String(length=12), nullable=True),
        sa.Column("clinic", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("notes", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.Column("clinic_exosome", sa.Boolean(), nullable=False),
        sa.Column("healing_days", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=15), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=True),
        sa.Column("series_id", sa.Uuid(), nullable=True),
        sa.Column("series_index", sa.Integer(), nullable=True),
        sa.Column("series_sessions", sa.Integer(), nullable=True),
        sa.Column("interval_days", sa.Integer(), nullable=True),
        sa.Column("maintenance_months", sa.Integer(), nullable=True),
        sa.Column("acknowledge_warning", sa.Boolean(), nullable=False),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("deleted_by", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_procedures_author_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["deleted_by"],
            ["users.id"],
            name=op.f("fk_procedures_deleted_by_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_procedures_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_procedures")),
    )
    with op.batch_alter_table("procedures", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_procedures_user_id"), ["user_id", "deleted_at", "on"], unique=False
        )

    with op.batch_alter_table("profiles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fitzpatrick", sa.String(length=3), nullable=True))

    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=20), server_default="routine", nullable=False)
        )
        batch_op.drop_constraint(batch_op.f("uq_reminders_user_id_local_date_slot"), type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_reminders_user_id_local_date_slot_kind"),
            ["user_id", "local_date", "slot", "kind"],
        )


def downgrade() -> None:
    # the old unique (user, date, slot) cannot hold two kinds of one slot
    op.execute("DELETE FROM reminders WHERE kind <> 'routine'")
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("uq_reminders_user_id_local_date_slot_kind"), type_="unique"
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_reminders_user_id_local_date_slot"), ["user_id", "local_date", "slot"]
        )
        batch_op.drop_column("kind")

    with op.batch_alter_table("profiles", schema=None) as batch_op:
        batch_op.drop_column("fitzpatrick")

    with op.batch_alter_table("procedures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_procedures_user_id"))

    op.drop_table("procedures")
