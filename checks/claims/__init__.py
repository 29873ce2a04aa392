"""Claim modules, one per group of CLAIMS.md; importing them registers the claims."""
