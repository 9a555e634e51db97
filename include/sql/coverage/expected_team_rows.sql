-- Expected rows per game date of from_date..to_date for a team table: one per side of every
-- game. Postponed originals are never expected; dates without games are absent.
with games as (
    select distinct
        game_id,
        game_date
    from `{{ params.schedule_id }}`
    where
        game_date between @from_date and @to_date
        and not is_postponed
)

select
    game_date,
    2 * count(*) as n
from games
group by game_date
