"""Providers: the code that knows a target system. Only DSS for now."""
