"""Broadcasts keep their image; one row per digest day, so a day's digest is sent once.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("broadcasts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("image", sa.Text(), nullable=True))
    op.create_table(
        "digests_sent",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("covers_from", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("recipients", sa.JSON().with_variant(
            postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("state IN ('sending', 'sent', 'failed')",
                           name=op.f("ck_digests_sent_state")),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_digests_sent")),
    )


def downgrade() -> None:
    op.drop_table("digests_sent")
    with op.batch_alter_table("broadcasts", schema=None) as batch_op:
        batch_op.drop_column("image")
