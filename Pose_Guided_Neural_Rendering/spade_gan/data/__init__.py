"""Training data of the renderer: pose label maps, person masks, augmentation and the clip datasets."""
