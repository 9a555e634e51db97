-- Remove what an earlier attempt of this verification wrote, so a retried task never doubles.
delete from `{{ params.table_id }}`
where verification_id = @verification_id
