"""Reading and writing exactid files (JSON and CSV), and reading trained models."""

from .jsonio import (
    NETWORK_FORMAT,
    check_writable,
    dump_json,
    network_from_doc,
    network_to_doc,
    number_to_json,
    read_json,
    read_network,
    read_samples,
    samples_from_doc,
    samples_to_doc,
    write_network,
    write_samples,
    write_text_atomic,
)
from .models import ImportedModel, import_model, read_model

__all__ = [
    "NETWORK_FORMAT",
    "ImportedModel",
    "check_writable",
    "dump_json",
    "import_model",
    "network_from_doc",
    "network_to_doc",
    "number_to_json",
    "read_json",
    "read_model",
    "read_network",
    "read_samples",
    "samples_from_doc",
    "samples_to_doc",
    "write_network",
    "write_samples",
    "write_text_atomic",
]
