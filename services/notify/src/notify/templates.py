"""E-mail templates: Jinja2 (HTML autoescaped), one layout, per-language bodies (en fallback),
and the helpers that turn event values into the text the templates show."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from career.common.v1.money_pb2 import Money

TEMPLATES_DIR = Path(__file__).parent / "templates"
DEFAULT_LANGUAGE = "en"
LANGUAGES = ("en", "es")
SUBJECTS = {
    "en": {"welcome": "Welcome to Career Tools",
           "verify_email": "Confirm your e-mail address",
           "password_reset": "Reset your Career Tools password",
           "account_exists": "You already have a Career Tools account",
           "subscription_confirmed": "Your Career Tools subscription is active",
           "subscription_cancelled": "Your Career Tools subscription has been cancelled",
           "payment_failed": "Your Career Tools payment did not go through"},
    "es": {"welcome": "Bienvenido a Career Tools",
           "verify_email": "Confirma tu dirección de correo",
           "password_reset": "Restablece tu contraseña de Career Tools",
           "account_exists": "Ya tienes una cuenta de Career Tools",
           "subscription_confirmed": "Tu suscripción a Career Tools está activa",
           "subscription_cancelled": "Tu suscripción a Career Tools se ha cancelado",
           "payment_failed": "No hemos podido cobrar tu pago de Career Tools"},
}
CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€"}
# ISO 4217 minor units where they are not 2 (among the currencies Stripe charges in), so that
# an amount shows the decimals its currency has: "1500 JPY", not "1500.00 JPY".
CURRENCY_DECIMALS = {
    **dict.fromkeys(("BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF",
                     "UGX", "VND", "VUV", "XAF", "XOF", "XPF"), 0),
    **dict.fromkeys(("BHD", "JOD", "KWD", "OMR", "TND"), 3),
}


def format_money(money: Money) -> str:
    """An amount as the e-mails show it: "$29.99", "€12.00", otherwise "12.00 GBP"."""
    code = money.currency_code.upper()
    # Decimal all the way: units + nanos / 10^9 must not pass through a float.
    amount = Decimal(money.units) + Decimal(money.nanos).scaleb(-9)
    quantum = Decimal(1).scaleb(-CURRENCY_DECIMALS.get(code, 2))
    digits = f"{abs(amount).quantize(quantum, ROUND_HALF_UP):f}"
    sign = "-" if amount < 0 else ""
    if code in CURRENCY_SYMBOLS:
        return f"{sign}{CURRENCY_SYMBOLS[code]}{digits}"
    return f"{sign}{digits} {code}".rstrip()


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
