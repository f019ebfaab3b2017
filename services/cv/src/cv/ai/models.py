"""Which provider and model answers each AI feature, from the settings: one shared, resilient
provider per configured provider name (the circuit breaker then covers every feature on it)."""

from __future__ import annotations

from dataclasses import dataclass

from cv.ai.providers.base import Provider
from cv.ai.providers.factory import PROVIDER_NAMES, build_provider
from cv.ai.providers.resilience import Resilient
from cv.config import Settings

FEATURES = ("enhance", "skills", "cover_letter", "advice")


@dataclass(frozen=True)
class FeatureModel:
    provider: Provider | None  # None: the provider has no key configured
    provider_name: str
    model: str
    max_tokens: int
    temperature: float


def _key(settings: Settings, name: str) -> str | None:
    secret = {"openai": settings.openai_api_key, "anthropic": settings.anthropic_api_key,
              "gemini": settings.gemini_api_key, "cohere": settings.cohere_api_key}.get(name)
    return secret.get_secret_value() if secret else None


def _base_url(settings: Settings, name: str) -> str:
    return {"openai": settings.openai_base_url,
            "openai-compatible": settings.openai_compatible_base_url,
            "anthropic": settings.anthropic_base_url, "gemini": settings.gemini_base_url,
            "cohere": settings.cohere_base_url}[name]


class AiModels:
    def __init__(self, settings: Settings) -> None:
        self._providers: dict[str, Provider | None] = {}
        self.features = {feature: self._feature(settings, feature) for feature in FEATURES}
        self.embedding = (self._provider(settings, settings.ai_embedding_provider)
                          if settings.ai_embedding_provider else None)
        self.embedding_model = settings.ai_embedding_model

    def _provider(self, settings: Settings, name: str) -> Provider | None:
        if name not in PROVIDER_NAMES:  # a typo in the settings is an error at start-up
            raise ValueError(f"unknown AI provider {name!r}; known: {', '.join(PROVIDER_NAMES)}")
        if name not in self._providers:
            try:
                self._providers[name] = Resilient(
                    build_provider(name, api_key=_key(settings, name),
                                   base_url=_base_url(settings, name),
                                   timeout=settings.ai_timeout_seconds),
                    breaker_failures=settings.ai_breaker_failures,
                    breaker_reset_seconds=settings.ai_breaker_reset_seconds)
            except ValueError:  # no key (or base URL): the features on it are not offered
                self._providers[name] = None
        return self._providers[name]

    def _feature(self, settings: Settings, feature: str) -> FeatureModel:
        name = getattr(settings, f"ai_{feature}_provider")
        return FeatureModel(self._provider(settings, name), name,
                            getattr(settings, f"ai_{feature}_model"),
                            getattr(settings, f"ai_{feature}_max_tokens"),
                            getattr(settings, f"ai_{feature}_temperature"))

    async def aclose(self) -> None:
        for provider in self._providers.values():
            if provider is not None:
                await provider.aclose()
