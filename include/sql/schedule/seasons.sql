-- Every season of the game calendar with its first and last game date.
select
    season,
    min(game_date) as first_date,
    max(game_date) as last_date
from `{{ params.schedule_id }}`
where not is_postponed
group by season
order by season
