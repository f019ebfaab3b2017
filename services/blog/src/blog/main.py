"""Composition root of the blog service: `python -m blog.main serve|migrate`. Until
the blog (issue 17) gives it a domain, it runs the kit's runtime with none."""

from blog.config import Settings
from career_kit.service import ServiceRuntime, without_domain

if __name__ == "__main__":
    ServiceRuntime(Settings(), without_domain).main()
