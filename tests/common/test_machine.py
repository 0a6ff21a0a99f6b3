import os

import torch

from rib.machine import cpu_model, describe_machine


def test_machine_line_names_cpu_cores_and_torch():
    line = describe_machine()
    assert cpu_model() in line
    assert f"{os.cpu_count()} logical CPUs" in line
    assert f"torch {torch.__version__}" in line and "load average" in line
