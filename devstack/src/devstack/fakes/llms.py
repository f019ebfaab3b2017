"""The four LLM APIs offline: for `make run` and the end-to-end tests when no provider key is
given, fake OpenAI, Anthropic, Gemini and Cohere servers, with the cv service's settings
pointed at them (every AI feature then works, on the fakes' echo model)."""

from __future__ import annotations

from dataclasses import dataclass

from devstack.fakes.anthropic import FakeAnthropic
from devstack.fakes.cohere import FakeCohere
from devstack.fakes.gemini import FakeGemini
from devstack.fakes.openai import FakeOpenAI

# The settings that name a real provider; any of them set means the developer brings their own.
PROVIDER_KEYS = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "CO_API_KEY",
                 "CV_OPENAI_COMPATIBLE_BASE_URL")


@dataclass
class LocalLlms:
    openai: FakeOpenAI
    anthropic: FakeAnthropic
    gemini: FakeGemini
    cohere: FakeCohere

    def stop(self) -> None:
        for fake in (self.openai, self.anthropic, self.gemini, self.cohere):
            fake.stop()


def start_local_llms() -> tuple[LocalLlms, dict[str, str]]:
    """Start the four fakes; returns them and the cv service's settings that point at them."""
    llms = LocalLlms(FakeOpenAI().start(), FakeAnthropic().start(), FakeGemini().start(),
                     FakeCohere().start())
    return llms, {
        "OPENAI_API_KEY": llms.openai.api_key, "CV_OPENAI_BASE_URL": llms.openai.base_url,
        "ANTHROPIC_API_KEY": llms.anthropic.api_key,
        "CV_ANTHROPIC_BASE_URL": llms.anthropic.base_url,
        "GEMINI_API_KEY": llms.gemini.api_key, "CV_GEMINI_BASE_URL": llms.gemini.base_url,
        "CO_API_KEY": llms.cohere.api_key, "CV_COHERE_BASE_URL": llms.cohere.base_url,
    }
