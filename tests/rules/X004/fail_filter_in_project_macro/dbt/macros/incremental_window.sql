{% macro incremental_window(column) -%}
    {%- if is_incremental() -%}
    where {{ column }} >= '{{ var("window_start") }}' and {{ column }} < '{{ var("window_end") }}'
    {%- endif -%}
{%- endmacro %}
