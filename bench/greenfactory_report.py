"""Benchmark: scoring a green-factory self-evaluation and rendering its report (HTML, PDF, xlsx).

Prints the median wall time of each step over ``--repeat`` runs in one process (the framework
and WeasyPrint are loaded once, before the clock). The machine is shared: figures are indicative.

    python bench/greenfactory_report.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

from greenmfg.greenfactory import report
from greenmfg.greenfactory.evaluation import evaluate
from greenmfg.greenfactory.frameworks import load_framework


def document() -> dict[str, Any]:
    framework = load_framework("gbt36132-2025")
    items: list[dict[str, Any]] = [{"key": v.key, "answer": True, "evidence": "证书"} for v in framework.vetoes]
    for item in framework.indicators:
        if item.kind == "scored":
            items.append({"key": item.key, "points": (item.value or 0) / 2})
        elif item.direction == "lower":
            items.append({"key": item.key, "value": 3.0, "benchmark": 4.0, "leading": 2.0, "reference_source": "bench"})
        else:
            items.append({"key": item.key, "value": 30, "benchmark": 10, "leading": 50, "reference_source": "bench"})
    return {"framework": framework.id, "title": "bench", "items": items}


def timed(step: Callable[[], object], repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        step()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    doc = document()
    result = evaluate(doc)
    evaluation = {"result": result, "status": "draft", "id": 1}
    report.render_pdf(evaluation, organisation="示例", lang="zh-CN")  # warm-up: loads Pango and the fonts
    figures = {
        "score (evaluate)": timed(lambda: evaluate(doc), args.repeat),
        "report HTML": timed(lambda: report.render_html(evaluation, organisation="示例", lang="zh-CN"), args.repeat),
        "report PDF zh-CN": timed(lambda: report.render_pdf(evaluation, organisation="示例", lang="zh-CN"), args.repeat),
        "report PDF en": timed(lambda: report.render_pdf(evaluation, organisation="示例", lang="en"), args.repeat),
        "report xlsx": timed(lambda: report.render_xlsx(evaluation, organisation="示例", lang="zh-CN"), args.repeat),
    }
    print(f"total score {result['total_score']:.2f} (median of {args.repeat} runs)")
    for name, seconds in figures.items():
        print(f"{name:20s} {seconds * 1000:9.1f} ms")


if __name__ == "__main__":
    main()
