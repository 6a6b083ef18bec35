"""Reading a `/metrics` answer the way Prometheus would: with prometheus-client's parser."""

from __future__ import annotations

from collections import Counter

import httpx
from prometheus_client.parser import text_string_to_metric_families


def scrape(url: str, token: str | None = None) -> list[tuple[str, dict[str, str], float]]:
    """Every sample of `GET {url}/metrics`: (sample name, labels, value)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = httpx.get(f"{url}/metrics", headers=headers, timeout=30)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return [
        (sample.name, sample.labels, sample.value)
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    ]


def totals(
    samples: list[tuple[str, dict[str, str], float]], name: str, *by: str
) -> Counter[tuple[str, ...]]:
    """The samples named `name`, summed by the labels `by` (zeros left out)."""
    summed: Counter[tuple[str, ...]] = Counter()
    for sample, labels, value in samples:
        if sample == name and value:
            summed[tuple(labels[label] for label in by)] += int(value)
    return summed
