"""How `make synth` reads nextpnr's slack histogram (tools.synth.slack_summary)."""

from __future__ import annotations

import pytest

from tools.synth import UNITS, copy_sources, derived_modules, slack_summary, unit_name

# Two histograms in nextpnr's layout: the placer's, then the router's (the one that counts).
LOG = """\
Info: Slack histogram:
Info:  legend: * represents 10 endpoint(s)
Info:          + represents [1,10) endpoint(s)
Info: [ -9000,  -5000) |**********
Info: [ -5000,   3000) |*
Info: Checksum: 0x0
Info: Routing globals...
Info: Slack histogram:
Info:  legend: * represents 4 endpoint(s)
Info:          + represents [1,4) endpoint(s)
Info: [ -3000,  -2000) |+
Info: [ -2000,  -1000) |**
Info: [ -1000,    500) |***+
Info: [   500,   2000) |*****
1 warning, 0 errors
"""


def test_the_routed_histogram_is_read() -> None:
    summary = slack_summary(LOG)
    assert summary is not None
    assert summary["per_star"] == 4
    # A lone "+" is 1..3 endpoints: taken as 2; "***+" as 12 + 2.
    assert summary["bins_ps"] == [
        [-3000, -2000, 2],
        [-2000, -1000, 8],
        [-1000, 500, 14],
        [500, 2000, 20],
    ]
    assert summary["endpoints"] == 44
    # Bins wholly below zero, and half of the one across zero: 2 + 8 + 7.
    assert summary["failing"] == 17
    assert summary["failing_pct"] == round(100 * 17 / 44, 1)


def test_all_met() -> None:
    met = (
        LOG.replace("[ -3000,  -2000) |+", "[  100,  200) |+")
        .replace("[ -2000,  -1000)", "[  200,  300)")
        .replace("[ -1000,    500)", "[  300,    500)")
    )
    summary = slack_summary(met)
    assert summary is not None and summary["failing"] == 0


def test_no_histogram() -> None:
    assert slack_summary("Info: Program finished normally.\n") is None


def test_unit_names() -> None:
    derived = [
        "$paramod$1e41\\dmac_burst_len",
        "$paramod\\dmac_skid\\WIDTH=s32'101101",
        "$paramod\\dmac_skid\\WIDTH=s32'110001",
        "dmac_chan",
    ]
    assert unit_name(derived, "dmac_burst_len") == "$paramod$1e41\\dmac_burst_len"
    assert unit_name(derived, "dmac_chan") == "dmac_chan"
    with pytest.raises(SystemExit, match="2 parameter sets"):
        unit_name(derived, "dmac_skid")
    with pytest.raises(SystemExit, match="0 parameter sets"):
        unit_name(derived, "dmac_realign")


def test_every_unit_is_in_the_default_hierarchy(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """`make synth-units` finds each of its modules once in the default configuration (Yosys's
    hierarchy pass only, a few seconds)."""
    derived = derived_modules(tmp_path, copy_sources(tmp_path))
    assert "dmac" in derived
    for module in UNITS:
        unit_name(derived, module)
