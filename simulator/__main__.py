"""``python -m simulator --port 8100``: serve the outside-systems simulator."""

from __future__ import annotations

import argparse
import os

import uvicorn

from simulator.app import create_app


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m simulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument("--seed", type=int, default=None, help="repeatable 'flaky' failures")
    parser.add_argument("--log-level", default="warning")
    args = parser.parse_args()
    # The token comes from the environment so it never shows in the process list.
    app = create_app(token=os.environ.get("SIMULATOR_TOKEN") or None, seed=args.seed)
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level)


if __name__ == "__main__":
    main()
