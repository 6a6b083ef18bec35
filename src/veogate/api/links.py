"""Download links for a job's outputs: presigned by the store when it can (S3), else signed
by veogate for its own /files route. Minted fresh on every status read."""

from __future__ import annotations

from veogate.jobs.model import Job, JobStatus
from veogate.storage.signing import SignedUrl
from veogate.wiring import Services


def files_path(job_id: str, index: int) -> str:
    return f"/files/{job_id}/{index}.mp4"


async def output_links(job: Job, services: Services) -> list[SignedUrl]:
    """One link per kept output, in output order; none once the files have expired."""
    if job.status is not JobStatus.SUCCEEDED or job.files_expired_at is not None:
        return []
    ttl = services.settings.url_ttl_seconds
    links = []
    for output in job.outputs:
        direct = await services.store.download_url(output.storage_key, ttl)
        if direct is not None:
            links.append(SignedUrl(url=direct[0], expires_at=direct[1]))
        else:
            links.append(services.signer.sign(files_path(job.id, output.index)))
    return links
