-- Create the platform's datasets if they are missing; safe to rerun.
{% for dataset in params.datasets -%}
    create schema if not exists `{{ dataset }}`;
{% endfor %}
