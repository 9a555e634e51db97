-- Rows made stale by raw data corrected after processing, over from_date..to_date: the
-- rows recomputed from today's raw data (loaded into staging_id, with their hash) against
-- the rows the table holds, by key. A stored row is stale when the hash of its own content
-- (the SQL path's expression, so a drifted or unhashed row is judged by what it says) differs
-- from the recomputed hash; raw_only keys are implied by raw data but absent, table_only keys
-- are held but no longer implied. output = 'dates': counts per date; output = 'keys': the
-- first key_limit keys of each kind, named for a reader; output = 'downstream': the rows of
-- a context table (downstream_id) that read a corrected row (stale or table_only: stored,
-- hence read, and wrong) as history: same entity, a later date, and the same season or at
-- most history_games of the entity's games later. A raw_only key is a gap the identity check
-- names; what filling it changes downstream, the contexts' own check finds.
with recomputed as (
    select
        game_date,
        game_id,
        {{ params.entity }} as entity,
        data_hash
    from `{{ params.staging_id }}`
),

stored as (
    select
        game_date,
        game_id,
        {{ params.entity }} as entity,
        {{ params.hash_expression }} as content_hash
    from `{{ params.table_id }}`
    where game_date between @from_date and @to_date
),

compared as (
    select
        coalesce(recomputed.game_date, stored.game_date) as game_date,
        coalesce(recomputed.game_id, stored.game_id) as game_id,
        coalesce(recomputed.entity, stored.entity) as entity,
        case
            when stored.game_id is null then 'raw_only'
            when recomputed.game_id is null then 'table_only'
            when stored.content_hash != recomputed.data_hash then 'stale'
            else 'current'
        end as kind
    from recomputed
    full outer join stored
        on
            recomputed.game_date = stored.game_date
            and recomputed.game_id = stored.game_id
            and recomputed.entity = stored.entity
)

{% if params.output == "dates" %}
select
    game_date,
    countif(kind = 'stale') as stale,
    countif(kind = 'raw_only') as raw_only,
    countif(kind = 'table_only') as table_only,
    countif(kind = 'current') as current_rows
from compared
group by game_date
order by game_date
{% elif params.output == "downstream" %}
, corrected as (
    select distinct
        compared.game_date,
        compared.game_id,
        compared.entity,
        schedule.season
    from compared
    inner join `{{ params.schedule_id }}` as schedule
        on compared.game_id = schedule.game_id
    where compared.kind in ('stale', 'table_only')
),

-- A season is shorter than a year, and history_games games later is within the next one.
readers as (
    select
        corrected.game_date as corrected_date,
        corrected.game_id as corrected_game_id,
        corrected.entity,
        corrected.season as corrected_season,
        context.game_date,
        context.game_id,
        context.season
    from corrected
    inner join `{{ params.downstream_id }}` as context
        on
            corrected.entity = context.{{ params.entity }}
            and context.game_date > corrected.game_date
            and context.game_date <= date_add(corrected.game_date, interval 1 year)
),

games_between as (
    select
        readers.corrected_date,
        readers.corrected_game_id,
        readers.entity,
        readers.corrected_season,
        readers.game_date,
        readers.game_id,
        readers.season,
        count(upstream.game_id) as later_games
    from readers
    left join `{{ params.table_id }}` as upstream
        on
            readers.entity = upstream.{{ params.entity }}
            and upstream.game_date > readers.corrected_date
            and upstream.game_date < readers.game_date
    group by
        readers.corrected_date,
        readers.corrected_game_id,
        readers.entity,
        readers.corrected_season,
        readers.game_date,
        readers.game_id,
        readers.season
)

select distinct
    corrected_date,
    corrected_game_id,
    game_date,
    game_id,
    cast(entity as string) as entity
from games_between
where season = corrected_season or later_games < {{ params.history_games | int }}
order by corrected_date, corrected_game_id, game_date, game_id, entity
{% else %}
select
    kind,
    game_date,
    game_id,
    entity
from (
    select
        kind,
        game_date,
        game_id,
        cast(entity as string) as entity,
        row_number() over (
            partition by kind order by game_date, game_id, cast(entity as string)
        ) as nth
    from compared
    where kind != 'current'
) as outdated
where nth <= {{ params.key_limit | int }}
order by kind, game_date, game_id, entity
{% endif %}
