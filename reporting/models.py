"""Cubes, aggregates, active profiles, Customer metrics and the billing report."""
