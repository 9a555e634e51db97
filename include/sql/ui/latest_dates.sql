-- The newest recorded state of every date of every table's history (coverage_dates_latest),
-- one row per table: "date|state|expected|actual|hashed" per date, joined by ";". Thousands
-- of dates travel as five strings instead of thousands of JSON rows.
select
    table_name,
    string_agg(
        concat(
            cast(game_date as string), '|', state, '|',
            coalesce(cast(expected_rows as string), ''), '|',
            coalesce(cast(actual_rows as string), ''), '|',
            coalesce(cast(hashed_rows as string), '')
        ),
        ';' order by game_date
    ) as dates
from `{{ params.dates_latest_view_id }}`
group by table_name
