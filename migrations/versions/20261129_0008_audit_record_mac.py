"""audit record mac

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 23:10:00.000000+00:00

Records written before this revision have no mac: `python -m app.cli sign-audit` signs them
once, after checking their hash chains.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("audit_records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mac", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_records", schema=None) as batch_op:
        batch_op.drop_column("mac")
