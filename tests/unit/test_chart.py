"""The packet's chart: which series it draws (pure), and the PNG matplotlib makes of it."""

from __future__ import annotations

import struct
import zlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.analysis.assessment import assess
from bot.errors import ChartError
from bot.evidence.values import Deploy, EvidenceBundle, MetricSeries
from bot.packet.chart import DeployMark, MetricChart, chart_of
from bot.signal.values import AlertSource, Severity, Signal, SignalStatus
from integrations.charts import MatplotlibCharts

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
START = datetime(2026, 3, 4, 13, 30, tzinfo=UTC)


def _series(name: str = "error_rate", jump_at: int = 33) -> MetricSeries:
    points = tuple((START + timedelta(minutes=i), 0.3 if i < jump_at else 8.7) for i in range(45))
    return MetricSeries("billing-webhooks", name, "percent", points)


def _signal() -> Signal:
    return Signal(
        source=AlertSource.ALERTMANAGER,
        fingerprint="fp",
        service="billing-webhooks",
        title="error rate above 5%",
        severity=Severity.SEV2,
        status=SignalStatus.FIRING,
        started_at=START + timedelta(minutes=34),
        delivery_id="d1",
    )


DEPLOY = Deploy("billing-webhooks", "9f3c2ab81d", START + timedelta(minutes=22), pr=4821)


def _chart(**changes: object) -> MetricChart:
    evidence = EvidenceBundle(deploys=(DEPLOY,), metrics=(_series(),), deploys_checked=True)
    chart = chart_of(7, assess("billing-webhooks", [_signal()], evidence))
    assert chart is not None
    return replace(chart, **changes)  # type: ignore[arg-type]


def _png_size(png: bytes) -> tuple[int, int]:
    width, height = struct.unpack(">II", png[16:24])
    return int(width), int(height)


def test_the_chart_is_the_spiking_series_with_the_suspect_deploy() -> None:
    chart = _chart()
    assert (chart.service, chart.metric, chart.unit) == (
        "billing-webhooks",
        "error_rate",
        "percent",
    )
    assert chart.baseline == 0.3
    assert chart.first_anomaly_at == START + timedelta(minutes=33)
    assert chart.deploy == DeployMark(DEPLOY.at, "9f3c2ab")
    assert chart.title == "billing-webhooks · error_rate (percent)"
    assert chart.filename == "inc-7-billing-webhooks-error-rate.png"


def test_there_is_no_chart_without_a_metric_series() -> None:
    evidence = EvidenceBundle(deploys=(DEPLOY,), deploys_checked=True)
    assert chart_of(1, assess("billing-webhooks", [_signal()], evidence)) is None


def test_there_is_no_chart_when_no_series_leaves_its_baseline() -> None:
    flat = MetricSeries("billing-webhooks", "error_rate", "percent", _series(jump_at=99).points)
    evidence = EvidenceBundle(metrics=(flat,))
    assert chart_of(1, assess("billing-webhooks", [_signal()], evidence)) is None


def test_the_chart_is_a_small_valid_png() -> None:
    png = MatplotlibCharts().render(_chart())

    assert png.startswith(PNG_SIGNATURE)
    assert png[12:16] == b"IHDR"
    assert zlib.crc32(png[12:29]) == struct.unpack(">I", png[29:33])[0]
    assert png.endswith(b"IEND\xaeB`\x82")
    assert 5_000 < len(png) < 200_000
    assert _png_size(png) == (800, 360)


def test_the_same_chart_gives_the_same_bytes() -> None:
    charts = MatplotlibCharts()
    assert charts.render(_chart()) == charts.render(_chart())


def test_a_different_deploy_gives_a_different_picture() -> None:
    charts = MatplotlibCharts()
    other = _chart(deploy=DeployMark(START + timedelta(minutes=5), "51d0e7c"))
    assert charts.render(_chart()) != charts.render(other)


def test_a_chart_without_a_deploy_is_drawn_too() -> None:
    png = MatplotlibCharts().render(_chart(deploy=None))
    assert png.startswith(PNG_SIGNATURE)


def test_a_series_without_points_cannot_be_drawn() -> None:
    with pytest.raises(ChartError, match="no points"):
        MatplotlibCharts().render(_chart(points=()))


def test_a_long_noisy_series_stays_small() -> None:
    points = tuple(
        (START + timedelta(minutes=i), float((i * 7919) % 101) + (500.0 if i > 2500 else 0.0))
        for i in range(3000)
    )
    chart = _chart(points=points, first_anomaly_at=points[2501][0])

    png = MatplotlibCharts().render(chart)

    assert png.startswith(PNG_SIGNATURE)
    assert len(png) < 200_000


def test_times_without_a_zone_are_read_as_utc() -> None:
    naive = tuple((at.replace(tzinfo=None), value) for at, value in _chart().points)
    charts = MatplotlibCharts()
    chart = _chart()
    as_naive = replace(
        chart,
        points=naive,
        first_anomaly_at=chart.first_anomaly_at.replace(tzinfo=None),
        deploy=DeployMark(DEPLOY.at.replace(tzinfo=None), "9f3c2ab"),
    )
    assert charts.render(as_naive) == charts.render(chart)


def test_the_words_drawn_into_a_chart_are_redacted_before_drawing() -> None:
    leaky = _chart(metric="errors_for_jane.doe@example.com", unit="token=s3cr3t-t0ken")

    clean = leaky.redacted()

    words = " ".join([clean.title, clean.filename, clean.alt_text])
    assert "jane.doe@example.com" not in words
    assert "s3cr3t-t0ken" not in words
    assert "[redacted:email]" in clean.title
    assert clean.points == leaky.points
