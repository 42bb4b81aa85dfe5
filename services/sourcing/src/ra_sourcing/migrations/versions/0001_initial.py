"""Leads, clients, job runs, dedup claims and the messaging tables.

Revision ID: 0001
"""

from alembic import op
from ra_runtime.tables import create_messaging_tables
from ra_sourcing.models import SCHEMA, Base

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_TABLES = ("leads", "dedup_claims", "clients", "job_runs")


def upgrade() -> None:
    bind = op.get_bind()
    for name in _TABLES:
        Base.metadata.tables[f"{SCHEMA}.{name}"].create(bind)
    create_messaging_tables(SCHEMA)


def downgrade() -> None:
    bind = op.get_bind()
    for name in ("outbox", "inbox", "dead_letter", *reversed(_TABLES)):
        op.drop_table(name, schema=SCHEMA)
    del bind
