-- The history a context processor reads: every row of an upstream analytics table before
-- last, for the players or teams (entity) who play on first..last as the pre-game sources
-- know them: players on a roster then (nbac_rosters), teams scheduled then (nbac_schedule).
with entities as (
    {% if params.entity == "player_id" %}
    select distinct player_id
    from `{{ params.rosters_id }}`
    where
        valid_from <= @last
        and coalesce(valid_to, @last) >= @first
    {% else %}
    select distinct team_abbr
    from `{{ params.schedule_id }}`,
        unnest([home_team_abbr, away_team_abbr]) as team_abbr
    where game_date between @first and @last
    {% endif %}
)

select upstream.*  -- noqa: AM04
from `{{ params.table_id }}` as upstream
where
    upstream.game_date < @last
    and upstream.{{ params.entity }} in (select entities.{{ params.entity }} from entities)
