-- The oldest and newest partition of the whole table, and its rows without a game_date.
select
    min(game_date) as min_date,
    max(game_date) as max_date,
    countif(game_date is null) as null_dates
from `{{ params.table_id }}`
