"""Composition root of the social service: `python -m social.main serve|migrate`. Until
the social publisher (issue 15) gives it a domain, it runs the kit's runtime with none."""

from career_kit.service import ServiceRuntime, without_domain
from social.config import Settings

if __name__ == "__main__":
    ServiceRuntime(Settings(), without_domain).main()
