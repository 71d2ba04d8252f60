"""The data store: typed models, engines, migrations, writes, queries and table loaders.

Imports only the base modules (:mod:`kpilib.errors`, :mod:`kpilib.fiscal`) of kpilib.
"""
