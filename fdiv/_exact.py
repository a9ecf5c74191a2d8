"""Error-free transformations on NumPy arrays (double-double building blocks).

``two_sum(a, b)`` and ``two_prod(a, b)`` return ``(s, e)`` with ``s = fl(a ∘ b)`` and
``a ∘ b = s + e`` exactly (Knuth's TwoSum; Dekker's TwoProduct with the 2**27 + 1 split),
for finite inputs whose results do not overflow (|a|, |b| below about 1e300 for the
product's split). The Numba kernels keep their own scalar copies in their files, because
Numba's disk cache only notices changes to a kernel's own file.
"""
from __future__ import annotations

__all__ = ["two_sum", "two_prod"]

_SPLIT = 134217729.0  # 2**27 + 1 (Dekker)


def two_sum(a, b):
    """``(s, e)``: ``s = fl(a + b)`` and ``a + b = s + e`` exactly.

    Examples
    --------
    >>> two_sum(1.0, 1e-20)
    (1.0, 1e-20)
    """
    s = a + b
    bp = s - a
    return s, (a - (s - bp)) + (b - bp)


def two_prod(a, b):
    """``(p, e)``: ``p = fl(a b)`` and ``a b = p + e`` exactly (no FMA needed).

    Examples
    --------
    >>> p, e = two_prod(1.0 + 2.0**-30, 1.0 + 2.0**-30)
    >>> p == 1.0 + 2.0**-29, e == 2.0**-60
    (True, True)
    """
    p = a * b
    ca = _SPLIT * a
    ah = ca - (ca - a)
    al = a - ah
    cb = _SPLIT * b
    bh = cb - (cb - b)
    bl = b - bh
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl
