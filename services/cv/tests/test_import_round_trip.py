"""Our own exports read back by our own import (what the issue calls the round trip, and
roughly what an applicant tracking system does with them): the full sample exported in each
template as PDF and DOCX, parsed again without AI, and compared field by field. Prints the
figure per template and format; holds each to the floor it reaches today."""

from __future__ import annotations

import uuid

import pytest

from cv.content.schema import validate_content
from cv.exports import Snapshot, render
from cv.imports import parse_upload
from cv.imports.accuracy import compare
from cv.render.templates import TEMPLATES
from devstack.samples.resumes import full_resume

# Fields right out of those compared. The Arabic school name cannot come back from a typst PDF
# (pypdf drops its right-to-left markers); creative's sidebar a line reader partly recovers.
FLOORS = {("pdf", "creative"): 0.93}
DEFAULT_FLOOR = {"pdf": 0.95, "docx": 0.98}


@pytest.mark.parametrize("export_format", ["pdf", "docx"])
@pytest.mark.parametrize("template", list(TEMPLATES))
def test_an_exported_cv_imports_back(template: str, export_format: str) -> None:
    source = validate_content(full_resume())
    exported = render(Snapshot(uuid.uuid4(), "Round trip", template, source, {}, 1),
                      export_format)

    accuracy = compare(source, parse_upload(exported, export_format))

    print(f"\n{template} {export_format}: {accuracy.right}/{accuracy.total} = "
          f"{accuracy.fraction:.3f}")
    floor = FLOORS.get((export_format, template), DEFAULT_FLOOR[export_format])
    assert accuracy.fraction >= floor, "\n".join(accuracy.misses)
