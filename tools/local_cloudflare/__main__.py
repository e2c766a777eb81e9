# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""``python -m local_cloudflare``: serve the local Cloudflare API until SIGTERM or SIGINT."""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from .config import ConfigError, build_config, load_config_file
from .server import make_server


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m local_cloudflare", description="A local Cloudflare API on loopback.")
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to listen on; 0 picks a free one (default)")
    parser.add_argument("--config", help="JSON config file; entries it leaves out keep their defaults")
    parser.add_argument("--port-file", help="write the port number to this file once listening")
    parser.add_argument("--log-requests", action="store_true", help="log every request line to stderr")
    parser.add_argument("--latency", type=float, help="seconds every /client/v4 answer is held back, a simulated round trip")
    parser.add_argument("--rate-limit-quota", type=int, help="requests per window and credential (default 1200)")
    parser.add_argument("--rate-limit-window", type=float, help="seconds of a rate-limit window, and of the block after a 429 (default 300)")
    return parser.parse_args(argv)


def command_line_config(config: dict, args: argparse.Namespace) -> dict:
    """``config`` with the command line's settings (they win over a config file's)."""
    overrides = dict(config)
    if args.latency is not None:
        overrides["latency"] = args.latency
    rate_limit = {}
    if args.rate_limit_quota is not None:
        rate_limit["quota"] = args.rate_limit_quota
    if args.rate_limit_window is not None:
        window = args.rate_limit_window
        rate_limit["window"] = int(window) if float(window).is_integer() else window
    if rate_limit:
        overrides["rate_limit"] = dict(config["rate_limit"], **rate_limit)
    return build_config(overrides)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        config = load_config_file(args.config) if args.config else build_config()
        config = command_line_config(config, args)
        server = make_server(config, args.host, args.port, args.log_requests)
    except (ConfigError, ValueError, OSError) as exc:
        print("local Cloudflare API: %s" % exc, file=sys.stderr, flush=True)
        return 2
    stop = threading.Event()

    def request_stop(signum, frame):
        del signum, frame
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    serving = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, name="local-cloudflare", daemon=True)
    serving.start()
    if args.port_file:
        with open(args.port_file, "w", encoding="utf-8") as port_file:
            port_file.write("%d\n" % server.server_address[1])
    print("local Cloudflare API listening on %s" % server.base_url, flush=True)
    # A timed wait keeps the main thread responsive to signals on every platform.
    while not stop.wait(0.5):
        pass
    server.shutdown()
    server.server_close()
    print("local Cloudflare API stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
