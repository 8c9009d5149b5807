# The project of this case declares an owner for every model.
