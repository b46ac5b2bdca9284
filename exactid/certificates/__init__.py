"""Certificates of exactid verdicts and their trusted checker."""
