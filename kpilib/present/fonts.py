"""The Urdu typeface, shipped with kpi-suite and embedded in what it writes: no CDN, no network.

Noto Nastaliq Urdu (SIL Open Font License 1.1, ``fonts/OFL.txt``), regular and bold, taken
unchanged from Debian's ``fonts-noto-core``. An Urdu report, portal page or dashboard carries the
font inside its own stylesheet (:func:`urdu_font_css`, ``data:`` URLs), so it renders in Nastaliq
with the network cut and Chromium embeds the glyphs in its PDF; English pages carry nothing
extra. :func:`urdu_font_directory` is what vl-convert is given to measure Urdu chart labels.
"""

from __future__ import annotations

import base64
import functools
from pathlib import Path

FONTS_DIR = Path(__file__).parent / "fonts"
URDU_FAMILY = "Noto Nastaliq Urdu"
URDU_FONT_FILES = {"normal": "NotoNastaliqUrdu-Regular.ttf", "bold": "NotoNastaliqUrdu-Bold.ttf"}
#: The font stack of Urdu text: Nastaliq first; the rest only for characters it lacks.
URDU_FONT_STACK = f"'{URDU_FAMILY}', 'Noto Sans', 'DejaVu Sans', sans-serif"


def urdu_font_directory() -> Path:
    """The folder holding the Urdu font files (for vl-convert's ``register_font_directory``)."""
    return FONTS_DIR


def urdu_font_path(weight: str = "normal") -> Path:
    """The font file of ``weight`` (``normal`` or ``bold``)."""
    return FONTS_DIR / URDU_FONT_FILES[weight]


@functools.cache
def urdu_font_css() -> str:
    """``@font-face`` rules carrying the Urdu font as ``data:`` URLs (about 1.5 MB of CSS)."""
    rules = []
    for weight, name in URDU_FONT_FILES.items():
        data = base64.b64encode((FONTS_DIR / name).read_bytes()).decode("ascii")
        rules.append(
            f"@font-face {{ font-family: '{URDU_FAMILY}'; font-style: normal; "
            f"font-weight: {weight}; font-display: block; "
            f"src: url(data:font/ttf;base64,{data}) format('truetype'); }}"
        )
    return "\n".join(rules)


def urdu_text_css() -> str:
    """What every Urdu page adds to its styles: the font faces, the Nastaliq font stack, the
    taller line height Nastaliq needs, and numbers kept left to right."""
    return urdu_font_css() + (
        "\n[dir=rtl], [dir=rtl] body, [dir=rtl] .kpi-table, [dir=rtl] button, [dir=rtl] input,"
        " [dir=rtl] select, [dir=rtl] textarea {"
        f" font-family: {URDU_FONT_STACK}; }}"
        "\n[dir=rtl] body { line-height: 2.1; }"
        "\n[dir=rtl] .num, [dir=rtl] td.num, [dir=rtl] th.num { direction: ltr;"
        " unicode-bidi: isolate; text-align: left; }"
    )
