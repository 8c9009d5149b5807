{#- md5 over the '|'-joined text of the given columns (nulls as empty strings). -#}
{% macro surrogate_key(columns) -%}
    md5(concat_ws('|'
    {%- for column in columns %}, coalesce(cast({{ column }} as varchar), '')
    {%- endfor %}))
{%- endmacro %}
