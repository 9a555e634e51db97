-- Per game date of from_date..to_date, whether the newest write that backfill_log recorded
-- for the table verified complete.
select
    game_date,
    complete
from `{{ params.backfill_log_id }}`
where
    table_name = @table_name
    and game_date between @from_date and @to_date
qualify row_number() over (partition by game_date order by finished_at desc) = 1
