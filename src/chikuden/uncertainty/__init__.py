"""Uncertainty (issue 15): distributions on parameters, samplers, and Monte Carlo runs with
streaming statistics (docs/uncertainty.md)."""
