"""Settings of the cv service: `CV_*` variables plus the platform's (see .env.example)."""

from typing import ClassVar

from pydantic import AliasChoices, Field, SecretStr

from career_kit.registry import BY_NAME
from career_kit.settings import ServiceSettings, service_config


def _unprefixed(name: str) -> AliasChoices:
    """The provider's own variable name, without CV_ (the field name works in code)."""
    return AliasChoices(name)


class Settings(ServiceSettings):
    model_config = service_config("cv", populate_by_name=True)

    service_name: ClassVar[str] = "cv"

    # Saves by one author closer together than this are one version (autosave).
    autosave_window_seconds: float = Field(default=60.0, ge=0)
    # A CV stays in the trash this long (30 days), then the purge deletes it for good.
    trash_retention_seconds: float = Field(default=30 * 24 * 3600, gt=0)
    purge_interval_seconds: float = Field(default=3600.0, gt=0)

    # Billing answers whether the owner's plan includes premium templates
    # (CV_BILLING_GRPC_TARGET); the files service holds uploaded CVs (CV_FILES_GRPC_TARGET).
    billing_grpc_target: str = f"127.0.0.1:{BY_NAME['billing'].grpc_port}"
    files_grpc_target: str = f"127.0.0.1:{BY_NAME['files'].grpc_port}"

    # -- AI (cv.ai) -------------------------------------------------------------------------
    # Provider keys under their usual names; a provider without a key is not offered, except
    # an OpenAI-compatible base URL, which may need none (Ollama).
    openai_api_key: SecretStr | None = Field(None, validation_alias=_unprefixed("OPENAI_API_KEY"))
    anthropic_api_key: SecretStr | None = Field(
        None, validation_alias=_unprefixed("ANTHROPIC_API_KEY"))
    gemini_api_key: SecretStr | None = Field(None, validation_alias=_unprefixed("GEMINI_API_KEY"))
    cohere_api_key: SecretStr | None = Field(None, validation_alias=_unprefixed("CO_API_KEY"))
    # Base URLs (CV_OPENAI_BASE_URL, ...): the providers' own by default; fakes and gateways
    # (OpenRouter, a company proxy) otherwise.
    openai_base_url: str = "https://api.openai.com/v1"
    openai_compatible_base_url: str = ""
    anthropic_base_url: str = "https://api.anthropic.com"
    gemini_base_url: str = "https://generativelanguage.googleapis.com"
    cohere_base_url: str = "https://api.cohere.com"
    ai_timeout_seconds: float = Field(default=60.0, gt=0)
    # A provider that failed (5xx, timeouts) this many times in a row fails fast for this long.
    ai_breaker_failures: int = Field(default=5, gt=0)
    ai_breaker_reset_seconds: float = Field(default=30.0, gt=0)
    # Per feature: the provider (openai, openai-compatible, anthropic, gemini, cohere) and the
    # model; the seed's models and limits by default (old names: set current ones).
    ai_enhance_provider: str = "openai"
    ai_enhance_model: str = "gpt-4"
    ai_enhance_max_tokens: int = Field(default=2000, gt=0)
    ai_enhance_temperature: float = Field(default=0.7, ge=0, le=2)
    ai_skills_provider: str = "openai"
    ai_skills_model: str = "gpt-3.5-turbo"
    ai_skills_max_tokens: int = Field(default=500, gt=0)
    ai_skills_temperature: float = Field(default=0.7, ge=0, le=2)
    ai_cover_letter_provider: str = "openai"
    ai_cover_letter_model: str = "gpt-4"
    ai_cover_letter_max_tokens: int = Field(default=1500, gt=0)
    ai_cover_letter_temperature: float = Field(default=0.7, ge=0, le=2)
    ai_advice_provider: str = "openai"
    ai_advice_model: str = "gpt-3.5-turbo"
    ai_advice_max_tokens: int = Field(default=800, gt=0)
    ai_advice_temperature: float = Field(default=0.3, ge=0, le=2)
    # Embeddings for CV<->job similarity; empty provider: matching without them.
    ai_embedding_provider: str = ""
    ai_embedding_model: str = "text-embedding-ada-002"
