#!/usr/bin/env python3
"""Copies an archive index's channels and days to more of both, for the coverage page benchmark.

usage: replicate_index.py INDEX.sqlite --channels 64 --days 30 --zone Asia/Seoul

Channel N gets the segments and recorder bitmaps of channel ((N - 1) % K) + 1 of the K the
index holds; then every channel's newest archived day is copied to each of the `days - 1`
days before it (segments shifted by whole days, bitmaps renamed to their day). The rows point
at the same blobs and exports: the report reads only the index.
"""
import argparse
import datetime
import sqlite3
import zoneinfo

DAY_US = 86_400_000_000


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("index")
    parser.add_argument("--channels", type=int, required=True)
    parser.add_argument("--days", type=int, required=True)
    parser.add_argument("--zone", required=True)
    args = parser.parse_args()
    zone = zoneinfo.ZoneInfo(args.zone)
    db = sqlite3.connect(args.index)
    server_id, server = db.execute("SELECT id, name FROM servers").fetchone()
    sources = [row[0] for row in db.execute("SELECT chid FROM channels WHERE server_id = ? ORDER BY chid", (server_id,))]
    # The newest whole local day of the footage, and the rows of that day per source channel.
    newest = db.execute("SELECT MAX(start_us) FROM segments").fetchone()[0]
    last_day = datetime.datetime.fromtimestamp(newest / 1e6, zone).date() - datetime.timedelta(days=1)
    day_start = int(datetime.datetime.combine(last_day, datetime.time(), zone).timestamp() * 1e6)
    db.execute("DELETE FROM segments WHERE start_us < ? OR start_us >= ?", (day_start, day_start + DAY_US))
    db.execute("DELETE FROM recorder_days WHERE day != ?", (last_day.isoformat(),))
    for chid in range(1, args.channels + 1):
        source = sources[(chid - 1) % len(sources)]
        if chid not in sources:
            db.execute("INSERT INTO channels(server_id, chid) VALUES (?, ?)", (server_id, chid))
            db.execute(
                """INSERT INTO segments(channel_id, start_us, end_us, blob_sha256, container, codec, width, height, frames,
                       keyframes, audio_packets, export_id)
                   SELECT (SELECT id FROM channels WHERE server_id = ? AND chid = ?), start_us, end_us, blob_sha256, container,
                       codec, width, height, frames, keyframes, audio_packets, export_id
                   FROM segments WHERE channel_id = (SELECT id FROM channels WHERE server_id = ? AND chid = ?)""",
                (server_id, chid, server_id, source))
            db.execute(
                """INSERT INTO recorder_days(server, channel, day, start_us, bitmap, updated_at)
                   SELECT server, ?, day, start_us, bitmap, updated_at FROM recorder_days WHERE server = ? AND channel = ?""",
                (chid, server, source))
    for back in range(1, args.days):
        day = last_day - datetime.timedelta(days=back)
        start = int(datetime.datetime.combine(day, datetime.time(), zone).timestamp() * 1e6)
        shift = day_start - start
        db.execute(
            """INSERT INTO segments(channel_id, start_us, end_us, blob_sha256, container, codec, width, height, frames, keyframes,
                   audio_packets, export_id)
               SELECT channel_id, start_us - ?, end_us - ?, blob_sha256, container, codec, width, height, frames, keyframes,
                   audio_packets, export_id
               FROM segments WHERE start_us >= ? AND start_us < ?""",
            (shift, shift, day_start, day_start + DAY_US))
        db.execute(
            """INSERT INTO recorder_days(server, channel, day, start_us, bitmap, updated_at)
               SELECT server, channel, ?, start_us - ?, bitmap, updated_at FROM recorder_days WHERE day = ?""",
            (day.isoformat(), shift, last_day.isoformat()))
    db.commit()
    segments = db.execute("SELECT COUNT(*) FROM segments").fetchone()[0]
    days = db.execute("SELECT COUNT(*) FROM recorder_days").fetchone()[0]
    print(f"index: {segments} segments, {days} recorder days, {args.channels} channels, newest day {last_day}")


if __name__ == "__main__":
    main()
