"""The local preview renderer: the embedded default provider (a sandbox, not an AI model)."""

from veogate.providers.preview.provider import PreviewProvider

__all__ = ["PreviewProvider"]
