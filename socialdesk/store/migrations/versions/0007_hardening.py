"""Hardening: skipped items counted on the account, a fencing token on outbox claims.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 21:25:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("skipped_items", sa.Integer(), server_default="0",
                                      nullable=False))
        batch_op.add_column(sa.Column("last_skipped", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("last_skipped_at", sa.DateTime(timezone=True),
                                      nullable=True))
    with op.batch_alter_table("replies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fence", sa.Integer(), server_default="0",
                                      nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("replies", schema=None) as batch_op:
        batch_op.drop_column("fence")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("last_skipped_at")
        batch_op.drop_column("last_skipped")
        batch_op.drop_column("skipped_items")
