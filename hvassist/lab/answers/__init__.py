"""What each shipped script prints on a real host, answered from the lab's model.

One module per area; add a module's ``ANSWERS`` here when it ships new scripts."""

from __future__ import annotations

from hvassist.lab.answers import collect, doctor, fixes, guest, migrate, probe, vm_changes, watch
from hvassist.lab.answers.base import Answer, LabCall, LabPSError

ANSWERS: dict[str, Answer] = {**collect.ANSWERS, **probe.ANSWERS, **vm_changes.ANSWERS, **watch.ANSWERS,
                              **guest.ANSWERS, **doctor.ANSWERS, **fixes.ANSWERS, **migrate.ANSWERS}

__all__ = ["ANSWERS", "Answer", "LabCall", "LabPSError"]
