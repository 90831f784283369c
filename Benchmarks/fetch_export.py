#!/usr/bin/env python3
"""Exports one window from a TS-API v1 recorder (tsapi-sim) and saves the video file.

usage: fetch_export.py BASE_URL API_KEY --channel N --begin ISO --end ISO (--out FILE | --out-dir DIR)
Keeps the task alive with `wait` while downloading; checks the md5. With --out-dir every
video file of the export is kept (a channel with gaps gives several).
"""
import argparse
import asyncio
import hashlib
import json
import os
import subprocess
import time
import urllib.parse

import websockets


def curl_download(url, path):
    """Downloads url to path with curl; returns (seconds, bytes)."""
    started = time.monotonic()
    subprocess.run(["curl", "-sS", "--fail", "-o", path, url], check=True)
    return time.monotonic() - started, os.path.getsize(path)


def md5_of(path):
    digest = hashlib.md5()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


async def keep_waiting(ws, task_id, ttl_ms):
    while True:
        await asyncio.sleep(ttl_ms / 3000)
        await ws.send(json.dumps({"task": task_id, "cmd": "wait"}))


async def fetch(base, key, channel, begin, end, out, out_dir=None):
    query = urllib.parse.urlencode({"ch": channel, "timeBegin": begin, "timeEnd": end, "md5": "true",
                                    "mediaSize": "8GB", "apikey": key})
    async with websockets.connect(f"{base.replace('http://', 'ws://')}/wsapi/v1/export?{query}", max_size=1 << 22) as ws:
        task_id = None
        async for raw in ws:
            msg = json.loads(raw)
            stage = msg.get("stage")
            if stage == "ready":
                assert msg["status"]["code"] == 0, msg
                task_id = str(msg["task"]["id"])
            elif stage == "fileEnd":
                entry = msg["channel"]["file"]["download"][0]
                if out_dir:
                    extension = os.path.splitext(urllib.parse.urlparse(entry["src"]).path)[1] or ".mp4"
                    out = f"{out_dir}/ch{channel}-{msg['channel']['file']['fid']:04d}{extension}"
                waiter = asyncio.create_task(keep_waiting(ws, task_id, msg["channel"]["file"]["ttl"]))
                url = f"{base}{urllib.parse.urlparse(entry['src']).path}?apikey={key}"
                await asyncio.to_thread(curl_download, url, out)
                waiter.cancel()
                assert md5_of(out) == entry["md5"], "md5 mismatch"
                await ws.send(json.dumps({"task": task_id, "cmd": "next"}))
            elif stage == "end":
                return


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("key")
    parser.add_argument("--channel", default="1")
    parser.add_argument("--begin", required=True)
    parser.add_argument("--end", required=True)
    parser.add_argument("--out")
    parser.add_argument("--out-dir")
    a = parser.parse_args()
    asyncio.run(fetch(a.base.rstrip("/"), a.key, a.channel, a.begin, a.end, a.out, a.out_dir))


if __name__ == "__main__":
    main()
