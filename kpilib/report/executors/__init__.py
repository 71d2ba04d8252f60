"""Executors of the report batch: where the planned reports run (see :mod:`.base`)."""
