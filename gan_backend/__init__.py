"""gan_backend: a small NumPy (CuPy when present) GAN engine; AdaGAN and its baselines."""
