"""The portal: PSE officers send their returns, department reviewers review them.

Server-rendered pages (:mod:`kpilib.portal.web`), no kernel per visitor: personal links
(:mod:`~kpilib.portal.access`) exchanged for sessions (:mod:`~kpilib.portal.sessions`), the
durable inbox of uploads with its receipts (:mod:`~kpilib.portal.inbox`) worked by a bounded
pool (:mod:`~kpilib.portal.worker`) through ``kpi ingest``'s own code, the returns due
(:mod:`~kpilib.portal.due`), the officer's page (:mod:`~kpilib.portal.officer`), the preview
beside last quarter (:mod:`~kpilib.portal.preview`), and the reviewer's workbench
(:mod:`~kpilib.portal.workbench`, :mod:`~kpilib.portal.review`). ``docs/portal.md`` says how
it runs.
"""
