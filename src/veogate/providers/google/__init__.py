"""Google Veo 3.1, on the Gemini API or Vertex AI, through the google-genai SDK.

    adapter.py   how we speak: JobSpec + images -> SDK request, operation -> PollResult
    client.py    who we call: GeminiApiHost, VertexHost, GoogleVeoProvider
    errors.py    what their failures mean: UpstreamError, translate_error
    operations.py  the poller's lean reader of operations

Importing this package imports google-genai; the registry imports it lazily.
"""

from veogate.providers.google.adapter import HostFeatures, VideoRequest
from veogate.providers.google.client import GeminiApiHost, GoogleVeoProvider, VeoHost, VertexHost
from veogate.providers.google.errors import UpstreamError

__all__ = [
    "GeminiApiHost",
    "GoogleVeoProvider",
    "HostFeatures",
    "UpstreamError",
    "VeoHost",
    "VertexHost",
    "VideoRequest",
]
