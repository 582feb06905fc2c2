"""The FuseSoC core file (dmac.core) lists exactly the RTL sources, so it cannot go stale."""

from __future__ import annotations

import re

from tb.toolchain import ROOT, RTL_DIR


def test_core_lists_every_rtl_file() -> None:
    core = (ROOT / "dmac.core").read_text()
    listed = set(re.findall(r"^\s*- (rtl/\S+?)(?::|$)", core, flags=re.MULTILINE))
    on_disk = {f"rtl/{p.name}" for p in RTL_DIR.iterdir() if p.suffix in (".v", ".vh", ".vlt")}
    assert listed == on_disk, f"missing: {on_disk - listed}, stale: {listed - on_disk}"
