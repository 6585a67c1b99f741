"""A warm Spark driver: one SparkSession kept across job runs (``python -m ...worker``).

Protocol: after the session is up it writes ``ready`` to stdout; then each stdin line is a
JSON request ``{"script", "argv", "result", "log", "cwd"}``. The run's stdout/stderr (file
descriptors 1 and 2) go to ``log``; ``{"ok", "error"}`` is written to ``result``; ``done`` is
written to the original stdout. Every run gets a fresh SQL session on the shared
SparkContext (``newSession``: its own conf and temp views), and modules imported from the
run's folder (the script, its --extra-py-files) are forgotten afterwards.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from etl_local.glue.driver import run_script


def _forget_modules(folder: Path) -> None:
    for name, module in list(sys.modules.items()):
        source = getattr(module, "__file__", None) or ""
        if name.split(".")[0] == "awsglue" or source.startswith(str(folder)):
            del sys.modules[name]


def serve(spark: Any, control: Any) -> None:
    from pyspark.sql import SparkSession

    control.write("ready\n")
    control.flush()
    for line in sys.stdin:
        request = json.loads(line)
        script = Path(request["script"])
        if spark.sparkContext._jsc is None:  # a script stopped the context: start a new one
            spark = SparkSession.builder.getOrCreate()
        SparkSession._instantiatedSession = spark.newSession()  # isolation between runs
        saved = os.dup(1), os.dup(2)
        home = os.getcwd()
        with open(request["log"], "ab") as log:
            os.dup2(log.fileno(), 1)
            os.dup2(log.fileno(), 2)
            try:
                os.chdir(request["cwd"])
                error = run_script(script, list(request["argv"]))
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os.dup2(saved[0], 1)
                os.dup2(saved[1], 2)
                os.chdir(home)
                _forget_modules(Path(request["cwd"]))
        Path(request["result"]).write_text(json.dumps({"ok": error is None, "error": error}))
        control.write("done\n")
        control.flush()


def main() -> None:
    from pyspark.sql import SparkSession

    control = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # stray prints between runs go to the worker's log, not the control channel
    spark = SparkSession.builder.appName("etl-local-glue-warm").getOrCreate()
    serve(spark, control)


if __name__ == "__main__":
    main()
