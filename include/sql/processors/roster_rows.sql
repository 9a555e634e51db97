-- The roster stints that overlap the game dates first..last (valid_to NULL: still on it).
select *  -- noqa: AM04
from `{{ params.table_id }}`
where
    valid_from <= @last
    and coalesce(valid_to, @last) >= @first
