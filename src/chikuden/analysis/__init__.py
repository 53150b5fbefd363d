"""Analyses on top of the model: provenance, batches, sensitivity."""
