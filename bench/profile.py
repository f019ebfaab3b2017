"""Where a stack process spends its CPU: py-spy samples of it while a load runs, summed by
function.

    with sampled({"gateway": pid, "auth": pid}, seconds=10) as profile:
        ... run the load ...
    profile.top(25)  -> {"gateway": [{"function": ..., "self_pct": ..., "total_pct": ...}], ...}

py-spy (a dev dependency) reads the process from outside, so the process runs unchanged;
`--nonblocking` keeps it from pausing the process at each sample. Percentages are of the
samples taken while the process was on the CPU (py-spy leaves idle threads out). Needs the
permission to ptrace the process (root, or a ptrace_scope of 0): `available()` says.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_LINE_NUMBER = re.compile(r":\d+\)")


def _py_spy() -> str | None:
    """py-spy beside this interpreter (the venv's bin, not always on PATH), else on PATH."""
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.is_file() else shutil.which("py-spy")


def available() -> bool:
    return _py_spy() is not None


class Profile:
    def __init__(self, files: dict[str, Path]) -> None:
        self._files = files

    def top(self, n: int = 25) -> dict[str, list[dict[str, object]]]:
        """The `n` functions of each process with the most samples of their own (self), with
        the share of samples they were on the stack at all (total)."""
        return {name: _top(path, n) for name, path in self._files.items() if path.exists()}


def _top(path: Path, n: int) -> list[dict[str, object]]:
    own: Counter[str] = Counter()
    anywhere: Counter[str] = Counter()
    samples = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = [_LINE_NUMBER.sub(")", frame) for frame in stack.split(";")]
        samples += int(count)
        own[frames[-1]] += int(count)
        for frame in set(frames):
            anywhere[frame] += int(count)
    return [{"function": function, "self_pct": round(100 * count / samples, 1),
             "total_pct": round(100 * anywhere[function] / samples, 1)}
            for function, count in own.most_common(n)] if samples else []


@contextmanager
def sampled(processes: dict[str, int], *, seconds: float, rate: int = 200) -> Iterator[Profile]:
    """Sample each process for `seconds` (start the load inside the block at once)."""
    folder = Path(tempfile.mkdtemp(prefix="career-profile-"))
    files = {name: folder / f"{name}.txt" for name in processes}
    spies = [subprocess.Popen(
        [_py_spy() or "py-spy", "record", "--pid", str(pid), "--duration", str(round(seconds)),
         "--rate", str(rate), "--format", "raw", "--output", str(files[name]),
         "--nonblocking"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for name, pid in processes.items()]
    try:
        yield Profile(files)
    finally:
        for spy in spies:
            spy.wait()
