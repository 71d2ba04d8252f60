"""The report batch: parameters -> warm-kernel Papermill runs -> offline HTML, PDF, index, manifest.

Modules, one job each: ``naming`` (output names), ``plan`` (resolve and check a batch),
``kernels`` (warm kernels and the Papermill engine that uses them), ``inkernel`` (code run inside
a kernel), ``html`` (nbconvert template and offline check), ``pdf`` (Chromium printing),
``manifest`` and ``index`` (the batch's records), ``batch`` (the runner), ``display`` (HTML
building blocks for notebooks), ``files`` (atomic writes) and ``provenance`` (versions, keys).
Import the submodules directly; this package imports nothing heavy.
"""
