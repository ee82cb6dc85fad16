"""shelf items: the day each joined the routine (S5 onboarding)

Items already in use keep their place: an item whose patch test passed or was skipped, or whose
pending test has run its 7 days, joined on the day it was added. Pending items still inside
their test are left empty, and the engine introduces them (app/scheduling/onboarding.py).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 23:10:00+00:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# the engine's default patch test before this change (S2: EngineSettings.patch_test_days)
_PATCH_TEST_DAYS = 7


def upgrade() -> None:
    with op.batch_alter_table("shelf_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("introduced_on", sa.Date(), nullable=True))
    shelf = sa.table(
        "shelf_items",
        sa.column("added_on", sa.Date()),
        sa.column("patch_test", sa.String()),
        sa.column("introduced_on", sa.Date()),
    )
    elapsed = datetime.now(UTC).date() - timedelta(days=_PATCH_TEST_DAYS)
    op.execute(
        shelf.update()
        .where(
            sa.or_(
                shelf.c.patch_test.in_(["passed", "skipped"]),
                shelf.c.added_on <= elapsed,
            )
        )
        .values(introduced_on=shelf.c.added_on)
    )


def downgrade() -> None:
    with op.batch_alter_table("shelf_items", schema=None) as batch_op:
        batch_op.drop_column("introduced_on")
