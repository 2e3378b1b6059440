"""Serve doorsync the way the production image does, without Docker, and check pages answer.

The Dockerfile collects static files under production settings and runs gunicorn with
DEBUG off; a manifest missing from that step made every page a 500 while every test
(which runs with DEBUG on) passed. This script repeats those steps on this machine:

1. a throw-away PostgreSQL database next to the one in DATABASE_URL (CI's PostgreSQL);
2. `collectstatic` into a temporary STATIC_ROOT, then `migrate` and `seed_demo`, all with
   DEBUG=false and freshly generated keys;
3. gunicorn on a free loopback port, as a TLS-terminating proxy would reach it
   (X-Forwarded-Proto: https, so the SSL redirect and Secure cookies stay on);
4. the login page (with its Content-Security-Policy), a hashed static file, People
   (logged in as the demo manager; never stored by a cache), and Django admin (logged in
   as support) must each answer 200.

Exits non-zero, printing gunicorn's log, when one does not. Usage:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/doorsync python .ci/serve_check.py
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from http.cookies import SimpleCookie
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit, urlunsplit

import httpx
import psycopg
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
MANAGER = ("manager", "doorsync-demo")
SUPPORT = ("support", "doorsync-support")
STARTUP_SECONDS = 60


class CheckFailed(Exception):
    pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def database_urls(base: str) -> tuple[str, str, str]:
    """(the throw-away database's URL, the maintenance database's URL, its name)."""
    parts = urlsplit(base)
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        raise CheckFailed(f"DATABASE_URL must be a PostgreSQL URL, not {parts.scheme}://…")
    name = f"doorsync_serve_check_{secrets.token_hex(4)}"
    scheme = "postgresql"
    check = urlunsplit((scheme, parts.netloc, f"/{name}", parts.query, ""))
    maintenance = urlunsplit((scheme, parts.netloc, "/postgres", parts.query, ""))
    return check, maintenance, name


class Browser:
    """Just enough of a browser: cookies kept by hand (Secure ones included, since the
    proxy header makes the site https), CSRF tokens read from forms."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.host = urlsplit(base).netloc
        self.cookies: dict[str, str] = {}
        self.http = httpx.Client(timeout=30, follow_redirects=False)

    def _headers(self, path: str) -> dict[str, str]:
        headers = {"X-Forwarded-Proto": "https", "Referer": f"https://{self.host}{path}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return headers

    def _keep(self, response: httpx.Response) -> None:
        for raw in response.headers.get_list("set-cookie"):
            jar: SimpleCookie = SimpleCookie()
            jar.load(raw)
            for name, morsel in jar.items():
                self.cookies[name] = morsel.value

    def get(self, path: str) -> httpx.Response:
        response = self.http.get(self.base + path, headers=self._headers(path))
        self._keep(response)
        return response

    def post(self, path: str, data: dict[str, str]) -> httpx.Response:
        response = self.http.post(self.base + path, data=data, headers=self._headers(path))
        self._keep(response)
        return response

    def login(self, path: str, username: str, password: str) -> None:
        page = self.expect(path, 200)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        if token is None:
            raise CheckFailed(f"GET {path}: no CSRF token in the login form")
        response = self.post(
            path,
            {"csrfmiddlewaretoken": token.group(1), "username": username, "password": password},
        )
        if response.status_code != 302:
            raise CheckFailed(f"POST {path} as {username} answered {response.status_code}")

    def expect(self, path: str, status: int = 200) -> httpx.Response:
        response = self.get(path)
        print(f"  GET {path} → {response.status_code}")
        if response.status_code != status:
            raise CheckFailed(f"GET {path} answered {response.status_code}, not {status}")
        return response

    def follow(self, path: str) -> tuple[str, httpx.Response]:
        """GET, following the site's own redirects (console home → a property's People):
        the final path and its response."""
        for _ in range(5):
            response = self.get(path)
            if response.status_code not in (301, 302):
                return path, response
            location = response.headers["location"]
            path = urlsplit(location).path or location
        raise CheckFailed(f"too many redirects from {path}")


def run(args: list[str], env: dict[str, str]) -> None:
    print(f"  $ {' '.join(args)}")
    subprocess.run([sys.executable, *args], cwd=ROOT, env=env, check=True)


def check_pages(base: str) -> None:
    anonymous = Browser(base)
    login = anonymous.expect("/accounts/login/")
    css = re.search(r'href="(/static/css/console\.[0-9a-f]{12}\.css)"', login.text)
    if css is None:
        raise CheckFailed("the login page links no hashed stylesheet (no static manifest?)")
    anonymous.expect(css.group(1))
    if "script-src 'self'" not in login.headers.get("content-security-policy", ""):
        raise CheckFailed("the login page carries no Content-Security-Policy")

    manager = Browser(base)
    manager.login("/accounts/login/", *MANAGER)
    path, people = manager.follow("/")
    print(f"  GET / → {path} → {people.status_code}")
    if not re.fullmatch(r"/p/\d+/people/", path):
        raise CheckFailed(f"the console's home led to {path}, not a property's People page")
    if people.status_code != 200:
        raise CheckFailed(f"People answered {people.status_code}")
    if "no-store" not in people.headers.get("cache-control", ""):
        raise CheckFailed("People (personal data) may be cached: no Cache-Control: no-store")

    support = Browser(base)
    support.login("/admin/login/", *SUPPORT)
    support.expect("/admin/")
    support.expect("/admin/integrations/pmscredential/")


def main() -> int:
    base_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/doorsync")
    db_url, maintenance_url, db_name = database_urls(base_url)
    port = free_port()
    static_root = tempfile.mkdtemp(prefix="doorsync-static-")
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DEBUG", "PMS_ENDPOINT_HOSTS"}},
        "DJANGO_SETTINGS_MODULE": "doorsync.settings",
        "DEBUG": "false",
        "SECRET_KEY": f"serve-check-{secrets.token_urlsafe(40)}",
        "FERNET_KEYS": Fernet.generate_key().decode(),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": db_url,
        "STATIC_ROOT": static_root,
        "AXES_ENABLED": "false",
    }
    with psycopg.connect(maintenance_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{db_name}"')
    with tempfile.TemporaryFile(mode="w+") as log:
        return serve_and_check(env, port, log, maintenance_url, db_name, static_root)


def serve_and_check(
    env: dict[str, str],
    port: int,
    log: IO[str],
    maintenance_url: str,
    db_name: str,
    static_root: str,
) -> int:
    server: subprocess.Popen[str] | None = None
    try:
        print("== production-mode serving check")
        run(["manage.py", "collectstatic", "--noinput", "--verbosity", "0"], env)
        run(["manage.py", "migrate", "--noinput", "--verbosity", "0"], env)
        run(["manage.py", "seed_demo"], env)
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "doorsync.wsgi", "-b", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if server.poll() is not None:
                raise CheckFailed(f"gunicorn exited with {server.returncode}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise CheckFailed("gunicorn did not listen within a minute") from None
                time.sleep(0.2)
        check_pages(f"http://127.0.0.1:{port}")
    except (CheckFailed, subprocess.CalledProcessError) as exc:
        print(f"FAILED: {exc}")
        log.seek(0)
        print("---- gunicorn log ----\n" + log.read()[-20000:])
        return 1
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
        with psycopg.connect(maintenance_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        shutil.rmtree(static_root, ignore_errors=True)
    print("OK: login, static files, People and admin answer 200 with DEBUG off under gunicorn")
    return 0


if __name__ == "__main__":
    sys.exit(main())
