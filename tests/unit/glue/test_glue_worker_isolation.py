"""What the warm driver makes per run: ``sys.argv``, the output streams and the import path
seen from a run's thread are that run's own, while runs execute at the same time."""

from __future__ import annotations

import io
import sys
import threading
from pathlib import Path

import pytest
from etl_local.glue import worker
from etl_local.glue.driver import run_main

pytestmark = pytest.mark.unit


def _run(tmp_path: Path, name: str, script: str) -> worker.Run:
    folder = tmp_path / name
    (folder / "lib").mkdir(parents=True)
    (folder / "lib" / "helper.py").write_text(f"WHO = {name!r}\n")
    path = folder / "script.py"
    path.write_text(script)
    log = open(folder / "driver.log", "a")  # noqa: SIM115 - closed by the test
    return worker.Run(name, path, [str(path), "--month", name], [str(folder / "lib")], log)


SCRIPT = """
import os, sys, time
gate = os.path.join(os.path.dirname(os.path.dirname(__file__)), "gate")
open(os.path.join(gate, os.path.basename(os.path.dirname(__file__))), "w").close()
while len(os.listdir(gate)) < 3:  # every run is inside its script before any goes on
    time.sleep(0.01)
month = sys.argv[sys.argv.index("--month") + 1]
print("argv", month, list(sys.argv)[1:])
"""


def test_concurrent_runs_see_their_own_argv_output_and_imports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fallback = io.StringIO()
    monkeypatch.setattr(sys, "argv", worker.RunArgv(["worker"]))
    monkeypatch.setattr(sys, "stdout", worker.RunStream(fallback))
    monkeypatch.setattr(sys, "meta_path", [worker.RunImports(), *sys.meta_path])
    names = ["01", "02", "03"]
    (tmp_path / "gate").mkdir()
    runs = [_run(tmp_path, name, SCRIPT) for name in names]
    errors: dict[str, str | None] = {}

    def execute(run: worker.Run) -> None:
        worker._local.run = run
        try:
            errors[run.run_id] = run_main(run.script)
        finally:
            worker._local.run = None
            run.log.close()

    threads = [threading.Thread(target=execute, args=(run,)) for run in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == dict.fromkeys(names)
    for name in names:
        log = (tmp_path / name / "driver.log").read_text()
        assert f"argv {name} ['--month', '{name}']" in log
    assert list(sys.argv) == ["worker"]  # outside a run: the worker's own
    print("between runs")
    assert fallback.getvalue() == "between runs\n"


def test_a_run_imports_from_its_own_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "meta_path", [worker.RunImports(), *sys.meta_path])
    monkeypatch.setattr(sys, "stdout", worker.RunStream(sys.stdout))
    for name in ("a", "b"):  # one after the other, as modules are shared by name meanwhile
        run = _run(tmp_path, name, "import helper\nprint('helper', helper.WHO)\n")
        worker._local.run = run
        try:
            assert run_main(run.script) is None
        finally:
            worker._local.run = None
            run.log.close()
        worker._forget_modules(tmp_path / name)
        assert "helper" not in sys.modules
        assert f"helper {name}" in (tmp_path / name / "driver.log").read_text()


def test_run_argv_behaves_like_a_list() -> None:
    argv = worker.RunArgv(["script.py", "--a", "1"])
    assert argv[1:] == ["--a", "1"] and len(argv) == 3 and "--a" in argv
    assert argv.index("--a") == 1 and argv == ["script.py", "--a", "1"]
    assert argv + ["--b"] == ["script.py", "--a", "1", "--b"]
    argv[0] = "other.py"
    assert list(argv) == ["other.py", "--a", "1"]
