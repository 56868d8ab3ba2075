"""The ``mushrif`` command line."""
