"""Pictures of the activation regions of a network with two inputs.

The geometry is exact: each region (``docs/theory/deep_global.md`` §2, an open convex polygon
{x : a . x < beta for every row}) is drawn as the exact vertex list of its closure, and
the bent hyperplanes as the polygon edges lying on a neuron's zero set. Floats appear
only when the exact vertices are handed to matplotlib, which is imported lazily so that
:func:`region_polygon` and :func:`polygon_area` work without it.
"""

from __future__ import annotations

import functools
import os
import secrets
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

from .domain import Domain
from .errors import InputError
from .network import Network
from .regions import Region, RegionSet

__all__ = ["plot_regions", "polygon_area", "region_polygon"]

Point = tuple[Fraction, Fraction]
Row = tuple  # (a, beta, label): a . x < beta


def _dot(a: Sequence[Fraction | int], x: Sequence[Fraction]) -> Fraction:
    return Fraction(a[0]) * x[0] + Fraction(a[1]) * x[1]


def _bounded(rows: Sequence[Row]) -> bool:
    """Whether {x : a . x <= beta} (non-empty) is bounded: in the plane its recession cone
    {d : a . d <= 0} is non-zero iff it contains a direction along some row's line."""
    for a, _, _ in rows:
        for d in ((-a[1], a[0]), (a[1], -a[0])):
            if all(_dot(b, d) <= 0 for b, _, _ in rows):
                return False
    return bool(rows)


def _counter_clockwise(points: Sequence[Point]) -> list[Point]:
    """The vertices of a convex polygon sorted counter-clockwise, exactly.

    Points are compared by half-plane around the centroid, then by the sign of a cross
    product.
    """
    cx = sum(p[0] for p in points) / len(points)
    cy = sum(p[1] for p in points) / len(points)

    def half(p: Point) -> int:
        dx, dy = p[0] - cx, p[1] - cy
        return 0 if dy > 0 or (dy == 0 and dx > 0) else 1

    def compare(p: Point, q: Point) -> int:
        if half(p) != half(q):
            return half(p) - half(q)
        cross = (p[0] - cx) * (q[1] - cy) - (p[1] - cy) * (q[0] - cx)
        return -1 if cross > 0 else int(cross < 0)

    return sorted(points, key=functools.cmp_to_key(compare))


def _vertices(rows: Sequence[Row]) -> list[Point]:
    """The vertices of {x : a . x <= beta}: pairwise intersections of the rows' lines that
    satisfy every row (a bounded set; few rows, so the cubic cost does not matter)."""
    found = set()
    for i, (a1, b1, _) in enumerate(rows):
        for a2, b2, _ in rows[i + 1:]:
            det = Fraction(a1[0] * a2[1] - a1[1] * a2[0])
            if det == 0:
                continue
            p = ((b1 * a2[1] - b2 * a1[1]) / det, (a1[0] * b2 - a2[0] * b1) / det)
            if all(_dot(a, p) <= beta for a, beta, _ in rows):
                found.add(p)
    return list(found)


def _clip(polygon: list[Point], a: Sequence[Fraction | int], beta: Fraction | int
          ) -> list[Point]:
    """The convex polygon (counter-clockwise) cut by a . x <= beta, in the same order.

    A new vertex is made only where an edge crosses the line strictly, so no vertex is
    repeated and no collinear vertex is added.
    """
    out = []
    for k, p in enumerate(polygon):
        q = polygon[(k + 1) % len(polygon)]
        sp, sq = _dot(a, p) - beta, _dot(a, q) - beta
        if sp <= 0:
            out.append(p)
        if (sp < 0 < sq) or (sq < 0 < sp):
            t = sp / (sp - sq)
            out.append((p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])))
    return out


def region_polygon(region: Region) -> list[Point]:
    """Return the exact vertices, counter-clockwise, of the closure of a 2-D region.

    The closure is {x : a . x <= beta for every row (a, beta, label) of the region}
    (``docs/theory/deep_global.md`` §2: regions are open convex polyhedra); it is bounded
    because the domain rows are among the rows. The polygon of the domain rows is found
    from the pairwise intersections of their lines, then cut by every other row; all
    arithmetic is rational. The list starts at the lowest, then leftmost, vertex.

    Parameters
    ----------
    region : a region of :func:`exactid.regions.enumerate_regions` for two inputs.

    Returns
    -------
    The vertices as pairs of Fractions, no vertex repeated and none collinear with its
    neighbours.

    Raises
    ------
    InputError : the region is not in the plane, has no domain rows, or its closure is not
        a bounded polygon with interior.

    Examples
    --------
    >>> from exactid.domain import Domain
    >>> from exactid.regions import enumerate_regions
    >>> net = Network.from_lists([[[1, 1]], [[1]]], [[0], [0]])
    >>> rs = enumerate_regions(net, Domain.box([(-1, 1), (-1, 1)]))
    >>> [[(int(x), int(y)) for x, y in region_polygon(r)] for r in rs.regions]
    [[(1, -1), (1, 1), (-1, 1)], [(-1, -1), (1, -1), (-1, 1)]]
    """
    if len(region.witness) != 2:
        raise InputError(f"region {region.pattern}: has dimension {len(region.witness)}, "
                         "polygons need 2")
    rows = [r for r in region.rows if any(r[0])]
    domain_rows = [r for r in rows if r[2][0] == "domain"]
    if not _bounded(domain_rows):
        raise InputError(f"region {region.pattern}: its domain rows do not bound a polygon")
    corners = _vertices(domain_rows)
    polygon = _counter_clockwise(corners) if len(corners) >= 3 else []
    for a, beta, label in rows:
        if label[0] != "domain":
            polygon = _clip(polygon, a, beta)
    if len(polygon) < 3:
        raise InputError(f"region {region.pattern}: its closure has no interior")
    start = min(range(len(polygon)), key=lambda k: (polygon[k][1], polygon[k][0]))
    return polygon[start:] + polygon[:start]


def polygon_area(vertices: Sequence[Point]) -> Fraction:
    """Return the exact signed area enclosed by the vertices in order (shoelace formula).

    The area is positive for counter-clockwise order, the order :func:`region_polygon`
    returns.

    Examples
    --------
    >>> polygon_area([(0, 0), (2, 0), (Fraction(1, 3), 1)])
    Fraction(1, 1)
    """
    twice = sum((Fraction(p[0]) * q[1] - Fraction(p[1]) * q[0]
                 for p, q in zip(vertices, [*vertices[1:], *vertices[:1]])), Fraction(0))
    return twice / 2


def _value_at(region: Region, p: Point) -> Fraction:
    """f at p, through the region's affine map (valid on the closure by continuity)."""
    a, c = region.affine
    return _dot(a[0], p) + c[0]


def _bent_segments(region: Region, polygon: list[Point]) -> list[tuple[tuple, Point, Point]]:
    """((layer, j), p, q) for every polygon edge p -> q on which neuron (layer, j) is zero:
    both ends make its row an equality (the row is z_v's affine form, up to a factor)."""
    out = []
    for k, p in enumerate(polygon):
        q = polygon[(k + 1) % len(polygon)]
        for a, beta, label in region.rows:
            if label[0] == "neuron" and any(a) and _dot(a, p) == beta == _dot(a, q):
                out.append(((label[1], label[2]), p, q))
    return out


def plot_regions(net: Network, regions: RegionSet | Sequence[Region], domain: Domain,
                 path: str | os.PathLike, *, values: bool = True) -> None:
    """Draw the activation regions of a network with two inputs and save them as a PNG.

    Every region (``docs/theory/deep_global.md`` §2) is its exact polygon (:func:`region_polygon`)
    filled with its own colour, or, when there are more regions than colours, with a
    colour that differs from its neighbours'. The bent hyperplanes (polygon edges on a
    neuron's zero set) are drawn one colour per neuron, with a legend "layer l, neuron j"
    (0-based); region witnesses are dots; the domain boundary is black. With ``values``
    and a single output a second panel shows f_theta as filled level sets with the kinks
    in white: f is affine on each polygon, so contouring the linear interpolation of the
    exact vertex values on a triangulation of the polygons draws f itself. The file is
    written all at once (a temporary file, then os.replace).

    Parameters
    ----------
    net : the network (two inputs).
    regions : the result of :func:`exactid.regions.enumerate_regions` on ``domain``, or
        its list of regions.
    domain : the domain the regions were enumerated in.
    path : where to write the PNG.
    values : add the panel with the network's value (ignored with several outputs).

    Raises
    ------
    InputError : the network or domain is not 2-D, matplotlib is missing, or the file
        cannot be written.

    Examples
    --------
    >>> from exactid.regions import enumerate_regions
    >>> net = Network.from_lists([[[1, 0], [0, 1]], [[1, 1]]], [[0, 0], [0]])
    >>> box = Domain.box([(-1, 1), (-1, 1)])
    >>> plot_regions(net, enumerate_regions(net, box), box, "regions.png")  # doctest: +SKIP
    """
    if net.n_inputs != 2:
        raise InputError(f"plot_regions: the network has {net.n_inputs} inputs; "
                         "only networks with 2 inputs can be plotted")
    if domain.dim != 2:
        raise InputError(f"plot_regions: the domain has dimension {domain.dim}, expected 2")
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise InputError("plotting needs matplotlib: pip install 'exactid[plot]'") from None

    region_list = list(regions.regions if isinstance(regions, RegionSet) else regions)
    polygons = [region_polygon(r) for r in region_list]
    segments: dict[tuple[int, int], set] = {}
    for region, polygon in zip(region_list, polygons):
        for neuron, p, q in _bent_segments(region, polygon):
            segments.setdefault(neuron, set()).add(frozenset((p, q)))
    shade = values and net.n_outputs == 1
    legend_columns = 1 + len(segments) // 24
    fig = Figure(figsize=((11.5 if shade else 5.5) + 2.2 * legend_columns, 6),
                 layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, 2 if shade else 1, squeeze=False)[0]
    _draw_regions(axes[0], region_list, polygons)
    if shade:
        _draw_values(fig, axes[1], region_list, polygons)
    _draw_bent_hyperplanes(axes, segments)
    boundary = _float_points(_counter_clockwise(_vertices(
        [(a, beta, None) for a, beta in zip(domain.a, domain.b)])))
    _frame(axes, boundary)
    _label_regions(fig, axes[0], polygons)
    widths = "-".join(map(str, net.widths))
    fig.suptitle(f"{len(region_list)} activation regions of the {widths} network")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside right center", fontsize="small",
               ncol=legend_columns, frameon=False)
    _write_figure(fig, path)


def _float_points(points: Sequence[Point]) -> list[tuple[float, float]]:
    """Exact points as floats, for matplotlib only."""
    return [(float(x), float(y)) for x, y in points]


def _draw_regions(ax, regions: list[Region], polygons: list[list[Point]]) -> None:
    """The filled polygons and the witnesses."""
    import matplotlib as mpl
    from matplotlib.collections import PolyCollection

    tab20 = list(mpl.colormaps["tab20"].colors)
    palette = tab20[0::2] + tab20[1::2]  # the strong colours first, then their light pairs
    ax.add_collection(PolyCollection(
        [_float_points(p) for p in polygons], facecolors=_region_colours(regions, palette),
        edgecolors="none", alpha=0.45, zorder=1))
    witness_float = _float_points([r.witness for r in regions])
    ax.scatter([p[0] for p in witness_float], [p[1] for p in witness_float], s=6, c="black",
               zorder=4, label="region witnesses")
    ax.set_title("regions, numbered as listed (witnesses as dots)")


def _label_regions(fig, ax, polygons: list[list[Point]], fontsize: float = 7) -> None:
    """Each region's index in the listing at its centroid, where the label fits inside
    the polygon at the axes' final size (the layout is run first to know it)."""
    fig.draw_without_rendering()
    to_display = ax.transData.transform
    height = fontsize * fig.dpi / 72
    for i, polygon in enumerate(polygons):
        corners = [tuple(p) for p in to_display(_float_points(polygon))]
        cx, cy = _centroid_float(corners)
        half_w, half_h = 0.35 * height * len(str(i)) + 0.15 * height, 0.6 * height
        box = [(cx + sx * half_w, cy + sy * half_h) for sx in (-1, 1) for sy in (-1, 1)]
        if all(_inside_float(corners, p) for p in box):
            x, y = ax.transData.inverted().transform((cx, cy))
            ax.text(x, y, str(i), ha="center", va="center", fontsize=fontsize, zorder=6)


def _centroid_float(corners: list[tuple[float, float]]) -> tuple[float, float]:
    """The centroid of the area of a convex polygon (float display coordinates)."""
    area = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(corners, corners[1:] + corners[:1]):
        cross = x0 * y1 - x1 * y0
        area += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if area == 0:
        return (sum(p[0] for p in corners) / len(corners),
                sum(p[1] for p in corners) / len(corners))
    return cx / (3 * area), cy / (3 * area)


def _inside_float(corners: list[tuple[float, float]], p: tuple[float, float]) -> bool:
    """Whether p lies inside a counter-clockwise convex polygon (display coordinates)."""
    return all((x1 - x0) * (p[1] - y0) - (y1 - y0) * (p[0] - x0) > 0
               for (x0, y0), (x1, y1) in zip(corners, corners[1:] + corners[:1]))


def _region_colours(regions: Sequence[Region], palette: list) -> list:
    """One palette colour per region: all different when there are few regions, else
    neighbours (adjacency recorded in the facets) differ. Region i takes the first colour
    from position i of the palette on that no neighbour has, so that all colours are used
    (a greedy colouring would give two: the graph is often bipartite)."""
    if len(regions) <= len(palette):
        return palette[:len(regions)]
    neighbours = [{f["neighbour"] for f in r.facets if f["neighbour"] is not None}
                  for r in regions]
    chosen: list[int] = []
    for i, near in enumerate(neighbours):
        taken = {chosen[j] for j in near if j < i}
        free = (c % len(palette) for c in range(i, i + len(palette))
                if c % len(palette) not in taken)
        chosen.append(next(free, i % len(palette)))
    return [palette[c] for c in chosen]


def _draw_values(fig, ax, regions: list[Region], polygons: list[list[Point]]) -> None:
    """Level sets of f from a fan triangulation of every polygon with exact vertex values
    (f is affine on each polygon, so its linear interpolation there is f)."""
    from matplotlib.tri import Triangulation

    xy_float, triangles, value_float = [], [], []
    for region, polygon in zip(regions, polygons):
        first = len(xy_float)
        xy_float += _float_points(polygon)
        value_float += [float(_value_at(region, p)) for p in polygon]
        triangles += [(first, first + k, first + k + 1) for k in range(1, len(polygon) - 1)]
    mesh = Triangulation([p[0] for p in xy_float], [p[1] for p in xy_float], triangles)
    image = ax.tricontourf(mesh, value_float, levels=24, cmap="viridis", zorder=1)
    # a colour bar the layout knows about, so that the legend is placed beyond it
    fig.colorbar(image, ax=ax, location="right", fraction=0.05, pad=0.03, label="f(x)")
    ax.set_title("network value f(x) (24 levels; kinks in white)")


def _draw_bent_hyperplanes(axes, segments: dict[tuple[int, int], set]) -> None:
    """The zero set of every neuron (its polygon edges): coloured and labelled on the
    first axes, white on the value panel."""
    import matplotlib as mpl
    from matplotlib.collections import LineCollection

    neurons = sorted(segments)
    few = len(neurons) <= 10
    hues = mpl.colormaps["tab10" if few else "turbo"]
    styles = ["-", "--", "-.", ":"]
    for k, (layer, j) in enumerate(neurons):
        lines = [_float_points(sorted(edge)) for edge in segments[(layer, j)]]
        axes[0].add_collection(LineCollection(
            lines, colors=[hues(k) if few else hues((k + 0.5) / len(neurons))],
            linewidths=1.8 if few else 1.1, linestyles=styles[layer % len(styles)],
            label=f"layer {layer}, neuron {j}", zorder=3))
        for ax in axes[1:]:
            ax.add_collection(LineCollection(lines, colors="white", linewidths=0.8, alpha=0.8,
                                             zorder=3))


def _frame(axes, boundary: list[tuple[float, float]]) -> None:
    """The domain boundary in black, equal aspect, the same limits on every panel."""
    outline = boundary + boundary[:1]
    limits = []
    for coordinate in (0, 1):
        lo = min(p[coordinate] for p in outline)
        hi = max(p[coordinate] for p in outline)
        limits.append((lo - 0.03 * (hi - lo), hi + 0.03 * (hi - lo)))
    for ax in axes:
        ax.plot([p[0] for p in outline], [p[1] for p in outline], color="black",
                linewidth=1.5, zorder=5)
        ax.set_aspect("equal")
        ax.set_xlim(*limits[0])
        ax.set_ylim(*limits[1])
        ax.set_xlabel("x0")
        ax.set_ylabel("x1")


def _write_figure(fig, path: str | os.PathLike) -> None:
    """Save a figure as PNG all at once: a temporary file in the same directory, then
    os.replace, so a failure leaves no half-written file behind. The temporary file is
    opened with mode 0o666 so that the umask, not tempfile's 0o600, sets the permissions."""
    target = Path(path)
    tmp = target.parent / f".{target.name}.{secrets.token_hex(8)}.tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as exc:
        raise InputError(f"{path}: cannot write the plot ({exc.strerror or exc})") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fig.savefig(fh, format="png", dpi=150, bbox_inches="tight")
        os.replace(tmp, target)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise InputError(f"{path}: cannot write the plot ({exc.strerror or exc})") from None
        raise
