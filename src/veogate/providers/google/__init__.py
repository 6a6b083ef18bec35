"""Google Veo 3.1, on the Gemini API or Vertex AI, through the google-genai SDK.

    adapter.py   how we speak: JobSpec + images -> SDK request, operation -> PollResult
    client.py    who we call: GeminiApiHost, VertexHost, GoogleVeoProvider, error translation

Importing this package imports google-genai; the registry imports it lazily.
"""

from veogate.providers.google.adapter import HostFeatures, VideoRequest
from veogate.providers.google.client import (
    GeminiApiHost,
    GoogleVeoProvider,
    UpstreamError,
    VeoHost,
    VertexHost,
)

__all__ = [
    "GeminiApiHost",
    "GoogleVeoProvider",
    "HostFeatures",
    "UpstreamError",
    "VeoHost",
    "VertexHost",
    "VideoRequest",
]
