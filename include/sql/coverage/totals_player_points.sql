-- Team-games of from_date..to_date whose players' points, summed, disagree with the team
-- box score. A repeated scraper row counts once.
with stored as (
    select
        game_id,
        team_abbr,
        sum({{ params.column }}) as pts
    from `{{ params.table_id }}`
    where game_date between @from_date and @to_date
    group by game_id, team_abbr
),

truth as (
    select
        game_id,
        team_abbr,
        max(pts) as pts
    from `{{ params.team_boxscores_id }}`
    where game_date between @from_date and @to_date
    group by game_id, team_abbr
)

select count(*) as n
from stored
inner join truth
    on stored.game_id = truth.game_id and stored.team_abbr = truth.team_abbr
where stored.pts is null or stored.pts != truth.pts
