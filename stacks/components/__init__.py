"""Reusable building blocks (``dss.ComponentResource`` subclasses) for the example stacks."""
