"""Load ahead of need what the first diagnosis needs, so that the app's start stays short and the first
click on a wizard does not wait for it.

The remote stack (pywinrm, requests, NTLM, the OpenSSL bindings), the rules, fix catalogue and cause
texts take about a second to load on a laptop. The GUI calls ``warm_up()`` on a background thread
once its window is shown; the CLI simply loads them when it needs them.
"""

from __future__ import annotations

import codecs
import logging

log = logging.getLogger(__name__)


def warm_up() -> None:
    """Import and initialise; idempotent, and never raises (whatever fails here fails again, visibly, later)."""
    try:
        import hvassist.fixes.catalogue  # noqa: F401
        import hvassist.flows.diagnose_flow  # noqa: F401  (diagnosis service, remote session, pywinrm)
        from hvassist.kb import all_causes

        all_causes()
        codecs.lookup("utf-16-le")  # the bootstrap command's encoding
        from cryptography.hazmat.backends import default_backend

        default_backend()  # the OpenSSL bindings, otherwise loaded inside the first NTLM handshake
    except Exception as e:  # noqa: BLE001 - a warm-up must never break the app
        log.debug("warm-up incomplete: %s: %s", type(e).__name__, e)
