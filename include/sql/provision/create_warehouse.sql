-- sqlfluff:indentation:template_blocks_indent:True
-- Datasets and tables of the platform, rendered from the table registry
-- (plugins/nba_backfill/registry.py and raw_tables.py). Every statement is
-- IF NOT EXISTS, so a rerun changes nothing.
{% for dataset in params.datasets -%}
    create schema if not exists `{{ dataset }}`;
{% endfor %}
{% for table in params.tables -%}
    create table if not exists `{{ table.table_id }}` (
        {%- for column in table.columns %}
            {{ column.name }} {{ column.type }}{{ ' not null' if column.required }}
            {{- ',' if not loop.last }}
        {%- endfor %}
    )
    {%- if table.partition_column %}
        partition by {{ table.partition_column }}
    {%- endif %}
    {%- if table.cluster_columns %}
        cluster by {{ table.cluster_columns | join(', ') }}
    {%- endif %};
{% endfor %}
-- Columns a newer version of the package added to its own records (one ALTER each: the
-- emulator takes one action per statement).
{% for addition in params.additions -%}
    alter table `{{ addition.table_id }}`
    add column if not exists {{ addition.column.name }} {{ addition.column.type }};
{% endfor %}
-- The newest verification of each table, and the newest state of each verified date (the
-- whole history). Replaced on every run so a new definition takes effect; a view holds no data.
{% for view in params.views -%}
    create or replace view `{{ view.view_id }}` as
    select * from `{{ view.history_id }}`  -- noqa: AM04
    where true
    qualify row_number() over (
        partition by {{ view.partition_by | join(', ') }} order by verified_at desc
    ) = 1;
{% endfor %}
