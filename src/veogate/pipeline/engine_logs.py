"""The workflow engine's log, said in veogate's terms.

DBOS logs every workflow that ends by cancellation as an ERROR with a traceback ("Exception
encountered in asynchronous workflow"). For veogate a cancel is what a client asked for, not
an error: operators alerting on ERROR lines would be paged for every cancelled job. This filter
turns those records into one INFO line and leaves every other record alone.
"""

from __future__ import annotations

import logging

# DBOS exports these only from its private module.
from dbos._error import DBOSAwaitedWorkflowCancelledError, DBOSWorkflowCancelledError

_CANCELLED = (DBOSWorkflowCancelledError, DBOSAwaitedWorkflowCancelledError)


class CancellationIsNotAnError(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, _CANCELLED):
            record.levelno, record.levelname = logging.INFO, "INFO"
            record.msg, record.args = "workflow cancelled: %s", (error,)
            record.exc_info, record.exc_text = None, None
        return True


def quiet_cancellations() -> None:
    """Install the filter on the engine's logger (once per process)."""
    engine = logging.getLogger("dbos")
    if not any(isinstance(f, CancellationIsNotAnError) for f in engine.filters):
        engine.addFilter(CancellationIsNotAnError())
