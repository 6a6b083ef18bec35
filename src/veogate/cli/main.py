"""`veogate`: parse the command line, then run the command.

Client commands (`generate`, `jobs`) talk to a server's API and load only `veogate.client`;
every other command runs or manages a server here and loads the server's modules (imported
only then, so the client commands start fast).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from veogate.cli import generate, jobs
from veogate.cli.arguments import parser


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "generate":
        return generate.run(args)
    if args.command == "jobs":
        return jobs.run(args)
    from veogate.cli import server

    return server.run(args)


if __name__ == "__main__":
    sys.exit(main())
