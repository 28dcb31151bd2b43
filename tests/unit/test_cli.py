"""The command line's last line of defence: a bug is one clear line, not a traceback."""

from click.testing import CliRunner

from dsec.compiler import cli


def test_unexpected_exception_is_reported_as_an_internal_error(monkeypatch, tmp_path):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(cli, "import_model", broken)
    monkeypatch.delenv("DSEC_DEBUG", raising=False)
    result = CliRunner().invoke(cli.main, ["import", "m.onnx", "--arch", str(tmp_path / "a.yaml")])
    assert result.exit_code == 2
    assert "dsec: internal error (a bug in dsec; please report it with the input): RuntimeError: boom" in result.output
    assert "Traceback" not in result.output


def test_usage_errors_keep_clicks_message():
    result = CliRunner().invoke(cli.main, ["import", "m.onnx"])
    assert result.exit_code == 2
    assert "Missing option '--arch'" in result.output
