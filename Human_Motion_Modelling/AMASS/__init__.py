"""Builders of 3D-joint motion datasets (AMASS, DeepMimic) in one h5 layout."""
