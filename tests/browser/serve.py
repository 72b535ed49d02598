"""Serve the real app for browser tests: `python -m tests.browser.serve PORT` (config from env)."""

from __future__ import annotations

import logging
import sys

from werkzeug.serving import make_server

from annotator import create_app


def main(port: int) -> None:
    """Serve on 127.0.0.1:PORT with threads until killed (the test fixture stops it)."""
    app = create_app()  # DATABASE_URL, SECRET_KEY and ANNOTATOR_* come from the environment
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # keep the log to errors
    server = make_server("127.0.0.1", port, app, threaded=True)
    print(f"serving on {port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main(int(sys.argv[1]))
