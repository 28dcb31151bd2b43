# lit configuration for dsec's golden tests: each test file holds its input IR
# and its RUN/CHECK lines. Run through pytest (tests/unit/test_lit_suite.py) or
# directly with `lit tests/lit`.
import os
import sys

import lit.formats

config.name = "dsec"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".dsec", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.excludes = ["Inputs", "lit.cfg.py"]

# The dsec and filecheck commands of the environment that runs lit come first.
bin_dir = os.path.dirname(sys.executable)
config.environment["PATH"] = os.pathsep.join([bin_dir, os.environ.get("PATH", "")])
config.substitutions.append(("%examples", os.path.normpath(os.path.join(config.test_source_root, "..", "..", "examples"))))
config.substitutions.append(("%python", sys.executable))
config.substitutions.append(("%fixtures", os.path.normpath(os.path.join(config.test_source_root, "..", "fixtures"))))
