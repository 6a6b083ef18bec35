"""A finished upstream operation: what it means for the job, and bringing its videos home.

Each sample is streamed to a file in the job's work directory, re-muxed with `moov` first
(packets copied, never re-encoded, and measured as they are copied) and moved under the
job's output key. Nothing holds a whole video in memory (Vertex AI's inline answers excepted: they
arrive in the operation's JSON), and the caller bounds how many jobs collect at once.
Storing under fixed keys makes a repeated collection (after a crash) overwrite, not add.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Sequence
from dataclasses import dataclass

from veogate.errors import ProviderError
from veogate.jobs.model import Output, output_key
from veogate.media.remux import remux_faststart
from veogate.pipeline.outcomes import stored_output
from veogate.providers.remote import PollResult, RemoteVideoProvider, SampleLocator
from veogate.wiring import Services


@dataclass(frozen=True)
class Verdict:
    """How a finished operation ends its job: a failure (code and message), or the samples
    to collect with the warnings to record."""

    failure: tuple[str, str] | None
    samples: Sequence[SampleLocator] = ()
    warnings: Sequence[str] = ()


def verdict(result: PollResult, samples_asked: int) -> Verdict:
    if result.error_message:
        message = f"upstream operation failed ({result.error_code}): {result.error_message}"
        return Verdict(("provider_error", message))
    reasons = "; ".join(result.filtered_reasons) or "no reason given"
    if not result.samples:
        if result.filtered_count:
            message = f"all samples were blocked by the upstream's safety filters: {reasons}"
            return Verdict(("content_filtered", message))
        return Verdict(("provider_error", "the upstream operation finished without any video"))
    got = len(result.samples)
    warnings = []
    if got < samples_asked:
        warnings.append(
            f"partial result: {got} of {samples_asked} samples delivered; "
            f"{result.filtered_count} filtered ({reasons})"
        )
    return Verdict(None, result.samples, warnings)


async def collect(
    svc: Services, remote: RemoteVideoProvider, job_id: str, samples: Sequence[SampleLocator]
) -> list[Output]:
    """Download, remux, measure and store every sample; raises `ProviderError` on failure."""
    work = svc.work_dir / job_id
    work.mkdir(parents=True, exist_ok=True)
    outputs = []
    try:
        for index, sample in enumerate(samples):
            raw, ready = work / f"{index}.upstream.mp4", work / f"{index}.mp4"
            try:
                await remote.download(sample, raw)
                try:
                    info = await asyncio.to_thread(remux_faststart, raw, ready)
                except ValueError as exc:
                    raise ProviderError(f"sample {index} is not a usable MP4: {exc}") from exc
                key = output_key(job_id, index)
                await svc.store.move_file(key, ready, "video/mp4")
            finally:
                raw.unlink(missing_ok=True)
                ready.unlink(missing_ok=True)
            outputs.append(stored_output(index, key, info))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return outputs
