"""Backstage ``catalog-info.yaml`` descriptors as the catalog's first fallback."""

from integrations.backstage.descriptors import (
    ANNOTATIONS,
    ComponentEntity,
    find_descriptor_files,
    load_backstage_catalog,
    parse_descriptors,
    reference_name,
)

__all__ = [
    "ANNOTATIONS",
    "ComponentEntity",
    "find_descriptor_files",
    "load_backstage_catalog",
    "parse_descriptors",
    "reference_name",
]
