#!/usr/bin/env python3
"""A TS-API v1 client written the way the vendor's Python examples are (requests +
websockets): login, server info with an API key, channel list and one channel's info with its
capabilities, an API key sent twice, recording search, the real-time event socket (topics in
the URL, subscribe and unsubscribe later, events as the recorder clock moves), and a WebSocket
export that downloads every file, checks its md5, and only then sends `next`. It proves the
simulator's wire format from outside Swift. Exit code 0 only when every check passes.

usage: vendor_client.py BASE_URL [--user admin --password 1234]
"""
import argparse
import asyncio
import base64
import datetime
import hashlib
import http.client
import json
import sys
import urllib.parse

import requests
import websockets


def check(condition, what):
    if not condition:
        raise SystemExit(f"FAIL: {what}")
    print(f"ok: {what}")


def login(base, user, password):
    auth = base64.b64encode(f"{user}:{password}".encode()).decode()
    r = requests.post(f"{base}/api/v1/auth/login", json={"auth": auth}, headers={"X-Host": urllib.parse.urlparse(base).netloc})
    check(r.status_code == 200, "login answers 200")
    body = r.json()
    check(body["tokenType"] == "Bearer" and body["expiresIn"] > 0, "login returns a Bearer token with expiresIn")
    return body


def create_key(base, access_token):
    r = requests.post(f"{base}/api/v1/auth/apikey",
                      headers={"Authorization": f"Bearer {access_token}"},
                      json={"name": "Backup worker", "permissions": ["remote", "playback", "dataExport"]})
    check(r.status_code == 200 and r.json()["key"].startswith("tsapi_key_"), "API key created with an admin JWT")
    return r.json()["key"]


def rest(base, key, path, **params):
    host = urllib.parse.urlparse(base).netloc
    return requests.get(f"{base}{path}", params=params, headers={"X-API-Key": key, "X-Host": host})


async def export(base, key, channel, begin, end):
    ws_base = base.replace("http://", "ws://").replace("https://", "wss://")
    query = urllib.parse.urlencode({"ch": channel, "timeBegin": begin, "timeEnd": end, "md5": "true",
                                    "mediaSize": "1GB", "subtitleFormat": "srt", "apikey": key})
    files = []
    async with websockets.connect(f"{ws_base}/wsapi/v1/export?{query}",
                                  additional_headers={"X-API-Key": key}) as ws:
        task_id = None
        async for raw in ws:
            msg = json.loads(raw)
            stage = msg.get("stage") or msg.get("request")
            if stage == "ready":
                check(msg["status"]["code"] == 0, "export ready with code 0")
                task_id = str(msg["task"]["id"])
            elif stage == "fileEnd":
                for entry in msg["channel"]["file"]["download"]:
                    src = urllib.parse.urlparse(entry["src"])
                    url = f"{base}{src.path}?apikey={key}"
                    data = requests.get(url).content
                    check(hashlib.md5(data).hexdigest() == entry["md5"], f"md5 of {entry['fileName']} matches")
                    files.append((entry["fileName"], len(data)))
                await ws.send(json.dumps({"task": task_id, "cmd": "next"}))
                # The server deletes the file when it processes `next`; give it a moment.
                for _ in range(40):
                    if requests.get(url).status_code == 404:
                        break
                    await asyncio.sleep(0.05)
                check(requests.get(url).status_code == 404, "download answers 404 once next deleted the file")
            elif stage == "end":
                check(msg["status"]["code"] == 0, "export ends with code 0")
                break
            elif stage == "error":
                raise SystemExit(f"FAIL: export error {msg.get('message')}")
    return files


def key_sent_twice(base, key):
    """One library adds X-API-Key by default and the caller adds it again: two header fields."""
    parsed = urllib.parse.urlparse(base)
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port)
    conn.putrequest("GET", "/api/v1/channel")
    conn.putheader("X-API-Key", key)
    conn.putheader("X-API-Key", key)
    conn.putheader("X-Host", parsed.netloc)
    conn.endheaders()
    status = conn.getresponse().status
    conn.close()
    check(status == 200, "a request carrying X-API-Key twice is accepted")


async def events(base, key, admin_token):
    """The event socket as the vendor's example 12 uses it: topics in the URL, then dynamic
    subscribe/unsubscribe; the simulator's clock is moved an hour to make motion happen."""
    ws_base = base.replace("http://", "ws://").replace("https://", "wss://")
    url = f"{ws_base}/wsapi/v1/events?topics=channelStatus&ch=1&apikey={key}"
    async with websockets.connect(url, additional_headers={"X-API-Key": key}) as ws:
        current = json.loads(await asyncio.wait_for(ws.recv(), 10))
        check(current["topic"] == "channelStatus" and current["event"] == "currentStatus"
              and [c["chid"] for c in current["channel"]] == [1], "channelStatus sends the current state of channel 1")
        await ws.send(json.dumps({"subscribe": "motionChanges", "ch": [2]}))
        answer = json.loads(await asyncio.wait_for(ws.recv(), 10))
        check(answer == {"type": "subscribed", "topic": "motionChanges"}, "subscribe answers subscribed")
        state = json.loads(await asyncio.wait_for(ws.recv(), 10))
        check(state["topic"] == "motionChanges" and [u["chid"] for u in state["updated"]] == [2], "motion state of channel 2")
        await ws.send(json.dumps({"subscribe": "noSuchTopic"}))
        error = json.loads(await asyncio.wait_for(ws.recv(), 10))
        check(error["type"] == "error" and error["topic"] == "noSuchTopic", "an unknown topic is an error")
        now = requests.get(f"{base}/sim/v1/status", headers={"Authorization": f"Bearer {admin_token}"}).json()["now"]
        later = (datetime.datetime.fromisoformat(now) + datetime.timedelta(hours=1)).isoformat()
        requests.post(f"{base}/sim/v1/clock", json={"now": later}, headers={"Authorization": f"Bearer {admin_token}"})
        changes = []
        while True:
            try:
                changes.append(json.loads(await asyncio.wait_for(ws.recv(), 3)))
            except asyncio.TimeoutError:
                break
        motion = [c for c in changes if c.get("topic") == "motionChanges"]
        check(len(motion) >= 2 and all(u["chid"] == 2 for c in motion for u in c["updated"]),
              f"an hour brings motion changes of channel 2 only ({len(motion)})")
        await ws.send(json.dumps({"unsubscribe": "motionChanges"}))
        answer = json.loads(await asyncio.wait_for(ws.recv(), 10))
        check(answer == {"type": "unsubscribed", "topic": "motionChanges"}, "unsubscribe answers unsubscribed")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("--user", default="admin")
    parser.add_argument("--password", default="1234")
    args = parser.parse_args()
    base = args.base.rstrip("/")

    tokens = login(base, args.user, args.password)
    key = create_key(base, tokens["accessToken"])

    info = requests.get(f"{base}/api/v1/info", params="apiVersion&timezone&product").json()
    check(info["apiVersion"].startswith("TS-API@1."), "info reports a v1 API version")
    zone = info["timezone"]["name"]

    everything = rest(base, key, "/api/v1/info", all="")
    check(everything.status_code == 200 and "license" in everything.json() and "whoAmI" not in everything.json(),
          "info?all with an API key answers 200 without whoAmI")

    channels = rest(base, key, "/api/v1/channel").json()
    check(len(channels) >= 1 and all("chid" in c and "displayName" in c for c in channels), "channel list has chid and displayName")
    one = rest(base, key, f"/api/v1/channel/{channels[0]['chid']}/info", caps="").json()
    check(len(one) == 1 and one[0]["chid"] == channels[0]["chid"] and "caps" in one[0], "one channel's info with its caps")
    key_sent_twice(base, key)
    topics = rest(base, key, "/api/v1/event/realtime").json()
    check("channelStatus" in topics and "motionChanges" in topics, "the realtime topics list the event socket's")
    asyncio.run(events(base, key, tokens["accessToken"]))

    days = rest(base, key, "/api/v1/recording/days", ch=channels[0]["chid"]).json()
    entries = [d for e in days["data"] for d in (e.get("data") or [e])]
    check(len(entries) > 0 and len(entries[-1]["days"]) > 0, "recording days found")
    last = entries[-1]
    day = f"{last['year']:04d}-{last['month']:02d}-{last['days'][-1]:02d}"

    minutes = rest(base, key, "/api/v1/recording/minutes", ch=channels[0]["chid"],
                   timeBegin=f"{day}T00:00:00", timeEnd=f"{day}T23:59:59").json()
    bitmap = minutes["data"][0]["minutes"]
    check(len(bitmap) in (1380, 1440, 1500), f"minutes bitmap covers the local day ({len(bitmap)} chars, zone {zone})")
    first = bitmap.find("1")
    check(first >= 0, "the day has recorded minutes")

    begin = f"{day}T{first // 60:02d}:{first % 60:02d}:00"
    end_minute = first + 2
    end = f"{day}T{end_minute // 60:02d}:{end_minute % 60:02d}:00"
    files = asyncio.run(export(base, key, channels[0]["chid"], begin, end))
    check(any(name.endswith(".mp4") for name, _ in files), "export delivered an mp4")
    check(any(name.endswith(".srt") for name, _ in files), "export delivered its subtitle")
    print(f"vendor client: {len(files)} files exported: {files}")


if __name__ == "__main__":
    main()
