"""Training data of the motion model: 3D J19 mocap -> random view -> 2D keyframes with augmentation."""
