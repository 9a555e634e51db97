-- The history a context processor reads: every row of an upstream analytics table before
-- last, for the players or teams (entity) who appear in the raw box scores of first..last.
with entities as (
    select distinct {{ params.entity }}
    from `{{ params.roster_id }}`
    where game_date between @first and @last
)

select upstream.*  -- noqa: AM04
from `{{ params.table_id }}` as upstream
where
    upstream.game_date < @last
    and upstream.{{ params.entity }} in (select entities.{{ params.entity }} from entities)
