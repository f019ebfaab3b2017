"""CV exports, in this process (no stack): DOCX files per second of one core for the full
sample CV (devstack's `full_resume`, every section filled, Japanese and Arabic text) in each
template.

* `docx`: `build_document` + `render_docx` one after another for `--seconds` per template,
  each on content with one character changed, so nothing a later cache might keep is reused.
  `per_second` is renders over wall time; `cpu_ms_per_render` is what the machine's noise
  moves least (compare it across hosts through `machine.reference_cpu_ms`). `kb` is one
  file's size.

    python -m bench.cv_docx [--seconds 5]
"""

from __future__ import annotations

import argparse
import statistics
import string
import time

from bench.harness import emit
from cv.content.schema import validate_content
from cv.render.document import build_document
from cv.render.docx import render_docx
from cv.render.options import RenderOptions
from cv.render.templates import TEMPLATES
from devstack.samples.resumes import full_resume

OPTIONS = RenderOptions()
WARMUP = 20


def changed(content: dict, n: int) -> dict:
    """The content with the last character of its first highlight replaced."""
    highlight = content["work"][0]["highlights"][0]
    letter = string.ascii_letters[n % len(string.ascii_letters)]
    content["work"][0]["highlights"][0] = highlight[:-1] + letter
    return content


def docx_renders(template: str, seconds: float) -> dict:
    content = validate_content(full_resume())
    for n in range(WARMUP):
        render_docx(build_document(changed(content, n), "Backend", OPTIONS), OPTIONS, template)
    latencies: list[float] = []
    size = 0
    wall, cpu = time.perf_counter(), time.process_time()
    while time.perf_counter() - wall < seconds:
        started = time.perf_counter()
        document = build_document(changed(content, len(latencies)), "Backend", OPTIONS)
        size = len(render_docx(document, OPTIONS, template))
        latencies.append(time.perf_counter() - started)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    ms = sorted(value * 1000 for value in latencies)
    return {"renders": len(ms), "per_second": round(len(ms) / wall, 1),
            "cpu_ms_per_render": round(cpu * 1000 / len(ms), 2),
            "p50_ms": round(statistics.median(ms), 2),
            "p90_ms": round(ms[int(0.9 * (len(ms) - 1))], 2), "kb": round(size / 1024, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5)
    args = parser.parse_args()
    emit("cv_docx", docx={template: docx_renders(template, args.seconds)
                          for template in TEMPLATES})


if __name__ == "__main__":
    main()
