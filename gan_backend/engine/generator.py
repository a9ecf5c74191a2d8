"""`Generator`: a trained generator network, as a sampler that saves to ``.npz``."""
from __future__ import annotations

import json
import os
import tempfile

import numpy as np

from gan_backend.engine._backend import get_xp, to_device, to_numpy
from gan_backend.engine._validate import as_rng, nonnegative_int
from gan_backend.engine.config import GanConfig
from gan_backend.engine.mlp import MLP, generator_net

__all__ = ["Generator"]

_CHUNK = 65536


class Generator:
    """``x = G(z)``, ``z ~ N(0, I_latent)``: the sampler a GAN training returns.

    Parameters
    ----------
    net : MLP
        The generator network (``net.sizes[0] == config.latent_dim``).
    config : GanConfig
        The configuration it was trained with (saved alongside the weights).
    frame : (array_like, array_like), optional
        ``(μ, σ)`` of a training in standardised coordinates (``config.standardize``): the
        samples are ``μ + σ·net(z)``. Required exactly when ``config.standardize`` is set.

    Examples
    --------
    >>> import dataclasses
    >>> from gan_backend import GanConfig, make_dataset, train_gan
    >>> data = make_dataset("gmm", 64, modes=2, rng=0)
    >>> g = train_gan(data.x, dataclasses.replace(GanConfig(), batch_size=32, epochs=1), rng=0)
    >>> g.sample(5, rng=1).shape
    (5, 2)
    """

    def __init__(self, net: MLP, config: GanConfig, *, frame=None):
        if net.sizes[0] != config.latent_dim:
            raise ValueError(f"`net` input width {net.sizes[0]} != config.latent_dim {config.latent_dim}")
        if (frame is not None) != config.standardize:
            raise ValueError(f"`frame` must be given exactly when config.standardize is True; got "
                             f"frame={'None' if frame is None else '(μ, σ)'} with standardize={config.standardize}")
        if frame is not None:
            mu, sd = (np.asarray(a, dtype=np.float64) for a in frame)
            if mu.shape != (net.sizes[-1],) or sd.shape != mu.shape or not (np.isfinite(mu).all()
                                                                           and np.isfinite(sd).all() and (sd > 0).all()):
                raise ValueError(f"`frame` must be (μ, σ): two finite arrays of shape ({net.sizes[-1]},), σ > 0; "
                                 f"got shapes {mu.shape} and {sd.shape}")
            frame = (mu, sd)
        self.net = net
        self.config = config
        self.frame = frame

    @property
    def dim(self) -> int:
        """Dimension of the samples."""
        return self.net.sizes[-1]

    def sample(self, n: int, rng=None) -> np.ndarray:
        """``n`` samples as a float64 NumPy array of shape ``(n, dim)``.

        The latent codes are drawn from ``rng`` (Generator, int seed or None) on the host,
        so a seed gives the same samples on every backend.
        """
        n = nonnegative_int("n", n)
        rng = as_rng(rng)
        net, dt = self.net, self.net.dtype
        out = np.empty((int(n), self.dim), dtype=np.float64)
        for a in range(0, int(n), _CHUNK):
            b = min(int(n), a + _CHUNK)
            z = rng.standard_normal((b - a, net.sizes[0]), dtype=dt)
            out[a:b] = to_numpy(net.predict(to_device(z, net.xp)))
        if self.frame is not None:
            out *= self.frame[1]
            out += self.frame[0]
        return out

    __call__ = sample

    # -- persistence -----------------------------------------------------------------
    def save(self, path) -> str:
        """Write weights, architecture and config to ``path`` (``.npz`` appended by NumPy
        when missing); returns the path written."""
        path = os.fspath(path)
        if not path.endswith(".npz"):
            path += ".npz"
        frame = {} if self.frame is None else {"frame_shift": self.frame[0], "frame_scale": self.frame[1]}
        np.savez(path, params=to_numpy(self.net.params), state=to_numpy(self.net.state),
                 sizes=np.asarray(self.net.sizes),
                 activation=self.net.activation, config=self.config.to_json(), format="gan_backend.Generator/1",
                 **frame)
        return path

    @classmethod
    def load(cls, path, *, xp=None) -> "Generator":
        """Inverse of :meth:`save` (onto the backend ``xp``, default the selected one)."""
        with np.load(os.fspath(path), allow_pickle=False) as z:
            if "format" not in z or str(z["format"]) != "gan_backend.Generator/1":
                raise ValueError(f"`path` {os.fspath(path)!r} is not a saved gan_backend Generator")
            config = GanConfig.from_dict(json.loads(str(z["config"])))
            sizes = tuple(int(s) for s in z["sizes"])
            net = generator_net(config, sizes[-1], xp=get_xp() if xp is None else xp)
            params = z["params"]
            if net.sizes != sizes or str(z["activation"]) != net.activation or params.shape != net.params.shape:
                raise ValueError(f"`path` {os.fspath(path)!r}: the network ({sizes}, {str(z['activation'])!r}, "
                                 f"{params.size} parameters) does not match its config's")
            net.params[...] = to_device(params, net.xp, net.dtype)
            if net.state.size:
                net.state[...] = to_device(z["state"], net.xp, net.dtype)
            frame = (z["frame_shift"], z["frame_scale"]) if "frame_shift" in z else None
        return cls(net, config, frame=frame)

    def to_bytes(self) -> bytes:
        """The content of the :meth:`save` file, as bytes (for stores and inter-process messages)."""
        with tempfile.TemporaryDirectory(prefix="gan_backend_") as tmp:
            with open(self.save(os.path.join(tmp, "g.npz")), "rb") as fh:
                return fh.read()

    @classmethod
    def from_bytes(cls, blob: bytes, *, xp=None) -> "Generator":
        """Inverse of :meth:`to_bytes` (bit-identical parameters)."""
        with tempfile.TemporaryDirectory(prefix="gan_backend_") as tmp:
            path = os.path.join(tmp, "g.npz")
            with open(path, "wb") as fh:
                fh.write(bytes(blob))
            return cls.load(path, xp=xp)
