-- Rows per game date of from_date..to_date, as the table holds them.
select
    game_date,
    count(*) as n
from `{{ params.table_id }}`
where game_date between @from_date and @to_date
group by game_date
