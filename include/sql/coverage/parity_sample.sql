-- A sample of stored rows hashed under the current spec, with every hashed column, spread
-- over the range by ordering on the hash itself: Python recomputes their hashes.
select
    {{ params.hash_columns | join(', ') }},
    data_hash
from `{{ params.table_id }}`
where
    game_date between @from_date and @to_date
    and hash_spec_version = @spec_version
    and regexp_contains(data_hash, @hash_pattern)
order by data_hash
limit @sample
