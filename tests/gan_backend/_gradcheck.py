"""Central finite differences for the gradient checks (float64)."""
import numpy as np


def finite_diff(fn, x, h=1e-6):
    """Central differences of the scalar ``fn()`` w.r.t. every entry of the float64
    array ``x`` (modified in place and restored)."""
    flat = x.reshape(-1)
    out = np.empty(flat.shape[0])
    for i in range(flat.shape[0]):
        old = float(flat[i])
        flat[i] = old + h
        fp = fn()
        flat[i] = old - h
        fm = fn()
        flat[i] = old
        out[i] = (fp - fm) / (2 * h)
    return out.reshape(x.shape)
