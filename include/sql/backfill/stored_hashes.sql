-- The key, hash and spec version of every row the table holds on from_date..to_date: what a
-- MERGE will compare the recomputed rows with.
select
    {{ params.key_columns | join(', ') }},
    data_hash,
    hash_spec_version
from `{{ params.table_id }}`
where game_date between @from_date and @to_date
