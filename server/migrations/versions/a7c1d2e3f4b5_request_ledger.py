"""request ledger: one row per resident request (问题清单, 365 state)

Revision ID: a7c1d2e3f4b5
Revises: f6a3b4c5d7e8
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "a7c1d2e3f4b5"
down_revision = "f6a3b4c5d7e8"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
