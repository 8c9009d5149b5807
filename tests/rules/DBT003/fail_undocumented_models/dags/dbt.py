# The rule reads the dbt project only. Its marts are described but one; none of its staging
# models is (one finding for the folder); an ephemeral helper needs no description.
