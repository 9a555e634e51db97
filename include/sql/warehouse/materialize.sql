-- One statement's rows kept in a table for an hour, to be read as Arrow through the Storage
-- Read API (the reader drops it at once; the expiry removes what a killed reader left).
create or replace table `{{ params.read_table_id }}`
options (expiration_timestamp = timestamp_add(current_timestamp(), interval 1 hour))
as
{{ params.read_query }}
