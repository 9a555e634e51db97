-- The newest recorded state of every date of every table's history (coverage_dates_latest).
select
    table_name,
    game_date,
    state,
    expected_rows,
    actual_rows,
    hashed_rows
from `{{ params.dates_latest_view_id }}`
