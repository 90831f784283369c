#!/usr/bin/env python3
"""Measures how fast tsapi-sim produces and serves one large export over loopback, against a
plain static file server (python's http.server) serving the same bytes in the same run.

usage: sim_export_throughput.py BASE_URL API_KEY --begin ISO --end ISO --out DIR

Prints one JSON object: file size, production time (ready -> fileEnd), download time and
rate from the simulator, download rate of the same file from the baseline server, and the
ratio. Downloads go through curl to /dev/null style sinks so that the client is not the limit.
"""
import argparse
import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse

import websockets

from fetch_export import curl_download, keep_waiting, md5_of


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def baseline_rate(path, out):
    """Serves `path` with python's http.server and downloads it once with curl."""
    directory = os.path.dirname(path)
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
                               "--directory", directory], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}/{os.path.basename(path)}"
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        return curl_download(url, os.path.join(out, "baseline.download"))
    finally:
        server.terminate()
        server.wait()


async def run(base, key, channel, begin, end, out):
    ws_base = base.replace("http://", "ws://")
    query = urllib.parse.urlencode({"ch": channel, "timeBegin": begin, "timeEnd": end, "md5": "true",
                                    "mediaSize": "4GB", "apikey": key})
    result = {}
    async with websockets.connect(f"{ws_base}/wsapi/v1/export?{query}", max_size=1 << 22) as ws:
        task_id = None
        ready_at = None
        async for raw in ws:
            msg = json.loads(raw)
            stage = msg.get("stage")
            if stage == "ready":
                assert msg["status"]["code"] == 0, msg
                task_id = str(msg["task"]["id"])
                ready_at = time.monotonic()
            elif stage == "fileEnd":
                result["produce_seconds"] = time.monotonic() - ready_at
                entry = msg["channel"]["file"]["download"][0]
                # Hold the file while downloading: `wait` keeps the task alive past its ttl.
                keepalive = asyncio.create_task(keep_waiting(ws, task_id, msg["channel"]["file"]["ttl"]))
                src = urllib.parse.urlparse(entry["src"])
                target = os.path.join(out, "sim.download")
                seconds, size = await asyncio.to_thread(curl_download, f"{base}{src.path}?apikey={key}", target)
                keepalive.cancel()
                assert md5_of(target) == entry["md5"], "md5 mismatch"
                result.update(size_bytes=size, sim_download_seconds=seconds)
                kept = os.path.join(out, "copy", "export.mp4")
                os.makedirs(os.path.dirname(kept), exist_ok=True)
                shutil.move(target, kept)
                await ws.send(json.dumps({"task": task_id, "cmd": "next"}))
            elif stage == "end":
                break
    seconds, size = baseline_rate(kept, out)
    assert size == result["size_bytes"]
    result["baseline_download_seconds"] = seconds
    mib = result["size_bytes"] / (1 << 20)
    result["produce_mib_per_s"] = round(mib / result["produce_seconds"], 1)
    result["sim_download_mib_per_s"] = round(mib / result["sim_download_seconds"], 1)
    result["baseline_download_mib_per_s"] = round(mib / seconds, 1)
    result["download_ratio_sim_vs_baseline"] = round(seconds / result["sim_download_seconds"], 2)
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("key")
    parser.add_argument("--channel", default="1")
    parser.add_argument("--begin", required=True)
    parser.add_argument("--end", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    result = asyncio.run(run(args.base.rstrip("/"), args.key, args.channel, args.begin, args.end, args.out))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
