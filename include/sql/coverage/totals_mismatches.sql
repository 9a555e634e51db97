-- Team-games of from_date..to_date whose points in the table disagree with the deduplicated
-- raw box scores (a repeated scraper row counts once).
{% if params.check == "player_points" -%}
-- The players' points, summed per team and game, against the team box score.
with stored as (
    select
        game_id,
        team_abbr as side,
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
{%- else -%}
-- A team's points (or points allowed) against the sum of its (or its opponent's) players.
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
{%- endif %}

select count(*) as n
from stored
inner join truth
    on stored.game_id = truth.game_id and stored.side = truth.team_abbr
where stored.pts is null or stored.pts != truth.pts
