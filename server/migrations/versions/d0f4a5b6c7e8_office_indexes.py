"""office indexes: what the office pages read at a million ledger entries

- `ix_record_projections_place`: the office's lists read a type ledger first and look
  each row's record up in `record_projections` for where it is and whether it is withdrawn
  (`server/services/ledger_places.py`); this answers that from the index alone, without
  reading the wide row with its merged state.
- `ix_request_ledger_step_due`: the dashboard's overdue requests (not yet handled, due date
  passed) without reading every request that has a due date.
- `ix_request_ledger_rated` and `ix_visit_ledger_visited_at_author_household`: a month's
  ratings and visits counted per worker (月度考核) from the indexes alone. The latter
  replaces `ix_visit_ledger_visited_at`, which it begins with.

Revision ID: d0f4a5b6c7e8
Revises: c9e3f4a5b6d7
"""

from alembic import op

revision = "d0f4a5b6c7e8"
down_revision = "c9e3f4a5b6d7"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_record_projections_place", "record_projections",
                    ["id", "retracted", "street_id", "community_id", "grid_id"])
    op.create_index("ix_request_ledger_step_due", "request_ledger",
                    ["step", "due_date", "problem_list"])
    op.create_index("ix_request_ledger_rated", "request_ledger",
                    ["rated_at", "author_id", "rating"])
    op.create_index("ix_visit_ledger_visited_at_author_household", "visit_ledger",
                    ["visited_at", "author_id", "household_id"])
    op.drop_index("ix_visit_ledger_visited_at", table_name="visit_ledger")


def downgrade():
    op.create_index("ix_visit_ledger_visited_at", "visit_ledger", ["visited_at"])
    op.drop_index("ix_visit_ledger_visited_at_author_household", table_name="visit_ledger")
    op.drop_index("ix_request_ledger_rated", table_name="request_ledger")
    op.drop_index("ix_request_ledger_step_due", table_name="request_ledger")
    op.drop_index("ix_record_projections_place", table_name="record_projections")
