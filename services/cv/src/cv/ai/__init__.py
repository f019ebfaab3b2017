"""The cv service's AI features (CV enhancement, skills suggestions, cover letters, ATS phrasing
advice) and, in `cv.ai.providers`, the one interface they call whichever LLM provider answers."""
