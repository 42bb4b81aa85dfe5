"""Provider answers kept per company and state, so a paid provider is not asked twice.

Revision ID: 0002
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SCHEMA = "enrichment"


def upgrade() -> None:
    op.create_table(
        "provider_answers",
        sa.Column("provider", sa.Text(), nullable=False),
        sa.Column("company_key", sa.Text(), nullable=False),
        sa.Column("candidates", postgresql.JSONB(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("provider", "company_key"),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("provider_answers", schema=SCHEMA)
