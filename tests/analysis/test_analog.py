import pandas as pd
import pytest
from nengo.exceptions import ValidationError

from nengo_lmu.analysis import analog


def test_ladder_trials():
    trials = analog.ladder("quick")
    assert len(trials) == 2 * len(analog.STEPS)
    ref, none, *_, full = trials[:5]
    assert ref.backend == "reference" and ref.seed == 0 and ref.synapse == 0.018
    assert dict(none.backend_options) == {"chip": 0, "compensations": "none"}
    assert dict(full.backend_options)["compensations"] == "all"
    assert trials[5].seed == 1 and dict(trials[5 + 1].backend_options)["chip"] == 1
    assert all(t.neuron_type == "lif" for t in analog.ladder("quick", neuron_type="lif"))
    with pytest.raises(ValidationError, match="setting: must be one of"):
        analog.ladder("huge")
    with pytest.raises(ValidationError, match="chips: must be >= 1"):
        analog.ladder("quick", chips=0)


def test_table_means_and_ratios():
    rows = []
    for t, e in zip(analog.ladder("quick"), [1.0, 8.0, 0.5, 0.4, 0.3, 3.0, 10.0, 1.5, 0.8, 0.5]):
        rows.append(dict(t.spec(), state_error=e))
    table = analog.table(pd.DataFrame(rows))
    assert list(table.step) == [name for name, _ in analog.STEPS]
    row = table.set_index("step").loc["none"]
    assert row["mean"] == 9.0 and row["chips"] == 2 and row["vs_reference"] == 9.0 / 2.0
    assert table.set_index("step").loc["+ heterogeneous", "vs_reference"] == pytest.approx(0.2)
