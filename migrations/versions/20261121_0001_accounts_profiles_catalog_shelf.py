"""accounts profiles catalog shelf

Revision ID: 0001
Revises:
Create Date: 2026-11-21 21:20:26.707595+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

import app.models.base

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "service_clients",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("client_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("secret_hash", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("scopes", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_clients")),
    )
    with op.batch_alter_table("service_clients", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_service_clients_client_id"), ["client_id"], unique=True
        )

    op.create_table(
        "users",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
        sa.Column("password_hash", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_email"), ["email"], unique=True)

    op.create_table(
        "products",
        sa.Column("brand", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("category", sa.String(length=30), nullable=False),
        sa.Column(
            "inci",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "actives",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("fragrance", sa.Boolean(), nullable=False),
        sa.Column("essential_oils", sa.Boolean(), nullable=False),
        sa.Column("alcohol_denat", sa.Boolean(), nullable=False),
        sa.Column("physical_scrub", sa.Boolean(), nullable=False),
        sa.Column("spf", sa.Integer(), nullable=True),
        sa.Column("filter_type", sa.String(length=20), nullable=True),
        sa.Column("exosome_source", sa.String(length=20), nullable=True),
        sa.Column("gmp_certified", sa.Boolean(), nullable=True),
        sa.Column("batch_on_label", sa.Boolean(), nullable=True),
        sa.Column("expiry_on_label", sa.Boolean(), nullable=True),
        sa.Column("ph", sa.Float(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_products_owner_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_products")),
    )
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_products_category"), ["category"], unique=False)
        batch_op.create_index(batch_op.f("ix_products_name"), ["name"], unique=False)
        batch_op.create_index(batch_op.f("ix_products_owner_id"), ["owner_id"], unique=False)

    op.create_table(
        "profiles",
        sa.Column("skin_type", sa.String(length=20), nullable=True),
        sa.Column("sensitivity", sa.String(length=20), nullable=False),
        sa.Column(
            "conditions",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "concerns",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("pregnancy", sa.String(length=30), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column(
            "oral_medications",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("retinoid_experience", sa.String(length=20), nullable=False),
        sa.Column(
            "avoid_ingredients",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("timezone", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("am_time", sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
        sa.Column("pm_time", sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("updated_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_profiles_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_profiles")),
    )
    op.create_table(
        "shelf_items",
        sa.Column("batch", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("opened_on", sa.Date(), nullable=True),
        sa.Column("pao_months", sa.Integer(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("patch_test", sa.String(length=10), nullable=False),
        sa.Column("added_on", sa.Date(), nullable=False),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_shelf_items_product_id_products"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_shelf_items_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shelf_items")),
    )
    with op.batch_alter_table("shelf_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shelf_items_user_id"), ["user_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("shelf_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shelf_items_user_id"))

    op.drop_table("shelf_items")
    op.drop_table("profiles")
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_products_owner_id"))
        batch_op.drop_index(batch_op.f("ix_products_name"))
        batch_op.drop_index(batch_op.f("ix_products_category"))

    op.drop_table("products")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_email"))

    op.drop_table("users")
    with op.batch_alter_table("service_clients", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_clients_client_id"))

    op.drop_table("service_clients")
