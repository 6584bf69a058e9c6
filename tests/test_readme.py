"""The README's API example runs as written."""

import pathlib
import re

import numpy as np

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"


def test_readme_example_runs():
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert blocks, "README.md has no python example"
    namespace = {}
    exec(compile(blocks[0], "README.md", "exec"), namespace)  # noqa: S102
    sim, p = namespace["sim"], namespace["p"]
    assert sim.data[p].shape == (10000, 1)
    # u(t - theta) from 3000 Poisson neurons follows the input a second later
    u = sim.data[namespace["p_u"]]
    y, target = sim.data[p][2000:, 0], u[1000:-1000, 0]
    assert np.corrcoef(y, target)[0, 1] > 0.8
