"""A small but real OpenID Connect provider for the end-to-end tests, run as its own process.

Authorisation-code flow with PKCE (S256), a log-in form with user names and passwords, RS256-signed
ID tokens (Authlib's JOSE) with ``nonce``, a JWKS endpoint and discovery. It listens on 127.0.0.1
only and serves until it is terminated. Streamlit's ``st.login`` talks to it exactly as to Entra ID
or Keycloak: discovery, a browser redirect, a back-channel code exchange, signature checks.

    python tests/oidc_provider.py --port 9000 --client-id insats --client-secret s3cret \
        --user anna=password1 --user bo=password2
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import html
import json
import secrets
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from authlib.jose import JsonWebKey, jwt


class Provider:
    def __init__(self, issuer: str, client_id: str, client_secret: str, users: dict[str, str]) -> None:
        self.issuer, self.client_id, self.client_secret, self.users = issuer, client_id, client_secret, users
        self.key = JsonWebKey.generate_key("RSA", 2048, is_private=True, options={"kid": "insats-test"})
        self.codes: dict[str, dict] = {}

    def discovery(self) -> dict:
        return {
            "issuer": self.issuer, "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token", "jwks_uri": f"{self.issuer}/jwks",
            "userinfo_endpoint": f"{self.issuer}/userinfo", "response_types_supported": ["code"],
            "subject_types_supported": ["public"], "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"], "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "claims_supported": ["sub", "email", "name", "nonce"],
        }

    def jwks(self) -> dict:
        return {"keys": [self.key.as_dict(is_private=False)]}

    def issue_code(self, login: str, params: dict[str, str]) -> str:
        code = secrets.token_urlsafe(24)
        self.codes[code] = {"login": login, "params": params, "at": time.time()}
        return code

    def exchange(self, form: dict[str, str], basic: tuple[str, str] | None) -> dict:
        client_id, client_secret = basic or (form.get("client_id", ""), form.get("client_secret", ""))
        if (client_id, client_secret) != (self.client_id, self.client_secret):
            raise PermissionError("invalid_client")
        grant = self.codes.pop(form.get("code", ""), None)
        if grant is None or time.time() - grant["at"] > 60:
            raise PermissionError("invalid_grant")
        params = grant["params"]
        if form.get("redirect_uri") != params.get("redirect_uri"):
            raise PermissionError("invalid_grant")
        if params.get("code_challenge"):
            digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
            if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != params["code_challenge"]:
                raise PermissionError("invalid_grant")
        now = int(time.time())
        login = grant["login"]
        claims = {"iss": self.issuer, "sub": login, "aud": self.client_id, "iat": now, "exp": now + 300,
                  "email": f"{login}@kommun.example", "name": login.title()}
        if params.get("nonce"):
            claims["nonce"] = params["nonce"]
        id_token = jwt.encode({"alg": "RS256", "kid": "insats-test"}, claims, self.key).decode()
        return {"access_token": secrets.token_urlsafe(24), "token_type": "Bearer", "expires_in": 300,
                "id_token": id_token, "scope": params.get("scope", "openid")}


LOGIN_FORM = """<!doctype html><html lang="sv"><head><title>Kommunens inloggning</title></head><body>
<h1>Kommunens inloggning (test)</h1>{error}
<form method="post" action="/authorize">{hidden}
<label>Användare <input name="login" autocomplete="username"></label>
<label>Lösenord <input name="password" type="password"></label>
<button type="submit">Fortsätt</button></form></body></html>"""


def handler_for(provider: Provider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # quiet
            pass

        def _send(self, status: int, body: str | dict, content_type: str = "application/json",
                  headers: dict | None = None) -> None:
            data = (json.dumps(body) if isinstance(body, dict) else body).encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def _form(self) -> dict[str, str]:
            length = int(self.headers.get("Content-Length", 0))
            return dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))

        def _login_page(self, params: dict[str, str], error: str = "") -> None:
            hidden = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                             for k, v in params.items() if k not in ("login", "password"))
            self._send(200, LOGIN_FORM.format(hidden=hidden, error=error), "text/html; charset=utf-8")

        def do_GET(self) -> None:
            url = urllib.parse.urlparse(self.path)
            params = dict(urllib.parse.parse_qsl(url.query))
            if url.path == "/.well-known/openid-configuration":
                self._send(200, provider.discovery())
            elif url.path == "/jwks":
                self._send(200, provider.jwks())
            elif url.path == "/authorize":
                if params.get("client_id") != provider.client_id or params.get("response_type") != "code":
                    self._send(400, {"error": "invalid_request"})
                    return
                self._login_page(params)
            else:
                self._send(404, {"error": "not_found"})

        def do_POST(self) -> None:
            url = urllib.parse.urlparse(self.path)
            form = self._form()
            if url.path == "/authorize":
                if provider.users.get(form.get("login", "")) != form.get("password"):
                    self._login_page(form, "<p role='alert'>Fel användare eller lösenord.</p>")
                    return
                code = provider.issue_code(form["login"], form)
                query = urllib.parse.urlencode({"code": code, "state": form.get("state", "")})
                self._send(302, "", "text/plain", {"Location": f"{form['redirect_uri']}?{query}"})
            elif url.path == "/token":
                basic = None
                auth = self.headers.get("Authorization", "")
                if auth.startswith("Basic "):
                    pair = base64.b64decode(auth[6:]).decode()
                    basic = tuple(urllib.parse.unquote(p) for p in pair.split(":", 1))
                try:
                    self._send(200, provider.exchange(form, basic), headers={"Cache-Control": "no-store"})
                except PermissionError as exc:
                    self._send(400, {"error": str(exc)})
            else:
                self._send(404, {"error": "not_found"})

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--client-secret", required=True)
    parser.add_argument("--user", action="append", default=[], help="login=password")
    args = parser.parse_args()
    users = dict(u.split("=", 1) for u in args.user)
    provider = Provider(f"http://127.0.0.1:{args.port}", args.client_id, args.client_secret, users)
    ThreadingHTTPServer(("127.0.0.1", args.port), handler_for(provider)).serve_forever()


if __name__ == "__main__":
    main()
