-- The state of every date in each table's newest verification.
select
    dates.table_name,
    dates.game_date,
    dates.state,
    dates.expected_rows,
    dates.actual_rows,
    dates.hashed_rows
from `{{ params.history_dates_id }}` as dates
inner join `{{ params.latest_view_id }}` as latest
    on
        dates.verification_id = latest.verification_id
        and dates.table_name = latest.table_name
        and dates.verified_on = latest.verified_on
