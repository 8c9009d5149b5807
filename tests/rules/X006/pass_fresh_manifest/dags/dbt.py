# The shared fixture project's manifest was built from its current files.
