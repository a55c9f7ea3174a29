"""Latent variable models of neural population activity (MM-GPVAE, TiDe-SwapVAE, Neuroformer)."""
