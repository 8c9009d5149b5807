{# var('not_a_var') is in a comment #}
select 1 as chargeback_id
{% if var('region', none) %}
where region = '{{ var("region") }}'
{% endif %}
