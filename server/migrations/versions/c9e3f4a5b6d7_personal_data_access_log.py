"""personal data access log: every view and export of unmasked personal data

Revision ID: c9e3f4a5b6d7
Revises: b8d2e3f4a5c6
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "c9e3f4a5b6d7"
down_revision = "b8d2e3f4a5c6"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
