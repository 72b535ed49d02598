"""`annotator worker --nice`: the worker yields the CPU to the app servers, also where Linux
shares the CPU between sessions first (autogroup scheduling), and never renices a terminal's
session it only runs in.

`/proc/<pid>/autogroup` reads "/autogroup-<id> nice <n>" for a process in a session's group,
and nothing at all for one still in the boot-time default group (a process tree that never
called setsid, as a CI runner started straight from PID 1 may be): the tests read it with
`autogroup_nice`, which says None for both "no file" and "empty".
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
AUTOGROUP = Path("/proc/self/autogroup")

# Lowers its own priority as the worker does, then says what it became.
CHILD = """
import json, os
from pathlib import Path
from annotator.commands.jobs import lower_priority
lower_priority(7)
group = Path("/proc/self/autogroup")
print(json.dumps({"leader": os.getsid(0) == os.getpid(),
                  "niceness": os.getpriority(os.PRIO_PROCESS, 0),
                  "group": group.read_text() if group.exists() else None}))
"""


def autogroup_nice(text: str | None) -> str | None:
    """The nice value of an autogroup line; None without the file or in the default group."""
    words = (text or "").split()
    return words[-1] if words else None


def run_child(**popen) -> dict:
    done = subprocess.run([sys.executable, "-c", CHILD], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, stdin=subprocess.DEVNULL, check=False, **popen)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_autogroup_nice_reads_a_group_line_and_nothing_else():
    assert autogroup_nice("/autogroup-8513 nice 7\n") == "7"
    assert autogroup_nice("") is None  # the default group prints nothing
    assert autogroup_nice(None) is None  # a kernel without autogroup scheduling


def test_a_worker_started_in_the_background_gets_a_session_of_its_own_and_renices_it():
    own = os.getpriority(os.PRIO_PROCESS, 0)
    child = run_child()
    assert child["leader"]
    assert child["niceness"] == min(19, own + 7)
    if child["group"] is not None:  # a kernel with autogroup scheduling: the session's share too
        assert autogroup_nice(child["group"]) == "7"


def test_a_worker_leading_a_process_group_stays_in_its_session_and_leaves_it_alone():
    """As in the foreground of a terminal: the terminal's session keeps its priority."""
    before = AUTOGROUP.read_text() if AUTOGROUP.exists() else None
    own = os.getpriority(os.PRIO_PROCESS, 0)
    child = run_child(process_group=0)
    assert not child["leader"]
    assert child["niceness"] == min(19, own + 7)
    # the same group as ours (possibly the default one, which prints nothing), not reniced
    assert child["group"] == before
    if before is not None:
        assert AUTOGROUP.read_text() == before
