-- The (table, game date) pairs that backfill_log holds a write for, from oldest on.
select distinct
    table_name,
    game_date
from `{{ params.backfill_log_id }}`
where game_date >= @oldest
