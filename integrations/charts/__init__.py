"""Charts drawn with matplotlib, for the packet's thread."""

from integrations.charts.render import MatplotlibCharts

__all__ = ["MatplotlibCharts"]
