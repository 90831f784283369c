#!/usr/bin/env python3
"""What a site admin would script around the recorder's API, in the vendor's example style
(requests + websockets): export each channel's window over /wsapi/v1/export, download every
file while computing its md5 (streamed, so it is not read again), check it against the
recorder's, then send `next`. Channels go two at a time, like tsvault's default per recorder.

usage: admin_export.py BASE_URL API_KEY --channels 1,2,3,4 --begin ISO --end ISO --out-dir DIR [--no-md5]
Prints one line per file: its path. --no-md5 asks the recorder for no md5 and checks none (to
measure what the md5 costs the recorder)."""
import argparse
import asyncio
import hashlib
import json
import urllib.parse

import requests
import websockets

from fetch_export import keep_waiting


def download(url, path, md5=True):
    """Streams url to path, computing the md5 on the way (unless told not to); returns it."""
    digest = hashlib.md5() if md5 else None
    with requests.get(url, stream=True) as response, open(path, "wb") as out:
        response.raise_for_status()
        for chunk in response.iter_content(1 << 20):
            if digest:
                digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest() if digest else None


async def export(base, key, channel, begin, end, out_dir, md5=True):
    query = urllib.parse.urlencode({"ch": channel, "timeBegin": begin, "timeEnd": end, "md5": "true" if md5 else "false",
                                    "mediaSize": "8GB", "apikey": key})
    files = []
    async with websockets.connect(f"{base.replace('http://', 'ws://')}/wsapi/v1/export?{query}", max_size=1 << 22) as ws:
        task_id = None
        async for raw in ws:
            msg = json.loads(raw)
            stage = msg.get("stage")
            if stage == "ready":
                if msg["status"]["code"] != 0:
                    raise SystemExit(f"channel {channel}: export refused: {msg}")
                task_id = str(msg["task"]["id"])
            elif stage == "fileEnd":
                waiter = asyncio.create_task(keep_waiting(ws, task_id, msg["channel"]["file"]["ttl"]))
                for entry in msg["channel"]["file"]["download"]:
                    if not entry["fileName"].endswith(".mp4"):
                        continue
                    path = f"{out_dir}/ch{channel}-{msg['channel']['file']['fid']:04d}.mp4"
                    url = f"{base}{urllib.parse.urlparse(entry['src']).path}?apikey={key}"
                    got = await asyncio.to_thread(download, url, path, md5)
                    if md5 and got != entry["md5"]:
                        raise SystemExit(f"{path}: md5 {got}, the recorder says {entry['md5']}")
                    files.append(path)
                waiter.cancel()
                await ws.send(json.dumps({"task": task_id, "cmd": "next"}))
            elif stage in ("end", "error"):
                break
    return files


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("key")
    parser.add_argument("--channels", required=True)
    parser.add_argument("--begin", required=True)
    parser.add_argument("--end", required=True)
    parser.add_argument("--out-dir", required=True)
    parser.add_argument("--no-md5", action="store_true")
    a = parser.parse_args()
    slots = asyncio.Semaphore(2)

    async def one(channel):
        async with slots:
            return await export(a.base.rstrip("/"), a.key, channel, a.begin, a.end, a.out_dir, not a.no_md5)

    for files in await asyncio.gather(*(one(c) for c in a.channels.split(","))):
        for path in files:
            print(path)


if __name__ == "__main__":
    asyncio.run(main())
