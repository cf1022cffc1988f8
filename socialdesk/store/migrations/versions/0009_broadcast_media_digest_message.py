"""A post's picture at a public address; the message-id of a day's digest, written before
its send.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("replies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("media_url", sa.Text(), nullable=True))
    with op.batch_alter_table("digests_sent", schema=None) as batch_op:
        batch_op.add_column(sa.Column("message_id", sa.String(length=191), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("digests_sent", schema=None) as batch_op:
        batch_op.drop_column("message_id")
    with op.batch_alter_table("replies", schema=None) as batch_op:
        batch_op.drop_column("media_url")
