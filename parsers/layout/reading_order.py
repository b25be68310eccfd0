"""Reading order of a page's lines and tables by recursive XY-cut: columns left to right where a gutter
runs through a region, otherwise bands top to bottom at the widest gaps first."""

from __future__ import annotations

import statistics
from typing import Any

from reportflow.parsers.layout.lines import Line

GUTTER_EM = 1.0


def xy_order(items: list[Line], column: tuple[float, float] | None = None) -> list[Line]:
    """Reading order by recursive XY-cut: gutters first, then the widest horizontal gaps.

    Each line learns the left and right edge of the column it was read in.
    """
    if not items:
        return items
    column = column or (min(i.x0 for i in items), max(i.x1 for i in items))
    columns = _split(items, lambda i: (i.x0, i.x1), _gutter(items)) if len(items) > 1 else [items]
    if len(columns) > 1:
        return [line for part in columns for line in xy_order(part, (min(i.x0 for i in part), max(i.x1 for i in part)))]
    bands = _split(items, lambda i: (i.top, i.bottom), None) if len(items) > 1 else [items]
    if len(bands) > 1:
        return [line for band in bands for line in xy_order(band, column)]
    for item in items:
        item.column = column
    return sorted(items, key=lambda i: (i.top, i.x0))


def _gutter(items: list[Line]) -> float:
    sizes = [i.size for i in items if i.size]
    return GUTTER_EM * (statistics.median(sizes) if sizes else 10.0)


def _split(items: list[Line], span: Any, min_gap: float | None) -> list[list[Line]]:
    """Groups separated by empty gaps along one axis; without `min_gap`, only at the widest gaps."""
    ordered = sorted(items, key=lambda i: span(i)[0])
    groups, gaps, end = [[ordered[0]]], [], span(ordered[0])[1]
    for item in ordered[1:]:
        start, stop = span(item)
        if start > end:
            gaps.append(start - end)
            groups.append([item])
        else:
            groups[-1].append(item)
        end = max(end, stop)
    if len(groups) == 1:
        return groups
    threshold = min_gap if min_gap is not None else 0.8 * max(gaps)
    merged = [groups[0]]
    for gap, group in zip(gaps, groups[1:], strict=True):
        if gap >= threshold:
            merged.append(group)
        else:
            merged[-1].extend(group)
    return merged
