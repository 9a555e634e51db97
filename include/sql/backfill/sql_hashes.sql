-- The hash the SQL path computes over every stored row of one game date, by key: the
-- validation gate compares it with the processor's hash of the rows recomputed from raw data.
select
    {{ params.key_columns | join(', ') }},
    {{ params.hash_expression }} as sql_hash
from `{{ params.table_id }}`
where game_date = @game_date
