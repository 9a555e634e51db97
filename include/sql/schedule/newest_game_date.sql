-- The newest game date of from_date..to_date (postponed originals excluded); NULL if none.
select max(game_date) as newest
from `{{ params.schedule_id }}`
where
    game_date between @from_date and @to_date
    and not is_postponed
