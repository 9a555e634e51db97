-- Processor path: upsert the partitions from_date..to_date (one date: from = to) from their
-- staging table in a single MERGE. Inserts new keys, updates rows whose hash changed,
-- deletes keys gone from the source, and leaves unchanged rows alone. The dates are DATE
-- query parameters.
merge `{{ params.table_id }}` as target
using (
    select * from `{{ params.staging_id }}`  -- noqa: AM04
    where game_date between @from_date and @to_date
) as source
    on
        target.game_date between @from_date and @to_date
        and {% for k in params.key_columns %}target.{{ k }} = source.{{ k }}{{ ' and ' if not loop.last }}{% endfor %}  -- noqa: LT05
when matched and (
    target.data_hash is null
    or target.data_hash != source.data_hash
    or target.hash_spec_version is null
    or target.hash_spec_version != source.hash_spec_version
) then
    update set {% for c in params.columns %}{{ c }} = source.{{ c }}{{ ', ' if not loop.last }}{% endfor %}  -- noqa: LT05
when not matched by target then
    insert ({{ params.columns | join(', ') }})
    values ({% for c in params.columns %}source.{{ c }}{{ ', ' if not loop.last }}{% endfor %})  -- noqa: LT05
when not matched by source and target.game_date between @from_date and @to_date then delete
