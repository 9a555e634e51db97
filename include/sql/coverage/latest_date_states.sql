-- The newest recorded state of every date that a verification covered in from_date..to_date.
select
    table_name,
    game_date,
    state
from `{{ params.view_id }}`
where game_date between @from_date and @to_date
