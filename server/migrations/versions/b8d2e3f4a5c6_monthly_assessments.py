"""monthly assessments: the office's filled assessment per worker and month

Revision ID: b8d2e3f4a5c6
Revises: a7c1d2e3f4b5
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "b8d2e3f4a5c6"
down_revision = "a7c1d2e3f4b5"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
