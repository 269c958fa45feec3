"""NTLM logon over HTTP with one round trip less than requests-ntlm, and without the LM hash.

requests-ntlm sends the first request without credentials, waits for the host's ``401 Negotiate``,
and only then starts NTLM's two legs (negotiate -> challenge, authenticate): three round trips after
the TCP connect. WinRM over HTTP always offers Negotiate, so the negotiate message can go with the
first request (as Windows' own clients and curl do): two round trips. If the host does not take it
(no challenge in its answer), the usual requests-ntlm handshake runs as before.

pyspnego also derives the password's LM hash (pure-Python DES, ~2 ms per connection) although NTLMv2,
the default (``LM_COMPAT_LEVEL`` 3 and up), never uses it; the credential given here is the NT hash alone.

Used by ``hvassist.remote.session`` for NTLM over HTTP (message encryption); over HTTPS requests-ntlm
stays in charge (it also sends the channel binding).
"""

from __future__ import annotations

import base64
import os
from typing import Any
from urllib.parse import urlparse

import requests
import spnego
from requests_ntlm import HttpNtlmAuth
from requests_ntlm.requests_ntlm import ShimSessionSecurity

SCHEME = "Negotiate"


def _credential(username: str, password: str) -> Any:
    """The NT hash as the credential when NTLMv2 is in use (the default); otherwise the password."""
    try:
        level = int(os.environ.get("LM_COMPAT_LEVEL", 3))
    except ValueError:
        level = 3  # pyspnego will refuse it itself
    if level < 3:  # NTLMv1 (LM_COMPAT_LEVEL 0-2) may need the LM hash too
        return username, password
    try:  # pyspnego's own NT hash (MD4 of the UTF-16 password); a private module, so a fallback
        from spnego._ntlm_raw.crypto import ntowfv1
    except ImportError:
        return username, password
    return spnego.NTLMHash(username=username, nt_hash=ntowfv1(password).hex()), None


def _challenge(response: requests.Response) -> bytes | None:
    for value in response.headers.get("www-authenticate", "").split(","):
        scheme, _, token = value.strip().partition(" ")
        if scheme.lower() == SCHEME.lower() and token.strip():
            try:
                return base64.b64decode(token.strip())
            except ValueError:
                return None
    return None


class PreemptiveNtlmAuth(HttpNtlmAuth):
    """``HttpNtlmAuth`` that starts the handshake with the first request (see the module's docstring)."""

    def __init__(self, username: str, password: str) -> None:
        super().__init__(username, password, send_cbt=False)
        self._context: Any = None  # the handshake under way, between the first request and its answer

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r = super().__call__(r)
        if self.session_security is None and "Authorization" not in r.headers:
            user, password = _credential(self.username or "", self.password or "")
            self._context = spnego.client(user, password, protocol="ntlm", service="http",
                                          hostname=urlparse(r.url or "").hostname or "unspecified",
                                          options=spnego.NegotiateOptions.use_ntlm)
            r.headers["Authorization"] = "%s %s" % (SCHEME, base64.b64encode(self._context.step() or b"").decode())
        return r

    def response_hook(self, r: requests.Response, **kwargs: Any) -> requests.Response:
        context, self._context = self._context, None
        if context is None or r.status_code != 401:
            return super().response_hook(r, **kwargs)
        challenge = _challenge(r)
        if challenge is None:  # the negotiate message was not taken: the usual handshake from the start
            r.request.headers.pop("Authorization", None)
            return super().response_hook(r, **kwargs)
        r.content  # noqa: B018 - read the answer so that the connection (which NTLM authenticates) is reused
        r.raw.release_conn()
        request = r.request.copy()
        if r.headers.get("set-cookie"):
            request.headers["Cookie"] = r.headers["set-cookie"]
        request.headers["Authorization"] = "%s %s" % (SCHEME, base64.b64encode(context.step(challenge) or b"")
                                                      .decode())
        final: requests.Response = r.connection.send(request, **kwargs)
        final.history.append(r)
        self.session_security = ShimSessionSecurity(context)
        return final
