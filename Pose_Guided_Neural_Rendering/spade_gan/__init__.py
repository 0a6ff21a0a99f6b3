"""The reference's renderer: a SPADE generator trained as a GAN, rendering each in-between frame at model size
from the preceding frame."""
