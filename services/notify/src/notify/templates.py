"""E-mail templates: Jinja2 (HTML autoescaped), one layout, per-language bodies (en fallback)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATES_DIR = Path(__file__).parent / "templates"
DEFAULT_LANGUAGE = "en"
LANGUAGES = ("en", "es")
SUBJECTS = {
    "en": {"welcome": "Welcome to Career Tools",
           "verify_email": "Confirm your e-mail address",
           "password_reset": "Reset your Career Tools password"},
    "es": {"welcome": "Bienvenido a Career Tools",
           "verify_email": "Confirma tu dirección de correo",
           "password_reset": "Restablece tu contraseña de Career Tools"},
}


@dataclass(frozen=True)
class RenderedEmail:
    language: str
    subject: str
    text: str
    html: str


class EmailTemplates:
    def __init__(self) -> None:
        loader = FileSystemLoader(TEMPLATES_DIR)
        self.html = Environment(loader=loader, undefined=StrictUndefined,
                                autoescape=select_autoescape(["html"], default=True))
        # Plain text must not be HTML-escaped (a name like "Ann & Bob" stays as is).
        self.text = Environment(loader=loader, undefined=StrictUndefined, autoescape=False,
                                keep_trailing_newline=True)

    @staticmethod
    def language_for(requested: str | None) -> str:
        """'es', 'es-MX', 'ES_es' -> 'es'; anything without a translation -> 'en'."""
        base = (requested or "").replace("_", "-").split("-", 1)[0].lower()
        return base if base in LANGUAGES else DEFAULT_LANGUAGE

    def render(self, template: str, language: str | None, **context: Any) -> RenderedEmail:
        lang = self.language_for(language)
        subject = SUBJECTS[lang][template]
        values = {**context, "language": lang, "subject": subject}
        html = self.html.get_template(f"{lang}/{template}.html").render(values)
        text = self.text.get_template(f"{lang}/{template}.txt").render(values)
        return RenderedEmail(lang, subject, text.strip() + "\n", html)
