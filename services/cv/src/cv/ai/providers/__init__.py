"""LLM providers behind one interface: `base` (what a feature asks, `Generation`; what it gets,
`Generated`; how it fails, `ProviderError`; the `Provider` protocol), one adapter per API over
its official SDK (`openai` also serving any OpenAI-compatible base URL, `anthropic`, `gemini`,
`cohere`), `resilience` (retries, the repair turn, schema validation, a circuit breaker) and
`factory` (a provider by its configured name). Features call
`Resilient(build_provider(...))`, never an adapter alone: only `Resilient` checks the answer
against the schema."""
