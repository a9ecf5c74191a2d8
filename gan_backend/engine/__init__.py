"""The GAN engine: everything below AdaGAN, imported by every other layer and importing none.

Modules: :mod:`~gan_backend.engine.config` (:class:`GanConfig`), :mod:`~gan_backend.engine.layers`,
:mod:`~gan_backend.engine.mlp` (the network factory), :mod:`~gan_backend.engine.optim`,
:mod:`~gan_backend.engine.objectives`, :mod:`~gan_backend.engine.train` (the readable trainer),
``fused`` (its fused kernels), :mod:`~gan_backend.engine.batched` (the run axis),
:mod:`~gan_backend.engine.lockstep`, :mod:`~gan_backend.engine.generator`,
:mod:`~gan_backend.engine.classifier`, :mod:`~gan_backend.engine.datasets`,
:mod:`~gan_backend.engine.normal32` (float32 inverse-CDF normals) and
:mod:`~gan_backend.engine.backend` (NumPy or CuPy). The package imports none of them itself, so
importing one module loads only what it needs.
"""
