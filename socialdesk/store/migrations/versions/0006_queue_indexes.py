"""Queue indexes: partial indexes on the messages still to work on, in due order.

The agents' queue (states new/open/waiting, the first response due first) and its at-risk
filter read only these rows; with a year of messages stored they are a small share, and the
top of the queue comes from the index instead of a sort over a scan.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

WORKED_ON = "state IN ('new', 'open', 'waiting')"
INDEXES = {
    "ix_messages_unanswered_due": f"{WORKED_ON} AND first_response_at IS NULL",
    "ix_messages_answered_due": f"{WORKED_ON} AND first_response_at IS NOT NULL",
}


def upgrade() -> None:
    for name, where in INDEXES.items():
        op.create_index(name, "messages", ["response_due_at", "id"], unique=False,
                        postgresql_where=sa.text(where), sqlite_where=sa.text(where))


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name="messages")
