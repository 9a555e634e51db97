-- Rows of from_date..to_date whose hash another row with a different key also has.
with keys_per_hash as (
    select count(distinct to_json_string(struct({{ params.key_columns | join(', ') }}))) as keys
    from `{{ params.table_id }}`
    where
        game_date between @from_date and @to_date
        and data_hash is not null
    group by data_hash
)

select coalesce(sum(keys), 0) as n
from keys_per_hash
where keys > 1
