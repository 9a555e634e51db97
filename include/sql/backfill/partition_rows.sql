-- How many rows the table holds on one game date.
select count(*) as n
from `{{ params.table_id }}`
where game_date = @game_date
