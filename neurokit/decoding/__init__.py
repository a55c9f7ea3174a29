"""EEG/MEG decoders: Riemannian, convolutional, SSVEP, contrastive and spiking."""
