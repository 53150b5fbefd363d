"""Version marks: the last version of a deleted record, so that versions never repeat.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "version_marks",
        sa.Column("table_name", sa.String(length=40), nullable=False),
        sa.Column("record_key", sa.String(length=80), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("table_name", "record_key", name=op.f("pk_version_marks")),
    )


def downgrade() -> None:
    op.drop_table("version_marks")
