"""The outbox's restart marker: replies.claim_epoch and the one-row outbox_epoch table.

On PostgreSQL the outbox records a send's outcome without waiting for the disk
(synchronous_commit off for that statement). A crash of the database server may then lose
the latest outcomes, which puts their replies back in `sending` under their old claim. The
claim itself still waits for the disk and stores the server's incarnation token
(outbox_epoch, UNLOGGED, so crash recovery empties it); reconciliation takes every row of a
claim whose token is no longer current for possibly sent (desk/outbox.py). On SQLite the
table exists for the models' sake and stays unused.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    unlogged = ["UNLOGGED"] if op.get_bind().dialect.name == "postgresql" else []
    op.create_table(
        "outbox_epoch",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("token", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_epoch")),
        prefixes=unlogged,
    )
    with op.batch_alter_table("replies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claim_epoch", sa.String(length=36), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("replies", schema=None) as batch_op:
        batch_op.drop_column("claim_epoch")
    op.drop_table("outbox_epoch")
