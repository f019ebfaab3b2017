"""Composition root of the jobs service: `python -m jobs.main serve|migrate`. Until
job ingestion and tracking (issue 14) gives it a domain, it runs the kit's runtime with none."""

from career_kit.service import ServiceRuntime, without_domain
from jobs.config import Settings

if __name__ == "__main__":
    ServiceRuntime(Settings(), without_domain).main()
