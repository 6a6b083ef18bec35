"""`veogate generate "prompt" --model veo-3.1-fast -o out.mp4`: create a job through the API,
follow it with a progress bar, download its video(s) and print their paths."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from veogate.cli import remote
from veogate.cli.progress import progress_view
from veogate.client import Client, Job, JobStatus

DEFAULT_MODEL = "veo-3.1-fast"


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = remote.add_connection(
        commands.add_parser("generate", help="make a video through the API and download it")
    )
    p.add_argument("prompt")
    p.add_argument("--model", default=DEFAULT_MODEL, help=f"(default {DEFAULT_MODEL})")
    p.add_argument("--negative-prompt", help="what the video should not show")
    p.add_argument("--duration", type=int, help="seconds: 4, 6 or 8 (default 8)")
    p.add_argument("--aspect-ratio", help="16:9 (default) or 9:16")
    p.add_argument("--resolution", help="720p (default), 1080p or 4K")
    p.add_argument("--samples", type=int, help="videos to make, 1 to 4 (default 1)")
    p.add_argument("--seed", type=int)
    p.add_argument(
        "--audio", action=argparse.BooleanOptionalAction, help="with sound (default: yes)"
    )
    p.add_argument("--first-frame", metavar="PATH|URL", help="the video starts on this image")
    p.add_argument("--last-frame", metavar="PATH|URL", help="...and ends on this one")
    p.add_argument(
        "--reference",
        action="append",
        default=[],
        metavar="PATH|URL",
        help="a reference image (repeat, up to 3; needs 8 s at 16:9)",
    )
    p.add_argument("--person-generation", choices=("allow_all", "allow_adult", "dont_allow"))
    p.add_argument("--resize-mode", choices=("pad", "crop"))
    p.add_argument("--idempotency-key", help="repeat a create safely: same key, same job")
    p.add_argument(
        "-o", "--output", type=Path, help="where to save (default <job id>.mp4); sample N>0 "
        "goes to <name>-N<suffix>"
    )  # fmt: skip
    p.add_argument("--no-wait", action="store_true", help="print the job id and return")
    p.add_argument("--timeout", type=float, default=1800.0, help="seconds to wait (default 1800)")


def run(args: argparse.Namespace) -> int:
    return remote.run(_generate, args)


def _generate(args: argparse.Namespace, api: Client) -> int:
    job = api.create(
        args.prompt,
        model=args.model,
        negative_prompt=args.negative_prompt,
        duration=args.duration,
        aspect_ratio=args.aspect_ratio,
        resolution=args.resolution,
        samples=args.samples,
        seed=args.seed,
        audio=args.audio,
        first_frame=args.first_frame,
        last_frame=args.last_frame,
        reference_images=args.reference,
        person_generation=args.person_generation,
        resize_mode=args.resize_mode,
        idempotency_key=args.idempotency_key,
    )
    if args.no_wait:
        print(job.id)
        return 0
    view = progress_view()
    view.update(job)
    try:
        job = api.wait(job.id, on_progress=view.update, timeout=args.timeout)
    except KeyboardInterrupt:
        view.close()
        print(interrupted(job.id), file=sys.stderr)
        return remote.EXIT_INTERRUPTED
    view.close()
    if job.status is not JobStatus.SUCCEEDED:
        reason = f": {job.error.code}: {job.error.message}" if job.error else ""
        print(f"error: job {job.id} {job.status.value}{reason}", file=sys.stderr)
        return remote.EXIT_FAILED
    for sample, path in enumerate(sample_paths(args.output or Path(f"{job.id}.mp4"), job)):
        print(api.download(job.id, path, sample))
    return 0


def sample_paths(output: Path, job: Job) -> list[Path]:
    """`out.mp4` for the first sample, then `out-1.mp4`, `out-2.mp4`..."""
    return [output] + [
        output.with_name(f"{output.stem}-{index}{output.suffix}") for index in range(1, job.samples)
    ]


def interrupted(job_id: str) -> str:
    return (
        f"interrupted: job {job_id} keeps running on the server; follow it with "
        f"`veogate jobs get {job_id}`, fetch it with `veogate jobs download {job_id} -o "
        f"out.mp4`, or stop it with `veogate jobs cancel {job_id}`"
    )
