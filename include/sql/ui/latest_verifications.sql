-- The newest verification of each table (the coverage_latest view).
select *  -- noqa: AM04
from `{{ params.latest_view_id }}`
