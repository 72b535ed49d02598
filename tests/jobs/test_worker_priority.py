"""`annotator worker --nice`: the worker yields the CPU to the app servers, also where Linux
shares the CPU between sessions first (autogroup scheduling), and never renices a terminal's
session it only runs in."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
AUTOGROUP = Path("/proc/self/autogroup")

# Lowers its own priority as the worker does, then says what it became.
CHILD = """
import os
from pathlib import Path
from annotator.commands.jobs import lower_priority
lower_priority(7)
group = Path("/proc/self/autogroup")
print(os.getsid(0) == os.getpid(), os.getpriority(os.PRIO_PROCESS, 0),
      group.read_text().split()[-1] if group.exists() else "-")
"""


def run_child(**popen) -> tuple[bool, int, str]:
    done = subprocess.run([sys.executable, "-c", CHILD], cwd=ROOT, capture_output=True,
                          text=True, check=True, timeout=60, **popen)
    leader, niceness, group = done.stdout.split()
    return leader == "True", int(niceness), group


def test_a_worker_started_in_the_background_gets_a_session_of_its_own_and_renices_it():
    own = os.getpriority(os.PRIO_PROCESS, 0)
    leader, niceness, group = run_child()
    assert leader
    assert niceness == min(19, own + 7)
    if AUTOGROUP.exists():  # a kernel with autogroup scheduling: the session's share too
        assert group == "7"


def test_a_worker_leading_a_process_group_stays_in_its_session_and_leaves_it_alone():
    """As in the foreground of a terminal: the terminal's session keeps its priority."""
    before = AUTOGROUP.read_text() if AUTOGROUP.exists() else None
    own = os.getpriority(os.PRIO_PROCESS, 0)
    leader, niceness, group = run_child(process_group=0)
    assert not leader
    assert niceness == min(19, own + 7)
    if before is not None:
        assert AUTOGROUP.read_text() == before
        assert group == before.split()[-1]
