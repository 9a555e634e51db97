-- Per game date of from_date..to_date: the rows, and how many of them are unhashed, hashed
-- under an older spec, malformed, hashed and well formed under the current spec, have a
-- NULL key column, or repeat a key already counted.
with rows_in_range as (
    select
        game_date,
        data_hash,
        hash_spec_version,
        to_json_string(struct({{ params.key_columns | join(', ') }})) as row_key,
        ({% for k in params.key_columns %}{{ k }} is null{{ ' or ' if not loop.last }}{% endfor %}) as null_key,  -- noqa: LT05
        coalesce(regexp_contains(data_hash, @hash_pattern), false) as well_formed
    from `{{ params.table_id }}`
    where game_date between @from_date and @to_date
)

select
    game_date,
    count(*) as actual,
    countif(data_hash is null) as unhashed,
    countif(data_hash is not null and coalesce(hash_spec_version, -1) != @spec_version) as stale,
    countif(data_hash is not null and not well_formed) as malformed,
    countif(hash_spec_version = @spec_version and well_formed) as hashed,
    countif(null_key) as null_keys,
    countif(not null_key) - count(distinct if(null_key, null, row_key)) as duplicate_keys
from rows_in_range
group by game_date
