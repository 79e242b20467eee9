"""The results table: each benchmark gives its rows and detail lines, this prints them.
Rows are (#, benchmark, chaser, reference, reference figure, ratio, target), kept in the
order the benchmarks ran and then sorted by # (stable), so the memory rows of the ingest and
of the memory benchmark stand together under 5."""
import os
import time

from lib.common import RUNS

HEAD = ("#", "benchmark", "chaser", "reference (same run)", "reference figure", "ratio",
        "target")


def fmt_ms(s):
    return f"{s * 1000:.0f} ms" if s < 10 else f"{s:.1f} s"


def fmt_mb(kib):
    return f"{kib / 1024:.0f} MB"


def table(rows):
    rows = sorted(rows, key=lambda r: int(r[0]))
    lines = ["| " + " | ".join(HEAD) + " |", "|" + "---|" * len(HEAD)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def machine():
    model = "unknown CPU"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem = int(f.readline().split()[1]) / 1024 / 1024
    cores = os.cpu_count()
    return (f"{time.strftime('%Y-%m-%d')}, {cores} CPUs (nproc), {model}, {mem:.1f} GiB RAM, "
            f"median of {RUNS} runs")
