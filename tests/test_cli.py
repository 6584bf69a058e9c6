import os

from nengo_lmu import cli


def test_demo_prints_table_and_writes_figure(tmp_path, capsys):
    out = tmp_path / "demo"
    code = cli.main(
        ["demo", "--neurons", "300", "--duration", "2", "--out", str(out), "--no-progress"]
    )
    assert code == 0
    text = capsys.readouterr().out
    assert "NRMSE(1 theta)" in text and "reference" in text and "300 poisson" in text
    path = out / "lmu-demo.png"
    assert path.exists() and os.path.getsize(path) > 10000
    with open(path, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
