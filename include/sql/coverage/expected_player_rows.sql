-- Expected rows per game date of from_date..to_date for a player table: one per player in
-- the box score of each game (with played_only, only players with minutes), from
-- deduplicated raw data. Postponed originals are never expected; dates without games are
-- absent.
with games as (
    select
        game_id,
        game_date
    from `{{ params.schedule_id }}`
    where
        game_date between @from_date and @to_date
        and not is_postponed
),

players as (
    -- a player listed twice in a box score (a scraper repeat) counts once
    select distinct
        box.game_date,
        box.game_id,
        box.player_id
    from `{{ params.player_boxscores_id }}` as box
    inner join games
        on box.game_id = games.game_id and box.game_date = games.game_date
    where box.player_id is not null{% if params.played_only %} and box.minutes > 0{% endif %}
)

select
    game_date,
    count(*) as n
from players
group by game_date
