"""CV PDFs, in this process (no stack): typst's renders per second and their latency for the
rich sample CV (devstack's `rich_cv`: two to three pages, every section, Greek, Cyrillic,
Japanese and Arabic text) in each template.

* `edited`: `render_pdf` one after another for `--seconds` per template, each on a document
  with one character changed (what a live preview sends), so no render is a cached repeat.
  typst still reuses what it laid out for the parts that did not change.
* `new`: each render on a document with every entry's text changed, as when every render is
  another user's CV: the cost with nothing to reuse but the fonts.
* `threads`, `processes`: `--workers` threads, then processes (the CPUs by default), each
  rendering `edited` documents of one template at once. typst lets go of the GIL while it
  compiles, but compiles in one process share typst's memoisation caches, whose locks let them
  hardly overlap: threads keep the event loop free, processes add cores.

`per_second` is renders over wall time; `cpu_ms_per_render` (every thread of the process, typst's
own included) is what the machine's noise moves least: compare it across hosts through
`machine.reference_cpu_ms`. `build_document` is outside the clock (see bench.cv_docx for it).

    python -m bench.cv_render [--seconds 5] [--workers N]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import pypdfium2 as pdfium

from bench.harness import emit
from cv.content.schema import validate_content
from cv.render.document import Document, build_document
from cv.render.options import RenderOptions
from cv.render.pdf import render_pdf
from cv.render.templates import TEMPLATES
from devstack.samples.resumes import rich_cv

OPTIONS = RenderOptions()
WARMUP = 20


def edited(content: dict, n: int) -> Document:
    """The document with its first highlight ending in a number of its own."""
    work = content["work"]
    first = {**work[0], "highlights": [work[0]["highlights"][0] + f" {n}",
                                       *work[0]["highlights"][1:]]}
    return build_document({**content, "work": [first, *work[1:]]}, "Backend", OPTIONS)


def renewed(content: dict, n: int) -> Document:
    """The document with a number of its own after every entry's name and in every bullet."""
    mark = f" {n}"
    fresh = {**content, "basics": {**content["basics"], "summary": content["basics"]["summary"]
                                   + mark}}
    for section in ("work", "volunteer", "education", "awards", "certificates", "publications",
                    "skills", "languages", "interests", "references", "projects"):
        fresh[section] = [
            {**item, **{key: item[key] + mark for key in ("name", "title", "position",
                                                           "institution", "language")
                        if key in item},
             "highlights": [text + mark for text in item.get("highlights") or ()]}
            for item in content.get(section) or ()
        ]
    return build_document(fresh, "Backend", OPTIONS)


def timed(template: str, make, seconds: float) -> dict:
    content = validate_content(rich_cv())
    for n in range(WARMUP):
        render_pdf(make(content, n), OPTIONS, template)
    # Built beforehand and taken in turn: typst forgets what it memoised after ten compiles
    # without use, so the 256th document back is no cached repeat.
    documents = [make(content, WARMUP + n) for n in range(256)]
    latencies: list[float] = []
    pdf = b""
    wall, cpu = time.perf_counter(), time.process_time()
    while time.perf_counter() - wall < seconds:
        started = time.perf_counter()
        pdf = render_pdf(documents[len(latencies) % len(documents)], OPTIONS, template)
        latencies.append(time.perf_counter() - started)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    ms = sorted(value * 1000 for value in latencies)
    return {"renders": len(ms), "per_second": round(len(ms) / wall, 1),
            "cpu_ms_per_render": round(cpu * 1000 / len(ms), 2),
            "p50_ms": round(statistics.median(ms), 2),
            "p99_ms": round(ms[int(0.99 * (len(ms) - 1))], 2),
            "pages": len(pdfium.PdfDocument(pdf)), "kb": round(len(pdf) / 1024, 1)}


def render_for(template: str, seconds: float, offset: int) -> tuple[int, float, float]:
    """`edited` renders one after another for `seconds`, after a warm-up: (renders, wall
    seconds, CPU seconds of the whole process)."""
    content = validate_content(rich_cv())
    for n in range(WARMUP):
        render_pdf(edited(content, offset + n), OPTIONS, template)
    documents = [edited(content, offset + WARMUP + n) for n in range(256)]
    renders = 0
    wall, cpu = time.perf_counter(), time.process_time()
    while time.perf_counter() - wall < seconds:
        render_pdf(documents[renders % len(documents)], OPTIONS, template)
        renders += 1
    return renders, time.perf_counter() - wall, time.process_time() - cpu


def parallel(template: str, workers: int, seconds: float, kind: str) -> dict:
    """`workers` threads, or processes, each rendering as `render_for` does, all at once."""
    if kind == "threads":
        executor = ThreadPoolExecutor(workers)
    else:  # spawned, not forked: a fork would copy typst's locks from a process mid-render
        executor = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
    with executor:
        results = list(executor.map(render_for, [template] * workers, [seconds] * workers,
                                    [10_000 * n for n in range(workers)]))
    renders = sum(count for count, _, _ in results)
    # Threads share one process clock, so each worker's CPU figure is already the total.
    cpu = results[0][2] if kind == "threads" else sum(cpu for _, _, cpu in results)
    return {"template": template, "workers": workers, "renders": renders,
            "per_second": round(sum(count / wall for count, wall, _ in results), 1),
            "cpu_ms_per_render": round(cpu * 1000 / renders, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    emit("cv_render",
         edited={template: timed(template, edited, args.seconds) for template in TEMPLATES},
         new={template: timed(template, renewed, args.seconds) for template in TEMPLATES},
         threads=parallel("modern", args.workers, args.seconds, "threads"),
         processes=parallel("modern", args.workers, args.seconds, "processes"))


if __name__ == "__main__":
    main()
