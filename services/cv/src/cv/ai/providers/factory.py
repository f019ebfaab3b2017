"""A provider adapter by its configured name. The composition root wraps what it returns in
`Resilient` once and shares it."""

from __future__ import annotations

from cv.ai.providers.anthropic import AnthropicProvider
from cv.ai.providers.base import Provider
from cv.ai.providers.cohere import CohereProvider
from cv.ai.providers.gemini import GeminiProvider
from cv.ai.providers.openai import OpenAIProvider

PROVIDER_NAMES = ("openai", "openai-compatible", "anthropic", "gemini", "cohere")
# What the OpenAI SDK sends when an OpenAI-compatible server (a local Ollama) wants no key: the
# SDK refuses to start without one.
NO_KEY = "none"


def build_provider(name: str, *, api_key: str | None, base_url: str | None = None,
                   timeout: float = 60.0) -> Provider:
    """The adapter for `name` (one of PROVIDER_NAMES). `base_url` None means the provider's
    own; "openai-compatible" needs one and may go without a key. `timeout` is in seconds, per
    request."""
    if name not in PROVIDER_NAMES:
        raise ValueError(f"unknown LLM provider {name!r}; known: {', '.join(PROVIDER_NAMES)}")
    if name == "openai-compatible":
        if not base_url:
            raise ValueError("the openai-compatible provider needs a base URL")
        return OpenAIProvider(api_key=api_key or NO_KEY, base_url=base_url, timeout=timeout,
                              name=name)
    if not api_key:
        raise ValueError(f"the {name} provider needs an API key")
    if name == "openai":
        return OpenAIProvider(api_key=api_key, base_url=base_url, timeout=timeout)
    if name == "anthropic":
        return AnthropicProvider(api_key=api_key, base_url=base_url, timeout=timeout)
    if name == "gemini":
        return GeminiProvider(api_key=api_key, base_url=base_url, timeout=timeout)
    return CohereProvider(api_key=api_key, base_url=base_url, timeout=timeout)
