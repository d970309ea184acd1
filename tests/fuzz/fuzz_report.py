"""Where the fuzz tests leave their numbers and findings for bench/fuzz.py and for people.

``FUZZ_REPORT``: a file that receives one JSON line per test run (calls, failures, seconds, seed);
``FUZZ_FINDINGS``: a Markdown file that receives every finding with its exact request and response
(default /tmp/fuzz_findings.md).
"""

import json
import os
from pathlib import Path
from typing import Any


def record(summary: dict[str, Any]) -> None:
    """Print a run's summary and append it to ``FUZZ_REPORT`` if set."""
    line = json.dumps(summary)
    print(line)
    if os.environ.get('FUZZ_REPORT'):
        with Path(os.environ['FUZZ_REPORT']).open('a') as out:
            out.write(line + '\n')


def write_findings(title: str, findings: list[str]) -> None:
    """Append findings (Markdown) under a title to ``FUZZ_FINDINGS``."""
    if not findings:
        return
    with Path(os.environ.get('FUZZ_FINDINGS', '/tmp/fuzz_findings.md')).open('a') as out:
        out.write(f'\n## {title}\n\n' + '\n'.join(findings) + '\n')
