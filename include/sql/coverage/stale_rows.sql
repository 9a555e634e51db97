-- Rows made stale by raw data corrected after processing, over from_date..to_date: the
-- rows recomputed from today's raw data (loaded into staging_id, with their hash) against
-- the rows the table holds, by key. A stored row is stale when the hash of its own content
-- (the SQL path's expression, so a drifted or unhashed row is judged by what it says) differs
-- from the recomputed hash; raw_only keys are implied by raw data but absent, table_only keys
-- are held but no longer implied. output = 'dates': counts per date; output = 'keys': the
-- first key_limit keys of each kind, named for a reader.
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
