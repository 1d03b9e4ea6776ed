"""Who may talk to the review server: this browser on this computer, nobody else.

The page shows personal data and changes the store, so a random web site open
in another tab must neither read it nor post to it. Layers, each cheap:

* the server binds 127.0.0.1 only;
* the Host header must name that address (defeats DNS rebinding);
* a random token, given once in the printed URL, becomes an HttpOnly,
  SameSite=Strict cookie sent with every request (no cookie, no page);
* mutations are POST only, must come from this origin (Origin header, or
  Referer, and Sec-Fetch-Site when the browser sends it) and carry a second
  random token (CSRF) embedded in the page's forms.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie
from urllib.parse import urlsplit

#: Response headers on every page: no outside resource, no framing, no caching of personal data.
SECURITY_HEADERS: tuple[tuple[str, str], ...] = (
    (
        "Content-Security-Policy",
        "default-src 'none'; img-src 'self'; style-src 'self'; script-src 'self'; connect-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    ),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    # 'same-origin' (not 'no-referrer'): with no-referrer browsers send "Origin: null" on POST.
    ("Referrer-Policy", "same-origin"),
    ("Cache-Control", "no-store"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Cross-Origin-Resource-Policy", "same-origin"),
)


@dataclass(frozen=True)
class Verdict:
    """Outcome of a check: ``ok`` or an HTTP status with a short reason."""

    ok: bool
    status: int = 200
    reason: str = ""


ALLOW = Verdict(True)


@dataclass
class Guard:
    """The secrets of one server process and the checks that use them."""

    port: int
    host: str = "127.0.0.1"
    token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))

    @property
    def cookie_name(self) -> str:
        # Cookies ignore ports: name it by port so two review servers do not clash.
        return f"psreview{self.port}"

    @property
    def origins(self) -> frozenset[str]:
        return frozenset({f"http://{self.host}:{self.port}", f"http://localhost:{self.port}"})

    def start_url(self) -> str:
        """The URL to print and open: the only way to get the cookie."""
        return f"http://{self.host}:{self.port}/?token={self.token}"

    def set_cookie_header(self) -> str:
        return f"{self.cookie_name}={self.token}; Path=/; HttpOnly; SameSite=Strict"

    def check_host(self, host_header: str | None) -> Verdict:
        if host_header is None or host_header.strip().lower() not in {o.split("//", 1)[1] for o in self.origins}:
            return Verdict(False, 421, "wrong Host header: open the URL printed by 'petition-scan review'")
        return ALLOW

    def token_ok(self, candidate: str | None) -> bool:
        return bool(candidate) and hmac.compare_digest(str(candidate).encode(), self.token.encode())

    def cookie_token(self, cookie_header: str | None) -> str | None:
        if not cookie_header:
            return None
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(cookie_header)
        except CookieError:
            return None
        morsel = jar.get(self.cookie_name)
        return None if morsel is None else morsel.value

    def check_session(self, headers: Mapping[str, str]) -> Verdict:
        """Host and cookie: enough for reading pages and images (header names in lower case)."""
        host = self.check_host(headers.get("host"))
        if not host.ok:
            return host
        if not self.token_ok(self.cookie_token(headers.get("cookie"))):
            return Verdict(False, 403, "no valid session: open the URL printed by 'petition-scan review'")
        return ALLOW

    def check_same_origin(self, headers: Mapping[str, str]) -> Verdict:
        """A mutation must say it comes from our own page."""
        site = headers.get("sec-fetch-site")
        if site is not None and site != "same-origin":
            return Verdict(False, 403, f"cross-site request refused (Sec-Fetch-Site: {site})")
        origin = headers.get("origin")
        if origin is not None:
            if origin not in self.origins:
                return Verdict(False, 403, "cross-origin request refused")
            return ALLOW
        referer = headers.get("referer")
        if referer:
            parts = urlsplit(referer)
            if f"{parts.scheme}://{parts.netloc}" in self.origins:
                return ALLOW
        return Verdict(False, 403, "request without Origin or Referer refused")

    def check_mutation(self, headers: Mapping[str, str], csrf_value: str | None) -> Verdict:
        """Session, same origin and the CSRF token of the page's form."""
        for verdict in (self.check_session(headers), self.check_same_origin(headers)):
            if not verdict.ok:
                return verdict
        if not csrf_value or not hmac.compare_digest(csrf_value.encode(), self.csrf.encode()):
            return Verdict(False, 403, "missing or wrong form token: reload the page")
        return ALLOW
