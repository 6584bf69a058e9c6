import os

from nengo_lmu import cli


def test_demo_prints_table_and_writes_figure(tmp_path, capsys):
    out = tmp_path / "demo"
    code = cli.main(
        ["demo", "--neurons", "300", "--duration", "2", "--out", str(out), "--no-progress",
         "--loihi-neurons", "120"]
    )
    assert code == 0
    text = capsys.readouterr().out
    assert "NRMSE(1 theta)" in text and "reference" in text and "300 poisson" in text
    # the Loihi row: emulator, one core, an energy estimate
    loihi_row = [line for line in text.splitlines() if line.strip().startswith("loihi")]
    assert len(loihi_row) == 1 and "120 spiking-relu" in loihi_row[0]
    assert "uJ/s Loihi" in text
    path = out / "lmu-demo.png"
    assert path.exists() and os.path.getsize(path) > 10000
    with open(path, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"


def test_table_without_hardware_rows_has_no_hardware_columns():
    rec = {"backend": "reference", "n_neurons": 10, "neuron_type": "lif", "delays": [1.0],
           "state_error": 0.1, "normalised_state_error": 0.2, "delay_nrmse_1": 0.3,
           "delay_nrmse_ideal_1": 0.3, "realtime": 1.0, "build_s": 0.1, "peak_rss_mb": 10}
    assert "cores" not in cli.format_table([rec])
