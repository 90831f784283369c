#!/usr/bin/env python3
"""One line from a `tsvault run --json` report: bytes, completeness, per-channel minutes."""
import json
import sys

report = json.load(open(sys.argv[1]))
channels = [c for s in report["servers"] for c in s["channels"]]
total = sum(c["bytes"] for c in channels)
complete = all(c["recorderMinutes"] == c["archivedAfter"] for c in channels) and all(not s.get("error") for s in report["servers"])
minutes = sum(c["archivedAfter"] for c in channels)
print(f"run: {total} bytes archived, {minutes} channel-minutes, complete={complete}")
