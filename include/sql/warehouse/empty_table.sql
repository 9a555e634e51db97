-- Empty a table (a staging table whose load had no rows). BigQuery refuses a DELETE
-- without WHERE; `where true` says "every row" on purpose.
delete from `{{ params.table_id }}`
where true
