"""Each contact's last outreach date, from ``outreach.sent``.

Revision ID: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

SCHEMA = "enrichment"


def upgrade() -> None:
    op.add_column("contacts", sa.Column("last_outreach_at", sa.DateTime(timezone=True), nullable=True), schema=SCHEMA)


def downgrade() -> None:
    op.drop_column("contacts", "last_outreach_at", schema=SCHEMA)
