"""`veogate jobs list | get | cancel | download`: a key's jobs, through the API."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from veogate.cli import remote
from veogate.client import Client, Job


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    jobs = commands.add_parser("jobs", help="your jobs, through the API")
    actions = jobs.add_subparsers(dest="jobs_command", required=True)
    listing = remote.add_connection(actions.add_parser("list", help="newest first"))
    listing.add_argument("--limit", type=int, default=20, help="1 to 100 (default 20)")
    listing.add_argument("--after", metavar="ID", help="the page after this job")
    listing.add_argument("--json", action="store_true", help="the page as JSON")
    get = remote.add_connection(actions.add_parser("get", help="one job"))
    get.add_argument("job_id")
    get.add_argument("--json", action="store_true", help="the job as JSON")
    cancel = remote.add_connection(actions.add_parser("cancel", help="cancel an unfinished job"))
    cancel.add_argument("job_id")
    download = remote.add_connection(actions.add_parser("download", help="save a job's video"))
    download.add_argument("job_id")
    download.add_argument("-o", "--output", type=Path, required=True)
    download.add_argument("--sample", type=int, default=0, help="which video (default 0)")


def run(args: argparse.Namespace) -> int:
    command = {"list": _list, "get": _get, "cancel": _cancel, "download": _download}
    return remote.run(command[args.jobs_command], args)


def _list(args: argparse.Namespace, api: Client) -> int:
    page = api.list(args.limit, args.after)
    if args.json:
        jobs = [json.loads(remote.job_json(job)) for job in page.jobs]
        print(json.dumps({"jobs": jobs, "has_more": page.has_more, "last_id": page.last_id}))
        return 0
    print(f"{'id':<34}{'status':<11}{'progress':>9}  {'model':<22}{'created':<17}")
    for job in page.jobs:
        print(
            f"{job.id:<34}{job.status.value:<11}{job.progress:>8}%  {job.model:<22}"
            f"{job.created_at:%Y-%m-%d %H:%M}"
        )
    if page.has_more:
        print(f"more: veogate jobs list --after {page.last_id}")
    return 0


def _get(args: argparse.Namespace, api: Client) -> int:
    job = api.get(args.job_id)
    print(remote.job_json(job) if args.json else describe(job))
    return 0


def describe(job: Job) -> str:
    lines = [
        f"id:       {job.id}",
        f"status:   {job.status.value} ({job.progress}%)",
        f"model:    {job.model}",
        f"video:    {job.duration} s, {job.size}, {job.samples} sample(s)",
        f"created:  {job.created_at:%Y-%m-%d %H:%M:%S %Z}",
    ]
    if job.error is not None:
        lines.append(f"error:    {job.error.code}: {job.error.message}")
    if job.usage is not None:
        lines.append(f"usage:    {job.usage.billable_seconds:g} s, {job.usage.cost:g} credits")
    lines.extend(f"output:   {url}" for url in job.outputs)
    return "\n".join(lines)


def _cancel(args: argparse.Namespace, api: Client) -> int:
    job = api.cancel(args.job_id)
    print(f"{job.id} {job.status.value}")
    return 0


def _download(args: argparse.Namespace, api: Client) -> int:
    print(api.download(args.job_id, args.output, args.sample))
    return 0
