"""Triage classify benchmark: throughput on one core, p99 per utterance, RSS, CLI cold start.

Run: .venv/bin/python -m bench.classify_bench [--seconds 5] [--json]
Utterances come from tests/data/triage_eval.jsonl (and the rule table), cycled.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _utterances() -> list[str]:
    """Caller texts from the evaluation set and the rule table."""
    texts: list[str] = []
    eval_file = ROOT / "tests" / "data" / "triage_eval.jsonl"
    if eval_file.exists():
        for line in eval_file.read_text(encoding="utf-8").splitlines():
            if line.strip():
                texts.append(json.loads(line)["text"])
    cases = yaml.safe_load((ROOT / "tests" / "triage" / "rule_cases.yaml").read_text("utf-8"))
    for by_lang in cases.values():
        for case in by_lang.values():
            texts.extend((case["pos"], case["neg"]))
    return texts


def _cold_start(runs: int = 5) -> float:
    """Median wall time of `triageline classify` answering one line, in seconds."""
    exe = Path(sys.executable).with_name("triageline")
    line = json.dumps({"id": 1, "text": "my son is not breathing"}) + "\n"
    times: list[float] = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(
            [str(exe), "classify"], input=line, text=True, capture_output=True, check=True
        )
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    from triageline.adapters.protocols import build_engine

    start = time.perf_counter()
    engine = build_engine()
    build_s = time.perf_counter() - start
    texts = _utterances()
    for text in texts:
        engine.classify(text)
    latencies: list[float] = []
    cpu_latencies: list[float] = []
    count = 0
    deadline = time.perf_counter() + args.seconds
    begin = time.perf_counter()
    cpu_begin = time.process_time()
    while time.perf_counter() < deadline:
        for text in texts:
            t0 = time.perf_counter_ns()
            c0 = time.process_time_ns()
            engine.classify(text)
            cpu_latencies.append((time.process_time_ns() - c0) / 1e6)
            latencies.append((time.perf_counter_ns() - t0) / 1e6)
        count += len(texts)
    elapsed = time.perf_counter() - begin
    cpu_elapsed = time.process_time() - cpu_begin
    cpu_latencies.sort()
    latencies.sort()
    figures = {
        "utterances": len(texts),
        "classified": count,
        "throughput_per_s": round(count / elapsed),
        "throughput_per_cpu_s": round(count / cpu_elapsed),
        "p99_cpu_ms": round(cpu_latencies[int(len(cpu_latencies) * 0.99)], 3),
        "p50_wall_ms": round(latencies[len(latencies) // 2], 3),
        "p99_wall_ms": round(latencies[int(len(latencies) * 0.99)], 3),
        "max_wall_ms": round(latencies[-1], 3),
        "engine_build_s": round(build_s, 3),
        "rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "cli_cold_start_s": round(_cold_start(), 3),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_avg_1m": round(os.getloadavg()[0], 2),
    }
    if args.json:
        print(json.dumps(figures))
    else:
        for key, value in figures.items():
            print(f"{key:>18}: {value}")


if __name__ == "__main__":
    main()
