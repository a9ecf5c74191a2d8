"""proofs_check: every statement S1-S20 of THEORY.md checked numerically and symbolically."""
