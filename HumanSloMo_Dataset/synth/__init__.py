"""Offline synthetic HumanSlomo-format data: pybullet's DeepMimic humanoid rendered with exact ground truth.

``camera`` (moving camera, exact projection), ``appearance`` (the actor's clothes, scenery photos), ``scene`` (the
pybullet world and renderer), ``dataset`` (clip planning and the output layout), ``contact_sheet`` (a check image).
The command line is ``HumanSloMo_Dataset/gen_synthetic.py``.
"""
