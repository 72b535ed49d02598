"""`pip install .` gives a working app: the wheel, installed outside the checkout, serves.

The wheel is built from a copy of the source (nothing written into the checkout) without
build isolation (the test environment's setuptools; no download), installed with ``--no-deps``
into a new virtualenv in a temporary folder whose ``.pth`` file lends it the test
environment's installed dependencies. A folder named in a ``.pth`` is not scanned for ``.pth``
files itself, so the checkout's editable install does not leak in: the app that runs is the
wheel's. Then, from an empty working folder, as an operator would: ``init-db``,
``create-user``, a project, an article and a batch, ``annotator serve``; a log-in over HTTP, the
annotation page, a saved span and the static files.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import shutil
import signal
import site
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

from tests.ops.test_serving import free_port

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "annotator", "templates",
           "static", "migrations")
ARTICLE = """Shelling hits market in eastern river town
Militia fighters shelled the central market in Dovhe on Monday morning. Local officials said \
three stalls burned and two people were hurt.
"""


def clean_env(tmp: Path, *path: Path) -> dict[str, str]:
    """An environment without the test run's PYTHONPATH (the checkout) or ANNOTATOR_* settings."""
    return {"PATH": ":".join([*map(str, path), "/usr/bin", "/bin"]), "HOME": str(tmp),
            "LANG": "C.UTF-8"}


def build_wheel(tmp: Path) -> Path:
    """Build the wheel from a copy of the source tree; return its path."""
    source = tmp / "src"
    source.mkdir()
    skip = shutil.ignore_patterns("__pycache__", "*.pyc", "_resources", "*.egg-info")
    for name in SOURCES:
        if not (ROOT / name).exists():
            continue
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=skip)
        else:
            shutil.copy2(ROOT / name, source / name)
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
         "--quiet", "--wheel-dir", str(tmp / "dist"), str(source)],
        capture_output=True, text=True, timeout=120, cwd=tmp, env=clean_env(tmp),
    )
    assert done.returncode == 0, done.stderr
    (wheel,) = (tmp / "dist").glob("annotator-*.whl")
    return wheel


def make_venv(tmp: Path, wheel: Path) -> Path:
    """A new virtualenv with the wheel alone installed; dependencies lent through a .pth."""
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True,
                   timeout=60, env=clean_env(tmp), cwd=tmp)
    python = venv / "bin" / "python"
    done = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
         "--no-index", "--quiet", str(wheel)],
        capture_output=True, text=True, timeout=120, env=clean_env(tmp), cwd=tmp,
    )
    assert done.returncode == 0, done.stderr
    target = Path(subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True, env=clean_env(tmp), cwd=tmp).stdout.strip())
    (target / "test_dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    return venv


class Browser:
    """Cookies kept between requests, as a browser would; answers as (status, headers, body)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def open(self, path: str, data: bytes | None = None, method: str | None = None,
             headers: dict[str, str] | None = None):
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers=headers or {})
        try:
            with self.opener.open(request, timeout=15) as answer:
                return answer.status, answer.headers, answer.read(), answer.url
        except urllib.error.HTTPError as err:
            return err.code, err.headers, err.read(), err.url


def csrf(html: bytes) -> str:
    match = re.search(rb'name="csrf-token" content="([^"]+)"', html)
    assert match, html[:500]
    return match.group(1).decode()


def wait_until_up(browser: Browser, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 45
    while time.monotonic() < deadline:
        assert server.poll() is None, server.communicate()[0]
        try:
            if browser.open("/healthz")[0] == 200:
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise AssertionError("annotator serve never answered")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_installed_wheel_serves_the_app_without_the_source_tree(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path)
    names = zipfile.ZipFile(wheel).namelist()
    for shipped in ("annotator/_resources/templates/errors/error.html",
                    "annotator/_resources/static/js/span_editor.js",
                    "annotator/_resources/migrations/env.py",
                    "annotator/_resources/migrations/versions/0001_create_core_tables.py"):
        assert shipped in names
    assert not [n for n in names if "__pycache__" in n]

    venv = make_venv(tmp_path, wheel)
    work = tmp_path / "work"
    work.mkdir()
    env = clean_env(tmp_path, venv / "bin")

    def annotator(*args: str, stdin: str | None = None) -> str:
        done = subprocess.run([str(venv / "bin" / "annotator"), *args], input=stdin, env=env,
                              cwd=work, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, (args, done.stdout, done.stderr)
        return done.stdout

    where = subprocess.run([str(venv / "bin" / "python"), "-c",
                            "import annotator; print(annotator.__file__)"],
                           env=env, cwd=work, capture_output=True, text=True, check=True)
    assert Path(where.stdout.strip()).is_relative_to(venv), where.stdout

    annotator("init-db")
    # The default instance folder of an installed app: <venv>/var/annotator-instance.
    instance = venv / "var" / "annotator-instance"
    database = instance / "annotator.sqlite3"
    assert mode(instance) == 0o700
    assert mode(database) == 0o600 and mode(instance / "secret_key") == 0o600
    annotator("create-user", "olena", "--role", "admin", "--password-stdin",
              stdin="wheel-test-password\n")
    annotator("create-project", "Dovhe reports")
    (work / "market.txt").write_text(ARTICLE, encoding="utf-8")
    annotator("import-articles", "--project", "Dovhe reports", "market.txt")
    annotator("create-batch", "--project", "Dovhe reports", "--remaining", "--annotators",
              "olena", "--overlap", "1")

    port = free_port()
    server = subprocess.Popen(
        [str(venv / "bin" / "annotator"), "serve", "--workers", "1", "--port", str(port)],
        env=env, cwd=work, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )
    browser = Browser(f"http://127.0.0.1:{port}")
    try:
        wait_until_up(browser, server)
        status, _, page, _ = browser.open("/login")
        assert status == 200
        form = urllib.parse.urlencode({"username": "olena", "password": "wheel-test-password",
                                       "csrf_token": csrf(page)}).encode()
        status, _, _, landed = browser.open("/login", data=form)
        assert status == 200 and not landed.endswith("/login"), landed

        status, _, page, url = browser.open("/projects/1/continue")
        assert status == 200 and "/sentences/" in url, (status, url)
        assert b"Militia fighters shelled" in page and b"span_editor.js" in page
        sentence = int(url.rsplit("/", 1)[1])

        body = json.dumps({"spans": [{"start": 0, "end": 16, "label": "ACTOR"}],
                           "status": "done", "version": 0}).encode()
        headers = {"Content-Type": "application/json", "X-CSRFToken": csrf(page)}
        status, _, answer, _ = browser.open(f"/api/sentences/{sentence}/annotation", data=body,
                                            method="PUT", headers=headers)
        assert status == 200, answer
        assert json.loads(answer)["version"] == 1
        status, _, answer, _ = browser.open(f"/api/sentences/{sentence}/annotation")
        assert [(s["start"], s["end"], s["label"]) for s in json.loads(answer)["spans"]] == [
            (0, 16, "ACTOR")]
        # the running server's write-ahead log and index: the database file's own mode
        for companion in ("-wal", "-shm"):
            assert mode(database.with_name(database.name + companion)) == 0o600

        for asset, kind in (("css/app.css", "text/css"),
                            ("js/span_editor.js", "javascript"),
                            ("js/offsets.js", "javascript")):
            status, headers, content, _ = browser.open(f"/static/{asset}")
            assert status == 200 and kind in headers["Content-Type"], (asset, headers)
            assert content == (ROOT / "static" / asset).read_bytes()
        assert browser.open("/static/js/no-such-file.js")[0] == 404
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        output = server.communicate(timeout=30)[0]
    assert "Traceback" not in output, output
