"""The SPADE GAN's networks: generator, discriminators, losses and the VGG feature extractor."""
