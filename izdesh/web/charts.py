"""Charts drawn on the server as plain SVG (no script, no library, nothing fetched): inline in the
page, with presentation attributes only (the CSP forbids inline styles). Each chart comes with a
table of its numbers on the page, for screen readers and for copying."""

from __future__ import annotations

from html import escape

PALETTE = ["#0b5a8a", "#c0392b", "#d68910", "#7d3c98", "#1e8449", "#5d6d7e", "#a04000", "#2e86c1", "#b7950b", "#17a589"]


def _svg(width: int, height: int, body: list[str], title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-label="{escape(title)}" direction="ltr" font-family="sans-serif" font-size="12">'
        f"<title>{escape(title)}</title>" + "".join(body) + "</svg>"
    )


def _text(x: float, y: float, s: str, anchor: str = "start", size: int = 12, fill: str = "#1d2327") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" fill="{fill}">{escape(s)}</text>'


def stacked_bars(rows: list[tuple[str, dict[str, int]]], keys: list[tuple[str, str]], title: str) -> str:
    """Horizontal stacked bars: one bar per row label, one segment per key ((key, label) pairs)."""
    label_w, bar_w, row_h, top = 170, 520, 24, 10
    legend_h = 22 * ((len(keys) + 2) // 3) + 10
    height = top + row_h * len(rows) + legend_h + 10
    total_max = max((sum(v.values()) for _, v in rows), default=1) or 1
    body: list[str] = []
    for i, (label, values) in enumerate(rows):
        y = top + i * row_h
        body.append(_text(label_w - 8, y + 16, label, "end"))
        x = float(label_w)
        for k, (key, key_label) in enumerate(keys):
            n = values.get(key, 0)
            if not n:
                continue
            w = bar_w * n / total_max
            body.append(
                f'<rect x="{x:.1f}" y="{y + 3}" width="{w:.1f}" height="{row_h - 6}" fill="{PALETTE[k % len(PALETTE)]}">'
                f"<title>{escape(label)} · {escape(key_label)}: {n}</title></rect>"
            )
            x += w
        body.append(_text(x + 4, y + 16, str(sum(values.values())), size=11, fill="#5b6670"))
    ly = top + row_h * len(rows) + 16
    for k, (_key, key_label) in enumerate(keys):
        lx = 10 + (k % 3) * 250
        yy = ly + (k // 3) * 22
        body.append(f'<rect x="{lx}" y="{yy}" width="12" height="12" fill="{PALETTE[k % len(PALETTE)]}"/>')
        body.append(_text(lx + 18, yy + 11, key_label))
    return _svg(label_w + bar_w + 60, height, body, title)


def pyramid(male: dict[int, int], female: dict[int, int], labels: tuple[str, str], title: str) -> str:
    """An age and sex pyramid in five-year bands (80 = 80 and over)."""
    bands = list(range(0, 85, 5))
    side, mid, row_h, top = 260, 70, 18, 28
    width, height = side * 2 + mid + 20, top + row_h * len(bands) + 10
    peak = max([*male.values(), *female.values(), 1])
    cx = 10 + side + mid / 2
    body = [
        _text(10 + side - 4, 16, labels[0], "end", 13),
        _text(10 + side + mid + 4, 16, labels[1], "start", 13),
    ]
    for i, band in enumerate(reversed(bands)):
        y = top + i * row_h
        body.append(_text(cx, y + 13, f"{band}+" if band == 80 else f"{band}–{band + 4}", "middle", 11))
        m, f = male.get(band, 0), female.get(band, 0)
        if m:
            w = side * m / peak
            body.append(f'<rect x="{10 + side - w:.1f}" y="{y + 2}" width="{w:.1f}" height="{row_h - 4}" fill="{PALETTE[0]}"><title>{m}</title></rect>')
            body.append(_text(10 + side - w - 3, y + 13, str(m), "end", 10, "#5b6670"))
        if f:
            w = side * f / peak
            body.append(f'<rect x="{10 + side + mid:.1f}" y="{y + 2}" width="{w:.1f}" height="{row_h - 4}" fill="{PALETTE[1]}"><title>{f}</title></rect>')
            body.append(_text(10 + side + mid + w + 3, y + 13, str(f), "start", 10, "#5b6670"))
    return _svg(int(width), height, body, title)


def columns(series: dict[str, int], title: str) -> str:
    """Vertical columns over time (one per month, labels every few months)."""
    items = list(series.items())
    left, top, plot_h, bottom = 40, 10, 200, 46
    col_w = max(6, min(28, 640 // max(1, len(items))))
    width = left + col_w * len(items) + 20
    height = top + plot_h + bottom
    peak = max((n for _, n in items), default=1) or 1
    body = [f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 10}" y2="{top + plot_h}" stroke="#5b6670"/>']
    for frac in (0.5, 1.0):
        y = top + plot_h - plot_h * frac
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - 10}" y2="{y:.1f}" stroke="#d8dde2"/>')
        body.append(_text(left - 4, y + 4, str(round(peak * frac)), "end", 10, "#5b6670"))
    step = max(1, len(items) // 12)
    for i, (label, n) in enumerate(items):
        h = plot_h * n / peak
        x = left + i * col_w
        body.append(
            f'<rect x="{x + 1}" y="{top + plot_h - h:.1f}" width="{col_w - 2}" height="{h:.1f}" fill="{PALETTE[0]}">'
            f"<title>{escape(label)}: {n}</title></rect>"
        )
        if i % step == 0:
            body.append(
                f'<text x="{x + col_w / 2:.1f}" y="{top + plot_h + 12}" font-size="10" fill="#1d2327" '
                f'text-anchor="end" transform="rotate(-45 {x + col_w / 2:.1f} {top + plot_h + 12})">{escape(label)}</text>'
            )
    return _svg(width, height, body, title)
