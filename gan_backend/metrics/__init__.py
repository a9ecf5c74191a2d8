"""What is measured on samples: mode coverage (:mod:`~gan_backend.metrics.coverage`), mode
statistics (:mod:`~gan_backend.metrics.modes`), the KDE they share, and the variational
f-divergence estimate (:mod:`~gan_backend.metrics.variational`). Imports the engine only.
"""
