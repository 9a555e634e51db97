-- Every game date of the calendar (postponed originals excluded), oldest first.
select distinct game_date
from `{{ params.schedule_id }}`
where not is_postponed
order by game_date
