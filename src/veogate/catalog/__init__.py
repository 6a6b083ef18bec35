"""Public model names, their capabilities and upstream ids, as data; one validator."""

from veogate.catalog.catalog import Catalog, PublicModel, load_catalog
from veogate.catalog.validate import SpecDraft, validate

__all__ = ["Catalog", "PublicModel", "SpecDraft", "load_catalog", "validate"]
