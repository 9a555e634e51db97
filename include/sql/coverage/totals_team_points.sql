-- Team-games of from_date..to_date whose points (or points allowed: side names the team
-- whose players scored them) disagree with the sum of the players' points in the raw box
-- scores. A repeated scraper row counts once.
with stored as (
    select
        game_id,
        {{ params.side }} as side,
        {{ params.column }} as pts
    from `{{ params.table_id }}`
    where game_date between @from_date and @to_date
),

player_points as (
    select
        game_id,
        team_abbr,
        player_id,
        max(pts) as pts
    from `{{ params.player_boxscores_id }}`
    where
        game_date between @from_date and @to_date
        and player_id is not null
    group by game_id, team_abbr, player_id
),

truth as (
    select
        game_id,
        team_abbr,
        sum(pts) as pts
    from player_points
    group by game_id, team_abbr
)

select count(*) as n
from stored
inner join truth
    on stored.game_id = truth.game_id and stored.side = truth.team_abbr
where stored.pts is null or stored.pts != truth.pts
