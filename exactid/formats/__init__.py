"""Reading and writing exactid files (JSON and CSV)."""

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

__all__ = [
    "NETWORK_FORMAT",
    "check_writable",
    "dump_json",
    "network_from_doc",
    "network_to_doc",
    "number_to_json",
    "read_json",
    "read_network",
    "read_samples",
    "samples_from_doc",
    "samples_to_doc",
    "write_network",
    "write_samples",
    "write_text_atomic",
]
