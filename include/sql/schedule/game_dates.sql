-- Game dates of from_date..to_date that have games (postponed originals excluded): the
-- season, how many games, and how many of them are final.
select
    game_date,
    max(season) as season,
    count(*) as games,
    countif(game_status = 3) as final_games
from `{{ params.schedule_id }}`
where
    game_date between @from_date and @to_date
    and not is_postponed
group by game_date
order by game_date
