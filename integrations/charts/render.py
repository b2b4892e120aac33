"""The packet's metric chart drawn with matplotlib's Agg canvas: headless (no display, no pyplot
and its global figure state, so safe in worker threads) and deterministic (fixed size, fonts
bundled with matplotlib, no timestamps in the PNG), so the same chart gives the same bytes.

Drawing takes tens of milliseconds of CPU: callers run :meth:`MatplotlibCharts.render` in a
worker thread (``asyncio.to_thread``), never on the event loop. matplotlib itself is imported
by the first drawing, in that thread, not with this module: it is a second of CPU the bot's
start-up (and a restart after a crash) need not pay before it answers.
"""

from __future__ import annotations

import io
import math
from datetime import UTC, datetime, timedelta

from bot.errors import ChartError
from bot.packet.chart import MetricChart

__all__ = ["MatplotlibCharts"]

SIZE_INCHES = (8.0, 3.6)
DPI = 100
SERIES_COLOUR = "#1f5fa8"
ANOMALY_COLOUR = "#c62828"
DEPLOY_COLOUR = "#6a1b9a"
BASELINE_COLOUR = "#757575"
TICK_STEPS_MINUTES = (1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440)
MAX_TICKS = 8
MAX_MARKED_POINTS = 120  # past this, dots per point only blur the line


class MatplotlibCharts:
    """:class:`bot.packet.chart.ChartRenderer` with matplotlib."""

    def render(self, chart: MetricChart) -> bytes:
        if not chart.points:
            raise ChartError(f"{chart.title}: the series has no points")
        try:
            return _draw(chart)
        except (ValueError, OverflowError, RuntimeError) as exc:
            raise ChartError(f"{chart.title}: {exc}") from exc


def _draw(chart: MetricChart) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # see above
    from matplotlib.figure import Figure

    figure = Figure(figsize=SIZE_INCHES, dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    times = [_utc(at) for at, _ in chart.points]
    values = [value for _, value in chart.points]
    marker = "o" if len(times) <= MAX_MARKED_POINTS else ""
    axes.plot(
        [_x(at) for at in times],
        values,
        color=SERIES_COLOUR,
        linewidth=1.6,
        marker=marker,
        markersize=2.5,
    )
    axes.axhline(
        chart.baseline,
        color=BASELINE_COLOUR,
        linestyle="--",
        linewidth=1,
        label=f"baseline {chart.baseline:g}",
    )
    start, end = times[0], times[-1]
    anomaly_at = _utc(chart.first_anomaly_at)
    anomaly_value = next(
        (value for at, value in zip(times, values, strict=True) if at == anomaly_at), None
    )
    if anomaly_value is not None:
        axes.plot(
            [_x(anomaly_at)],
            [anomaly_value],
            linestyle="none",
            marker="o",
            markersize=8,
            markerfacecolor="none",
            markeredgewidth=2,
            color=ANOMALY_COLOUR,
            label=f"first anomaly {anomaly_at:%H:%M} UTC",
        )
    if chart.deploy is not None:
        deploy_at = _utc(chart.deploy.at)
        axes.axvline(
            _x(deploy_at),
            color=DEPLOY_COLOUR,
            linewidth=1.4,
            label=f"deploy {chart.deploy.sha} at {deploy_at:%H:%M} UTC",
        )
        axes.annotate(
            chart.deploy.sha,
            xy=(_x(deploy_at), 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(3, -12),
            textcoords="offset points",
            color=DEPLOY_COLOUR,
            fontsize=8,
        )
        start, end = min(start, deploy_at), max(end, deploy_at)
    axes.set_title(chart.title, fontsize=11)
    axes.set_xlabel("time (UTC)")
    axes.set_ylabel(chart.unit or chart.metric)
    # A little room each side, so a deploy at either end stays clear of the frame.
    pad = max((end - start) * 0.03, timedelta(minutes=1))
    axes.set_xlim(_x(start - pad), _x(end + pad))
    ticks = _ticks(start, end)
    label = "%H:%M" if end - start < timedelta(hours=20) else "%b %d %H:%M"
    axes.set_xticks([_x(tick) for tick in ticks], labels=[f"{tick:{label}}" for tick in ticks])
    axes.grid(True, linewidth=0.4, alpha=0.5)
    axes.legend(loc="best", fontsize=8, framealpha=0.85)
    buffer = io.BytesIO()
    # No Software/Creation metadata: the bytes depend on the chart alone.
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def _x(at: datetime) -> float:
    """A time as the x axis holds it: minutes since the epoch."""
    return at.timestamp() / 60.0


def _ticks(start: datetime, end: datetime) -> list[datetime]:
    """Round UTC times across the span, at most ``MAX_TICKS`` of them."""
    span = max((end - start).total_seconds() / 60.0, 1.0)
    step = next((s for s in TICK_STEPS_MINUTES if span / s <= MAX_TICKS), TICK_STEPS_MINUTES[-1])
    first = math.ceil(_x(start) / step) * step
    count = int((_x(end) - first) // step) + 1
    return [datetime.fromtimestamp((first + i * step) * 60.0, UTC) for i in range(max(count, 0))]


def _utc(at: datetime) -> datetime:
    """Naive times are UTC, as everywhere in the bot."""
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
