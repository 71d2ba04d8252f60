"""Executed notebook -> one self-contained, offline HTML file (nbconvert, in-process).

The exporter uses the ``kpi_report`` template (``templates/kpi_report``): JupyterLab's HTML
template with every CDN block removed, no input cells or prompts, the report stylesheet inline,
and the DEMO DATA banner and provenance footer filled from :class:`ReportPage`. Before export,
outputs are reduced to static mime types (HTML, SVG, PNG/JPEG, Markdown, text): JavaScript and
widget outputs would need a network or a kernel. stderr streams (warnings) stay in the ``.ipynb``
only. Cells tagged ``report-hide`` are left out of the HTML.
"""

from __future__ import annotations

import copy
import re
import threading
from dataclasses import asdict, dataclass
from html.parser import HTMLParser
from pathlib import Path

from nbconvert import HTMLExporter
from nbconvert.preprocessors import TagRemovePreprocessor
from nbformat import NotebookNode

from kpilib.i18n import DEFAULT_LANGUAGE, gettext, ngettext, text_direction
from kpilib.present.fonts import urdu_text_css
from kpilib.present.html import STYLES_DIR

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
TEMPLATE_NAME = "kpi_report"
HIDE_TAG = "report-hide"
#: Output mime types a report may contain: all render with no script and no network.
STATIC_MIME_TYPES = (
    "text/html", "image/svg+xml", "image/png", "image/jpeg", "text/markdown", "text/plain",
)  # fmt: skip
_local = threading.local()


@dataclass(frozen=True)
class ReportPage:
    """What the page template shows around the notebook's content."""

    title: str
    report_id: str
    is_demo: bool
    generated_at: str
    data_as_of: str
    data_fingerprint: str
    code_version: str
    #: The report's tables in Excel, a file beside it (``HLT.xlsx``); empty when none.
    workbook: str = ""
    #: The language the page is written in: ``ur`` makes it right to left, in Nastaliq (the
    #: font embedded as ``data:`` URLs), with the right-to-left stylesheet.
    language: str = DEFAULT_LANGUAGE


def _exporter() -> HTMLExporter:
    # One exporter per thread: building one costs ~0.1 s, and they are not shared across threads.
    exporter = getattr(_local, "exporter", None)
    if exporter is None:
        exporter = HTMLExporter(
            template_name=TEMPLATE_NAME,
            extra_template_basedirs=[str(TEMPLATE_DIR)],
            extra_template_paths=[str(STYLES_DIR)],
            exclude_input=True,
            exclude_input_prompt=True,
            exclude_output_prompt=True,
            anchor_link_text="",
        )
        exporter.register_preprocessor(
            TagRemovePreprocessor(remove_cell_tags={HIDE_TAG}, enabled=True), enabled=True
        )
        # The page's own words (banner, footer) in the language of the report being written.
        exporter.environment.globals.update(_=gettext, gettext=gettext, ngettext=ngettext)
        _local.exporter = exporter
    return exporter


def strip_to_static_outputs(notebook: NotebookNode) -> NotebookNode:
    """A copy of ``notebook`` whose outputs hold only static mime types and no stderr.

    SVG is placed inline in the page, so an SVG holding script, event handlers or
    ``foreignObject`` is refused (``ValueError``) rather than embedded.
    """
    result = copy.deepcopy(notebook)
    for cell in result.cells:
        if cell.cell_type != "code":
            continue
        kept = []
        for output in cell.get("outputs", []):
            if output.output_type == "stream" and output.get("name") == "stderr":
                continue
            if output.output_type in ("display_data", "execute_result"):
                data = {k: v for k, v in output.data.items() if k in STATIC_MIME_TYPES}
                if not data:
                    continue
                active = find_active_svg(str(data.get("image/svg+xml", "")))
                if active:
                    raise ValueError(
                        f"an SVG output holds script or event handlers ({active[0]}); not embedded"
                    )
                output.data = data
            kept.append(output)
        cell.outputs = kept
    return result


# --- active SVG ---------------------------------------------------------------------------------

#: Elements that run script or embed another document: never in an inline SVG of a report.
_ACTIVE_ELEMENTS = {"script", "foreignobject", "iframe", "embed", "object", "handler"}
#: Attributes holding a URL a click or an animation could follow.
_LINK_ATTRIBUTES = {"href", "xlink:href", "src", "action", "formaction"}
#: SVG animation elements, and the attributes with which they set another attribute's value.
_ANIMATIONS = {"set", "animate", "animatemotion", "animatetransform"}
_ANIMATION_VALUES = {"to", "from", "values", "by"}
_SCRIPT_SCHEMES = ("javascript:", "vbscript:")


class _ActiveSvgFinder(HTMLParser):
    """Walks the elements and attributes of an SVG as a browser's HTML parser tokenises it (text,
    escaped or in CDATA, stays text) and notes every element or attribute that could run script."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _ACTIVE_ELEMENTS:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}>")
            elif (
                value is not None
                and _is_script_url(value)
                and (name in _LINK_ATTRIBUTES or (tag in _ANIMATIONS and name in _ANIMATION_VALUES))
            ):
                self.found.append(f"<{tag} {name}=javascript:…>")

    handle_startendtag = handle_starttag


def _is_script_url(value: str) -> bool:
    """``javascript:`` as a browser reads it: case, spaces and control characters ignored."""
    text = "".join(ch for ch in value if ch > " " and ch != "\x7f").lower()
    return text.startswith(_SCRIPT_SCHEMES)


def find_active_svg(svg: str) -> list[str]:
    """Every element or attribute of ``svg`` that could run script when the SVG is placed
    inline in a page: ``<script>``, ``<foreignObject>`` (and embedded documents), an ``on*``
    event attribute, a ``javascript:`` URL in a link or set by an animation. Text is never
    looked at: a chart title or data label reading ``<img src=x onerror=…>`` is escaped text
    and harmless. An empty list means the SVG is static."""
    finder = _ActiveSvgFinder()
    finder.feed(svg)
    finder.close()
    return finder.found


def render_report_html(notebook: NotebookNode, page: ReportPage) -> str:
    """The report page of an executed notebook: one HTML string with everything inline."""
    static = strip_to_static_outputs(notebook)
    static.metadata["title"] = page.title
    values = asdict(page)
    right_to_left = text_direction(page.language) == "rtl"
    if right_to_left:
        _urdu_chart_labels(static)
    values["urdu_css"] = urdu_text_css() if right_to_left else ""
    body, _resources = _exporter().from_notebook_node(static, resources={"kpi_report": values})
    if page.language != DEFAULT_LANGUAGE:
        # nbconvert writes <html lang="en">: the report's language and direction instead.
        direction = text_direction(page.language)
        body = body.replace(
            '<html lang="en">', f'<html lang="{page.language}" dir="{direction}">', 1
        )
    return body


#: Vega's own English words around a chart title it describes for screen readers.
_VEGA_TITLE_LABEL = re.compile('aria-label="(?:Sub)?[Tt]itle text \'([^"]*)\'"')


def _urdu_chart_labels(notebook: NotebookNode) -> None:
    """In an Urdu report, a chart title is read aloud as itself (Vega writes "Title text '…'"
    around it, in English, whatever the chart's language)."""
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "image/svg+xml" in data:
                data["image/svg+xml"] = _VEGA_TITLE_LABEL.sub(
                    r'aria-label="\1"', str(data["image/svg+xml"])
                )


# --- offline check -----------------------------------------------------------------------------

_URL_ATTRIBUTES = {"src", "href", "xlink:href", "srcset", "poster", "data", "action", "formaction",
                   "background", "manifest", "ping"}  # fmt: skip
_CSS_URL = re.compile(r"""url\(\s*['"]?([^'")\s]+)|@import\s+['"]([^'"]+)""", re.IGNORECASE)
_LOCAL_SCHEMES = ("data:", "#", "about:", "blob:")


def _is_external(value: str) -> bool:
    text = value.strip().lower()
    if not text or text.startswith(_LOCAL_SCHEMES):
        return False
    return "//" in text or bool(re.match(r"^[a-z][a-z0-9+.-]*:", text))


class _ReferenceCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.references: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_style = tag == "style"
        for name, value in attrs:
            if value is None or name.startswith("xmlns"):
                continue
            if name in _URL_ATTRIBUTES:
                candidates = [part.split()[0] for part in value.split(",") if part.strip()]
                if name != "srcset":
                    candidates = [value]
                self.references += [f"<{tag} {name}={c}>" for c in candidates if _is_external(c)]
            elif name == "style":
                self._scan_css(value, f"<{tag} style>")
            elif name == "http-equiv" and value.lower() == "refresh":
                self.references.append(f"<{tag} http-equiv=refresh>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self._scan_css(data, "<style>")

    def _scan_css(self, css: str, where: str) -> None:
        for match in _CSS_URL.finditer(css):
            target = match.group(1) or match.group(2)
            if _is_external(target):
                self.references.append(f"{where} {target}")


def find_external_references(html: str) -> list[str]:
    """Every reference in ``html`` that a browser would fetch or follow off this file.

    Scans URL attributes (``src``, ``href``, ``xlink:href``, ``srcset``, …), inline styles and
    ``<style>`` blocks (``url()`` and ``@import``). ``data:`` URIs and ``#anchors`` are local;
    namespace declarations (``xmlns``) are not references. Relative links (``HLT.html``) are
    local too. An empty list means the page works with the network off.
    """
    collector = _ReferenceCollector()
    collector.feed(html)
    collector.close()
    return collector.references
