"""Supply security: indicator series, derived indicators, red/yellow/blue warnings (issue #11)."""
