"""erasure: audit payload digests and erasure seals; records outlive the people they name

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 09:00:00.000000+00:00

Erasing an account (DELETE /v1/me, app/services/privacy.py) keeps the erased patient's audit
chain, redacted, and keeps the overrides and sessions an erased dermatologist wrote into their
patients' plans. So audit_records.patient_id and the author / deleted_by columns of overrides
and procedures lose their foreign keys to users (as audit_records.actor_id never had one).

Existing audit records need no data change: their payload_digest stays null, which tells the
verifier to hash them as before, so every chain, HMAC and checkpoint taken before this revision
still verifies. Records written from now on carry the digest.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.base

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, column, ondelete) of the foreign keys to users.id this revision drops
_DROPPED = (
    ("overrides", "author_id", "RESTRICT"),
    ("overrides", "deleted_by", "RESTRICT"),
    ("procedures", "author_id", "RESTRICT"),
    ("procedures", "deleted_by", "RESTRICT"),
)


def upgrade() -> None:
    with op.batch_alter_table("audit_records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("payload_digest", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("payload_nonce", sa.String(length=32), nullable=True))
        batch_op.add_column(
            sa.Column("erased_at", app.models.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("erasure_mac", sa.String(length=64), nullable=True))
        batch_op.drop_constraint("fk_audit_records_patient_id_users", type_="foreignkey")
    for table in ("overrides", "procedures"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, column, _ondelete in _DROPPED:
                if name == table:
                    batch_op.drop_constraint(f"fk_{table}_{column}_users", type_="foreignkey")


def downgrade() -> None:
    # The old schema cannot hold what erasure left behind. An erased patient's chain goes, as
    # it did with the account before this revision; withdrawals by erased people lose the name.
    # An override in force whose author was erased has nowhere to go: refuse rather than drop it
    # from a patient's plan.
    orphaned = op.get_bind().scalar(
        sa.text("SELECT count(*) FROM overrides WHERE author_id NOT IN (SELECT id FROM users)")
    )
    if orphaned:
        raise RuntimeError(
            f"{orphaned} overrides were written by dermatologists whose accounts are erased; "
            "revision 0011 requires their authors to exist. Withdraw or reassign them first."
        )
    op.execute("DELETE FROM audit_records WHERE patient_id NOT IN (SELECT id FROM users)")
    for table, column, _ondelete in _DROPPED:
        op.execute(
            f"UPDATE {table} SET {column} = NULL "  # noqa: S608 (fixed names)
            f"WHERE {column} IS NOT NULL AND {column} NOT IN (SELECT id FROM users)"
        )
    for table in ("overrides", "procedures"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, column, ondelete in _DROPPED:
                if name == table:
                    batch_op.create_foreign_key(
                        f"fk_{table}_{column}_users", "users", [column], ["id"], ondelete=ondelete
                    )
    with op.batch_alter_table("audit_records", schema=None) as batch_op:
        batch_op.create_foreign_key(
            "fk_audit_records_patient_id_users",
            "users",
            ["patient_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.drop_column("erasure_mac")
        batch_op.drop_column("erased_at")
        batch_op.drop_column("payload_nonce")
        batch_op.drop_column("payload_digest")
