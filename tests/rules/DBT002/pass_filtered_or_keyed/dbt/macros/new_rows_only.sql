{% macro new_rows_only(column) %}
  {% if is_incremental() %}
    where {{ column }} > (select max({{ column }}) from {{ this }})
  {% endif %}
{% endmacro %}
