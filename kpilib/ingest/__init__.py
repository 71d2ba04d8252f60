"""Submissions: return templates, validation and transactional loading of submitted files.

``ingest_file`` reads one CSV/XLSX return, checks it against its pandera schema and the database
(:mod:`kpilib.ingest.rules`), and loads it in one transaction (:mod:`kpilib.ingest.loading`):
a bad file never changes the database, and its sender learns exactly what to fix.
"""

from kpilib.ingest.pipeline import IngestOptions, ingest_file
from kpilib.ingest.report import FileOutcome
from kpilib.ingest.schemas import RETURN_SPECS, spec_for

__all__ = ["RETURN_SPECS", "FileOutcome", "IngestOptions", "ingest_file", "spec_for"]
