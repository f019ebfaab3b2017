"""How the analyses' scores add up: parts weighted by fixed points, renormalised over the
parts that are known (a part without the data to judge it neither helps nor hurts), and
reports as the plain dicts JSON takes."""

from dataclasses import asdict


def weight_shares(scores: dict[str, float | None], weights: dict[str, int]) -> dict[str, float]:
    """Each part's share of the total (0..1, summing to 1 over the known parts; 0 for a part
    whose score is None)."""
    known = sum(weights[name] for name, score in scores.items() if score is not None)
    return {name: weights[name] / known if score is not None and known else 0.0
            for name, score in scores.items()}


def total(scores: dict[str, float | None], shares: dict[str, float]) -> int:
    """0..100: the shares of the known scores (each 0..1)."""
    return round(100 * sum(shares[name] * score for name, score in scores.items()
                           if score is not None))


def plain(report: object) -> dict:
    """A report dataclass as JSON-ready data (tuples as lists)."""
    def lists(value: object) -> object:
        if isinstance(value, dict):
            return {key: lists(item) for key, item in value.items()}
        if isinstance(value, (list, tuple)):
            return [lists(item) for item in value]
        return value

    return lists(asdict(report))  # type: ignore[call-overload, return-value]
