-- Rows of from_date..to_date whose {{ params.column }} the raw reference table does not know.
with known as (
    select {{ params.column }}
    from `{{ params.reference_id }}`
    where {{ params.column }} is not null
)

select count(*) as n
from `{{ params.table_id }}` as t
where
    t.game_date between @from_date and @to_date
    and t.{{ params.column }} is not null
    and t.{{ params.column }} not in (select known.{{ params.column }} from known)
