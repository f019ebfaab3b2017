"""Template previews for the SPA's picker: page 1 of a sample CV in each template as PNG,
rendered once per process (the templates only change with a deployment)."""

from __future__ import annotations

import functools
import io
import uuid

import pypdfium2

from cv.content.schema import validate_content
from cv.exports import Snapshot, render

PREVIEW_DPI = 72  # a picker thumbnail: 595 x 842 px for A4

SAMPLE = {
    "basics": {
        "name": "Alex Morgan", "label": "Senior Product Designer",
        "email": "alex.morgan@example.com", "phone": "+44 20 7946 0958",
        "url": "https://alexmorgan.example.com",
        "summary": "Designer of **calm, accessible** products for finance and health. Eight "
                   "years from research to shipped interface.",
        "location": {"city": "London", "countryCode": "GB"},
        "profiles": [{"network": "LinkedIn", "username": "alexmorgan",
                      "url": "https://www.linkedin.com/in/alexmorgan"}],
    },
    "work": [
        {"name": "Northwind Bank", "position": "Senior Product Designer",
         "location": "London", "startDate": "2021-02",
         "highlights": ["Led the redesign of mobile onboarding: completion up from 61% to 84%",
                        "Built the design system used by 9 product teams"]},
        {"name": "Carewell", "position": "Product Designer", "startDate": "2017-09",
         "endDate": "2021-01",
         "highlights": ["Designed the appointment booking flow for 300 clinics",
                        "Ran 40+ usability sessions with patients over 70"]},
    ],
    "education": [{"institution": "University of the Arts London", "area": "Interaction Design",
                   "studyType": "BA (Hons)", "startDate": "2013", "endDate": "2016"}],
    "skills": [{"name": "Design", "keywords": ["Figma", "Prototyping", "Design systems"]},
               {"name": "Research", "keywords": ["Usability testing", "Interviews"]}],
    "languages": [{"language": "English", "fluency": "Native"},
                  {"language": "Spanish", "fluency": "Professional"}],
}


@functools.cache
def template_preview(template: str) -> bytes:
    snapshot = Snapshot(uuid.uuid4(), "Sample CV", template, validate_content(SAMPLE), {}, 1)
    pdf = pypdfium2.PdfDocument(render(snapshot, "pdf"))
    try:
        image = pdf[0].render(scale=PREVIEW_DPI / 72).to_pil()
    finally:
        pdf.close()
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
