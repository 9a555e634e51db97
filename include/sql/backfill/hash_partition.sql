-- SQL hash path: hash the rows of one partition that have no hash under the current spec,
-- NULL or written by an older spec (such as the old pipeline's key-only hashes).
-- The hash expression is generated from plugins/nba_backfill/hash_spec.py, the date is a
-- DATE query parameter, never SQL text.
update `{{ params.table_id }}`
set
    data_hash = {{ params.hash_expression }},
    hash_spec_version = {{ params.spec_version }}
where
    game_date = @game_date
    and (data_hash is null or hash_spec_version is null or hash_spec_version < {{ params.spec_version }})
