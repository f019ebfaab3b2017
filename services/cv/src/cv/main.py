"""Composition root of the cv service: `python -m cv.main serve|migrate`. Until
the CV builder (issue 12) gives it a domain, it runs the kit's runtime with none."""

from career_kit.service import ServiceRuntime, without_domain
from cv.config import Settings

if __name__ == "__main__":
    ServiceRuntime(Settings(), without_domain).main()
