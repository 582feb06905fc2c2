"""``make bench``: run tb/bench_dmac.py over bus widths, memory models and cases,
tb/bench_dev.py over device configurations (request-to-bus latency, fastest device
kept up with), and tb/bench_system.py (what the IOMMU and cache models cost the
simulation, on both simulators); print the tables.

Writes build/bench.json (a list of records: configuration, size, alignment,
memory model, cycles, efficiency, ...).  A benchmark, not a test: it fails
only if a run fails, never on a number.  ``--quick`` runs a small subset.
"""

from __future__ import annotations

import argparse
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tb.toolchain import BUILD_DIR, assert_passed, run_bench
from tools import bench_dma_api, bench_stack

KIB = 1024
SIZES = [64, 256, 4 * KIB, 64 * KIB, 1024 * KIB]
WIDTHS = [32, 64, 128]
MEMORIES = ["ideal", "pause20", "lat20", "lat64"]
# Device-paced transfers (tb/bench_dev.py): element width, burst and FIFO depth of the device
DEVICE_CASES = [
    {"width": 1, "burst": 4, "depth": 16},
    {"width": 2, "burst": 8, "depth": 32},
    {"width": 4, "burst": 16, "depth": 64},
]
DEVICE_MEMORIES = ["lat2", "lat20"]
# System models (tb/bench_system.py): a 64 KiB copy with and without the IOMMU and cache
SYSTEM_CONFIGS = ["plain", "iommu", "coherent", "iommu+coherent"]
SYSTEM_SIMS = ["icarus", "verilator"]


# Bench builds: the default one (every width and memory) and one with 256-beat bursts
# (DATA_WIDTH 64, the large-burst rows of docs/benchmarks.md)
PROFILES: dict[str, dict[str, int]] = {
    "default": {"FIFO_DEPTH": 128, "MAX_OUTSTANDING": 8},
    "burst256": {"FIFO_DEPTH": 512, "MAX_OUTSTANDING": 8, "MAX_BURST_LEN": 256},
}
BURST256_MEMORIES = ["ideal", "lat20", "lat64"]


def cases(width: int, quick: bool, profile: str = "default") -> list[dict[str, object]]:
    if profile == "burst256":
        sizes = [4 * KIB, 64 * KIB] if quick else [4 * KIB, 64 * KIB, 1024 * KIB]
        return [{"case": "single", "size": s, "unaligned": u} for s in sizes for u in (False, True)]
    sizes = [64, 4 * KIB, 64 * KIB] if quick else SIZES
    out: list[dict[str, object]] = [
        {"case": "single", "size": s, "unaligned": u} for s in sizes for u in (False, True)
    ]
    if width == 64:
        count = 40 if quick else 200
        out += [{"case": "chain", "size": s, "count": count} for s in (64, 4 * KIB)]
        out += [{"case": "channels", "size": 64 * KIB, "channels": 4}]
    return out


def run_one(
    width: int, memory: str, quick: bool, profile: str = "default"
) -> list[dict[str, object]]:
    tag = f"dw{width}-{memory}" if profile == "default" else f"{profile}-dw{width}-{memory}"
    out = BUILD_DIR / "bench" / f"{tag}.jsonl"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)
    params = {"DATA_WIDTH": width, **PROFILES[profile]}
    results = run_bench(
        "icarus",
        toplevel="dmac",
        test_module="tb.bench_dmac",
        build_name=f"bench-{tag}",
        parameters=params,
        extra_env={
            "DMAC_PARAMS": json.dumps(params),
            "BENCH_MEMORY": memory,
            "BENCH_CASES": json.dumps(cases(width, quick, profile)),
            "BENCH_OUT": str(out),
        },
    )
    assert_passed(results)
    mbl = params.get("MAX_BURST_LEN", 16)
    return [{**json.loads(line), "max_burst_len": mbl} for line in out.read_text().splitlines()]


def run_device(memory: str, quick: bool) -> list[dict[str, object]]:
    out = BUILD_DIR / "bench" / f"dev-{memory}.jsonl"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)
    params = {"DATA_WIDTH": 64}
    results = run_bench(
        "icarus",
        toplevel="dmac",
        test_module="tb.bench_dev",
        build_name=f"bench-dev-{memory}",
        parameters=params,
        extra_env={
            "DMAC_PARAMS": json.dumps(params),
            "BENCH_MEMORY": memory,
            "BENCH_CASES": json.dumps(DEVICE_CASES[:1] if quick else DEVICE_CASES),
            "BENCH_OUT": str(out),
        },
    )
    assert_passed(results)
    return [json.loads(line) for line in out.read_text().splitlines()]


def _system_run(sim: str, config: str, env: dict[str, str]) -> Path:
    """One simulator process of tb/bench_system.py on one configuration; its results file."""
    params = {"DATA_WIDTH": 64}
    results = run_bench(
        sim,
        toplevel="dmac",
        test_module="tb.bench_system",
        build_name="bench-system",
        parameters=params,
        extra_env={"DMAC_PARAMS": json.dumps(params), "BENCH_CONFIGS": json.dumps([config]), **env},
    )
    assert_passed(results)
    return Path(results)


def run_system(sim: str, quick: bool) -> list[dict[str, object]]:
    """Each configuration in a simulator process of its own, in two rounds (one with
    ``quick``); the fastest run of each configuration is kept."""
    out = BUILD_DIR / "bench" / f"system-{sim}.jsonl"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)
    for _ in range(1 if quick else 2):
        for config in SYSTEM_CONFIGS:
            _system_run(sim, config, {"BENCH_REPEAT": "1" if quick else "3", "BENCH_OUT": str(out)})
    best: dict[str, dict[str, object]] = {}
    for line in out.read_text().splitlines():
        rec = json.loads(line)
        old = best.get(rec["config"])
        if old is None or rec["seconds"] < old["seconds"]:  # type: ignore[operator]
            best[rec["config"]] = rec
    return [best[c] for c in SYSTEM_CONFIGS]


MODEL_FILES = ["axi_memory.py", "memory_map.py", "phys_mem.py", "iommu.py", "cache.py", "cpu.py"]


def system_profile(sim: str) -> dict[str, float]:
    """Run the 'iommu+coherent' copy under cocotb's profiler (COCOTB_ENABLE_PROFILING) and
    return each model file's share of all Python time (exclusive time of its functions)."""
    import pstats

    results = _system_run(
        sim, "iommu+coherent", {"BENCH_REPEAT": "1", "COCOTB_ENABLE_PROFILING": "1"}
    )
    stats = pstats.Stats(str(Path(results).parent / "cocotb.pstat")).stats  # type: ignore[attr-defined]
    total = sum(v[2] for v in stats.values())
    share = dict.fromkeys(MODEL_FILES, 0.0)
    for (path, _, _), v in stats.items():
        for name in MODEL_FILES:
            if path.endswith(f"tb/models/{name}"):
                share[name] += v[2] / total
    return share


def system_table(records: list[dict[str, object]]) -> str:
    """Cycles per CPU second of each configuration, and the models' share of the run time:
    (seconds - seconds of 'plain' on that simulator) / seconds."""
    plain = {r["simulator"]: float(r["seconds"]) for r in records if r["config"] == "plain"}  # type: ignore[arg-type]
    head = (
        f"{'simulator':<10} {'config':<15} {'cycles':>7} {'CPU s':>7} {'cycles/s':>9} "
        f"{'models share':>12}"
    )
    lines = [head, "-" * len(head)]
    for r in records:
        seconds = float(r["seconds"])  # type: ignore[arg-type]
        base = plain.get(str(r["simulator"]))
        share = (
            "" if base is None or r["config"] == "plain" else f"{(seconds - base) / seconds:.1%}"
        )
        lines.append(
            f"{r['simulator']:<10} {r['config']:<15} {r['cycles']:>7} {seconds:>7.3f} "
            f"{r['cycles_per_second']:>9} {share:>12}"
        )
    return "\n".join(lines)


LOADS = ("alone", "bulk1", "bulk3")


def device_table(records: list[dict[str, object]]) -> str:
    """The device rows; the last three columns are each request's request->bus cycles (min /
    median / max) at tb/bench_dev.py's LOADED_PERIOD, alone and beside 1 and 3 bulk copies."""
    head = (
        f"{'device':<8} {'DW':>3} {'memory':<7} {'elem':>4} {'burst':>5} {'fifo':>4} "
        f"{'request->bus':>12} {'fastest':>14}" + "".join(f" {k:>12}" for k in LOADS)
    )
    lines = [head, "-" * len(head)]
    for r in records:
        fastest = r["fastest_period"]
        rate = f"{fastest} cyc/elem" if fastest is not None else "none tried"
        loads = "".join(
            " {:>12}".format("/".join(str(v) for v in r[f"latency_{k}"]))  # type: ignore[attr-defined]
            for k in LOADS
        )
        lines.append(
            f"{r['direction']:<8} {r['data_width']:>3} {r['memory']:<7} {r['element_bytes']:>4} "
            f"{r['maxburst']:>5} {r['fifo_depth']:>4} {r['request_to_bus']:>12} {rate:>14}{loads}"
        )
    return "\n".join(lines)


def table(records: list[dict[str, object]]) -> str:
    head = (
        f"{'case':<8} {'DW':>3} {'MBL':>3} {'memory':<7} {'size':>8} {'align':<11} {'desc':>4} "
        f"{'cycles':>8} {'eff':>6}  extra"
    )
    lines = [head, "-" * len(head)]
    for r in records:
        extra = []
        if r.get("doorbell_to_desc_read") is not None:
            extra.append(f"db->desc {r['doorbell_to_desc_read']}")
            extra.append(f"desc->data {r['desc_to_data_read']}")
        if r.get("cycles_per_descriptor") is not None:
            cpd = float(r["cycles_per_descriptor"])  # type: ignore[arg-type]
            extra.append(f"{cpd:.1f} cyc/desc = {1000 / cpd:.1f} desc/kcyc")
        if r.get("channel_shares") is not None:
            extra.append("shares " + " ".join(f"{s:.2f}" for s in r["channel_shares"]))  # type: ignore[union-attr]
        lines.append(
            f"{r['case']:<8} {r['data_width']:>3} {r.get('max_burst_len', 16):>3} "
            f"{r['memory']:<7} {r['size']:>8} "
            f"{r['alignment']:<11} {r['descriptors']:>4} {r['cycles']:>8} "
            f"{float(r['efficiency']):>6.3f}  {', '.join(extra)}"  # type: ignore[arg-type]
        )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="a small subset of the cases")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument(
        "--system", action="store_true", help="only the system-model costs (tb/bench_system.py)"
    )
    args = ap.parse_args()
    if args.system:
        sys_records = [rec for sim in SYSTEM_SIMS for rec in run_system(sim, args.quick)]
        path = Path(BUILD_DIR / "bench-system.json")
        path.write_text(json.dumps(sys_records, indent=1) + "\n")
        print(system_table(sys_records))
        share = system_profile("icarus")
        print("\nShare of all Python time under the profiler (icarus, iommu+coherent):")
        for name, part in share.items():
            print(f"  tb/models/{name:<14} {part:6.1%}")
        api_records = bench_dma_api.measure()
        print()
        print(bench_dma_api.table(api_records))
        path.write_text(json.dumps(sys_records + api_records, indent=1) + "\n")
        print(f"\n{len(sys_records) + len(api_records)} measurements written to {path}")
        return
    jobs = [(w, m, "default") for w in WIDTHS for m in MEMORIES]
    jobs += [(64, m, "burst256") for m in BURST256_MEMORIES]
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        parts = list(pool.map(lambda j: run_one(j[0], j[1], args.quick, j[2]), jobs))
        dev_parts = list(pool.map(lambda m: run_device(m, args.quick), DEVICE_MEMORIES))
    # One at a time: these measure CPU seconds, which two runs at once would disturb.
    sys_records = [rec for sim in SYSTEM_SIMS for rec in run_system(sim, args.quick)]
    api_records = bench_dma_api.measure()
    stack_records = bench_stack.measure("icarus")
    records = [rec for part in parts for rec in part]
    dev_records = [rec for part in dev_parts for rec in part]
    path = Path(BUILD_DIR / "bench.json")
    everything = records + dev_records + sys_records + api_records + stack_records
    path.write_text(json.dumps(everything, indent=1) + "\n")
    print(table(records))
    print()
    print(device_table(dev_records))
    print()
    print(system_table(sys_records))
    print()
    print(bench_dma_api.table(api_records))
    print()
    print(bench_stack.table(stack_records))
    total = len(everything)
    print(f"\n{total} measurements written to {path}")


if __name__ == "__main__":
    main()
