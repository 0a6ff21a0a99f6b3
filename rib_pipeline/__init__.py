"""The whole pipeline as one command, ``rib interpolate`` / ``rib finetune`` (also ``python -m rib``).

It calls the stages through their public functions (frames -> poses -> motion -> backgrounds -> rendering ->
mp4). The shared modules of :mod:`rib` never import this package; only it (and ``rib/__main__.py``) import the
stages.
"""
