"""The portal's write side (issue 9): personal access links, the PSE's list of returns due,
submission through the ingestion pipeline, and the department's review of returns.

The notebooks ``notebooks/portal/submit.ipynb`` and ``review.ipynb`` only wire widgets to these
modules.
"""
