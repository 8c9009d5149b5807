# The rule reads the dbt project only. Every model is described (one through a docs block);
# the ephemeral helper needs no description.
