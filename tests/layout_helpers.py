"""Checks the browser tests share for a page's layout at a screen width (issue 21, phone-ready).

A page fits its screen when the page itself does not scroll sideways
(``document.scrollingElement.scrollWidth <= window.innerWidth``) and nothing sticks out of it
(Voilà scrolls inside its own panels, so the page's width alone would not tell). Only a table's
own box (``.kpi-table-wrap``, ``.kpi-table-scroll``) may hold something wider, to scroll sideways.

A chart is drawn whole when its SVG and its rightmost axis label lie, sideways, inside the screen
and inside every box around it that would clip it: the last tick of the axis is in view (a
chart cut at 30 % of its axis, or at December, fails). Scrolling down is the page's job.
"""

from __future__ import annotations

from pathlib import Path

WIDTHS = [1280, 390]
PHONE = 390

_STICKING_OUT = """() => {
  const right = window.innerWidth + 1;
  const scrollsTable = el => el.closest('.kpi-table-wrap, .kpi-table-scroll') !== null;
  const hidden = el => el.closest('[aria-hidden="true"], .demo-watermark') !== null;
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.width < 2 || box.height < 2 || box.right <= right) continue;
    if (scrollsTable(el) || hidden(el)) continue;
    const name = typeof el.className === 'string' ? el.className : '';
    out.push(`${el.tagName.toLowerCase()}.${name.split(' ').slice(-2).join('.')} ` +
             `ends at ${Math.round(box.right)} px`);
  }
  return out.slice(0, 10);
}"""

_CLIPPED_CHARTS = """(css) => {
  const clipOf = el => {  // what the screen and the boxes around el leave in view, sideways
    let clip = {left: 0, right: window.innerWidth};
    for (let up = el.parentElement; up && up !== document.documentElement; up = up.parentElement) {
      if (getComputedStyle(up).overflowX === 'visible') continue;
      const box = up.getBoundingClientRect();
      clip = {left: Math.max(clip.left, box.left), right: Math.min(clip.right, box.right)};
    }
    return clip;
  };
  const inside = (box, clip) => box.left >= clip.left - 1 && box.right <= clip.right + 1;
  const out = [];
  document.querySelectorAll(css).forEach((svg, i) => {
    const box = svg.getBoundingClientRect();
    if (box.width === 0) return;  // a chart not shown (display: none)
    const clip = clipOf(svg);
    if (!inside(box, clip))
      out.push(`chart ${i} (${Math.round(box.left)}-${Math.round(box.right)} px) is cut`);
    const labels = [...svg.querySelectorAll('.role-axis-label text')];
    if (labels.length === 0) return;
    const last = labels.reduce((a, b) =>
      b.getBoundingClientRect().right > a.getBoundingClientRect().right ? b : a);
    if (!inside(last.getBoundingClientRect(), clip))
      out.push(`chart ${i}: its last axis label "${last.textContent}" is out of view`);
  });
  return out;
}"""


def page_overflow(page) -> int:
    """How many px the page scrolls sideways (0 when it fits)."""
    return page.evaluate("() => document.scrollingElement.scrollWidth - window.innerWidth")


def assert_fits(page) -> None:
    """The page does not scroll sideways and nothing but a table's own box sticks out."""
    width = page.viewport_size["width"]
    assert page_overflow(page) <= 0, f"the page is wider than {width} px"
    sticking_out = page.evaluate(_STICKING_OUT)
    assert sticking_out == [], f"wider than {width} px: {sticking_out}"


def assert_charts_whole(page, css: str) -> None:
    """Every chart matching ``css`` is inside the screen and its boxes, last tick label too."""
    cut = page.evaluate(_CLIPPED_CHARTS, css)
    assert cut == [], f"at {page.viewport_size['width']} px: {cut}"


def axis_labels(page, css: str) -> list[str]:
    """The axis labels in view of every chart matching ``css``."""
    return page.evaluate(
        """(css) => [...document.querySelectorAll(`${css} .role-axis-label text`)]
            .filter(t => { const b = t.getBoundingClientRect();
                           return b.width > 0 && b.right <= window.innerWidth + 1; })
            .map(t => t.textContent)""",
        css,
    )


def phone_shot(page, css: str, path: Path, text: str = "") -> None:
    """A screenful (not the whole page) from the first element ``css`` holding ``text`` down:
    the small pictures of README.md (docs/screenshots/ holds the ones chosen, copied from
    outputs/screenshots/)."""
    page.evaluate(
        """([css, text]) => {
            [...document.querySelectorAll(css)].find(el => el.textContent.includes(text))
                .scrollIntoView({block: 'start'});
            document.scrollingElement.scrollBy(0, -60);  // below the report's DEMO DATA band
        }""",
        [css, text],
    )
    page.wait_for_timeout(300)
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path))
