"""Process settings for batch runs of the engine."""

from __future__ import annotations

import gc

from ebt.data.guides import default_guidebook

# Segments are lists of strings: they can never form reference cycles, yet every list is
# tracked by the cyclic collector, which then rescans them over and over while a chunk is
# processed. A larger first-generation threshold keeps that cost down; cycles are still
# collected.
GC_THRESHOLDS = (50_000, 20, 100)


def tune_for_batch() -> None:
    """Load the guides, move everything loaded so far out of the collector's sight, and raise
    its first threshold. Called once per process by the command line (and the benchmark)."""
    default_guidebook()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
