"""The bare-ASGI baseline: one FastAPI route answering a task-sized JSON body, nothing else.

uvicorn bench.bare_asgi:app --loop uvloop --http httptools --no-access-log
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

app = FastAPI()

_TASK = {
    "code": 200,
    "data": {"id": "task_01BENCH", "status": "processing", "progress": 40, "estimated_time": 60},
}


@app.get("/v1/tasks/{task_id}")
async def task(task_id: str) -> dict[str, Any]:
    return _TASK


@app.post("/v1/videos/generations")
async def create() -> dict[str, Any]:
    return {"code": 200, "data": [{"status": "submitted", "task_id": "task_01BENCH"}]}
