-- SQL hash path: hash the rows of the partitions from_date..to_date (one date: from = to)
-- that have no hash under the current spec, NULL or written by an older spec (such as the
-- old pipeline's key-only hashes). One statement, set-based, pruned to those partitions.
-- The hash expression is generated from plugins/nba_backfill/hash_spec.py; the dates are
-- DATE query parameters, never SQL text.
update `{{ params.table_id }}`
set
    data_hash = {{ params.hash_expression }},
    hash_spec_version = {{ params.spec_version }}
where
    game_date between @from_date and @to_date
    and (data_hash is null or hash_spec_version is null or hash_spec_version < {{ params.spec_version }})
