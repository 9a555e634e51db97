-- Every row of one raw table on the game dates first..last.
select *  -- noqa: AM04
from `{{ params.table_id }}`
where game_date between @first and @last
