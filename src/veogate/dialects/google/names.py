"""Operation names and file ids: veogate's own, opaque, each naming one job of one key.

    Gemini API  models/{model}/operations/{opid}
    Vertex AI   projects/{p}/locations/{l}/publishers/google/models/{model}/operations/{opid}
    file id     {opid}{output index}               e.g. 01jd...x0 (`[a-z0-9]+`)

`opid` is the job's ref (any dialect's spelling of the job id is accepted back). A Vertex
AI request that set `parameters.storageUri` gets `gcs` before the ref: polling that name
answers video URLs instead of inline bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from veogate.dialects.google.schemas import ID_FORM
from veogate.errors import InvalidRequest, NotFound
from veogate.ids import ULID_LENGTH, IdForm

URL_DELIVERY = IdForm("gcs", joiner="")
"""How a Vertex AI operation whose videos come back as URLs spells its id."""
DEFAULT_PROJECT = "veogate"
DEFAULT_LOCATION = "global"
_VERTEX = re.compile(
    r"(?:projects/([^/]+)/locations/([^/]+)/)?publishers/google/models/([^/]+)/operations/([^/]+)"
)
_FILE = re.compile(rf"([0-9a-z]{{{ULID_LENGTH}}})([0-9])")
_FILE_IN_PATH = re.compile(r"(?:.*/)?files/([a-z0-9]+):download|([a-z0-9]+):download")


def gemini_name(model: str, job_id: str) -> str:
    return f"models/{model}/operations/{ID_FORM.render(job_id)}"


@dataclass(frozen=True)
class VertexOperation:
    project: str
    location: str
    model: str
    opid: str

    @property
    def name(self) -> str:
        return (
            f"projects/{self.project}/locations/{self.location}/publishers/google/models/"
            f"{self.model}/operations/{self.opid}"
        )

    @property
    def urls(self) -> bool:
        """Whether the videos come back as URLs (the create set `storageUri`)."""
        return self.opid.startswith(URL_DELIVERY.prefix)


def vertex_operation(
    project: str | None, location: str | None, model: str, job_id: str, *, urls: bool
) -> VertexOperation:
    form = URL_DELIVERY if urls else ID_FORM
    return VertexOperation(
        project or DEFAULT_PROJECT, location or DEFAULT_LOCATION, model, form.render(job_id)
    )


def parse_vertex_operation(name: str) -> VertexOperation:
    """The operation a `fetchPredictOperation` body's `operationName` names."""
    match = _VERTEX.fullmatch(name.strip())
    if match is None:
        raise InvalidRequest(
            "operationName must be a name predictLongRunning returned "
            "(projects/{p}/locations/{l}/publishers/google/models/{m}/operations/{id})",
            param="operationName",
        )
    project, location, model, opid = match.groups()
    return VertexOperation(project or DEFAULT_PROJECT, location or DEFAULT_LOCATION, model, opid)


def file_id(job_id: str, index: int) -> str:
    return f"{ID_FORM.render(job_id)}{index}"


def parse_file_path(path: str) -> tuple[str, int]:
    """(job ref, output index) from what follows `files/` in a download path.

    That is `{id}:download`; google-genai shortens only `https://` video URIs to their id,
    so over plain http it sends the whole URI after `files/`, which is accepted too."""
    found = _FILE_IN_PATH.fullmatch(path)
    file = found and _FILE.fullmatch(found[1] or found[2])
    if not file:
        raise NotFound(f"no file {path!r}", param="name")
    return file[1], int(file[2])
