"""``dividend serve``: the latest release, read-only, on 127.0.0.1."""

from __future__ import annotations

import argparse
from pathlib import Path

from dividend.serve import HOME, make_server, resolve_release


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "serve",
        help="serve the latest release (its site and files) read-only on 127.0.0.1",
        description="Serve exports/latest read-only on 127.0.0.1: the portal at /site/ and "
        "every release file for download. Nothing outside the release is served.",
    )
    p.add_argument("--exports", type=Path, default=Path("exports"), help="exports directory")
    p.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (default 8000)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    release = resolve_release(args.exports)
    server = make_server(release, args.port)
    host, port = server.server_address[:2]
    print(f"Serving release {release.name} read-only at http://{host}:{port}{HOME} (Ctrl-C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
