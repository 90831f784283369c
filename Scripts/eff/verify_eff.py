#!/usr/bin/env python3
"""Checks an ONVIF Export File Format clip without any of tsvault's code: walks its boxes
(ISO/IEC 14496-12), checks the structure the format requires (a fragmented MP4 whose fragments
carry tfdt, a file-level meta box with suep version 1 and one ipro/sinf signing instance of
scheme 'oeff' 1.0 holding sibo and cert), and verifies the signature with the openssl command
line over the file with the signature's bytes zeroed.

Usage: verify_eff.py CLIP.mp4   Prints what it read as JSON; exit 0 when it all holds, 1 when
not (the reason on stderr)."""
import datetime
import json
import os
import struct
import subprocess
import sys
import tempfile


class Invalid(Exception):
    pass


def boxes(data, start, end):
    at = start
    while at < end:
        if end - at < 8:
            raise Invalid(f"{end - at} stray bytes at {at}")
        size, kind = struct.unpack(">I4s", data[at:at + 8])
        header = 8
        if size == 1:
            size = struct.unpack(">Q", data[at + 8:at + 16])[0]
            header = 16
        elif size == 0:
            size = end - at
        if size < header or at + size > end:
            raise Invalid(f"box {kind!r} at {at} claims {size} bytes")
        yield kind.decode("latin-1"), at, size, header
        at += size


def children(data, box, skip=0):
    kind, at, size, header = box
    return list(boxes(data, at + header + skip, at + size))


def one(found, kind, where):
    matching = [b for b in found if b[0] == kind]
    if len(matching) != 1:
        raise Invalid(f"{where} holds {len(matching)} '{kind}' boxes, the format wants exactly one")
    return matching[0]


def strings(data, at, count):
    values = []
    for _ in range(count):
        end = data.index(b"\0", at)
        values.append(data[at:end].decode("utf-8"))
        at = end + 1
    return values, at


def check(path):
    data = open(path, "rb").read()
    top = list(boxes(data, 0, len(data)))
    kinds = [b[0] for b in top]
    if kinds[0] != "ftyp":
        raise Invalid("the first box is not ftyp")
    ftyp = top[0]
    brands = [data[i:i + 4].decode("latin-1") for i in range(ftyp[1] + 16, ftyp[1] + ftyp[2], 4)]
    if "isom" not in brands + [data[ftyp[1] + 8:ftyp[1] + 12].decode("latin-1")]:
        raise Invalid("the file type names no 'isom' brand")
    moov = one(top, "moov", "the file")
    inside_moov = children(data, moov)
    one(inside_moov, "mvex", "moov")
    track_ids = []
    for trak in [b for b in inside_moov if b[0] == "trak"]:
        tkhd = one(children(data, trak), "tkhd", "trak")
        version = data[tkhd[1] + 8]
        track_ids.append(struct.unpack(">I", data[tkhd[1] + 12 + (16 if version == 1 else 8):][:4])[0])
    fragments = 0
    for index, box in enumerate(top):
        if box[0] == "moof":
            fragments += 1
            if top[index + 1][0] != "mdat":
                raise Invalid(f"the moof at {box[1]} is not followed by its mdat")
            for traf in [b for b in children(data, box) if b[0] == "traf"]:
                one(children(data, traf), "tfdt", f"the traf at {traf[1]}")
    if fragments == 0:
        raise Invalid("no movie fragments")
    metas = [i for i, b in enumerate(top) if b[0] == "meta"]
    if len(metas) != 1 or any(k != "mfra" for k in kinds[metas[0] + 1:]):
        raise Invalid("the file-level meta box is missing, repeated, or followed by other than mfra")
    meta = top[metas[0]]
    inside_meta = children(data, meta, skip=4)  # a full box: version and flags first
    one(inside_meta, "hdlr", "meta")
    suep = one(inside_meta, "suep", "meta")
    if data[suep[1] + 8] != 1:
        raise Invalid("suep is not version 1")
    (unit, url, mac), at = strings(data, suep[1] + 12, 3)
    export_time = struct.unpack(">Q", data[at:at + 8])[0]
    (operator,), at = strings(data, at + 8, 1)
    count = struct.unpack(">I", data[at:at + 4])[0]
    at += 4
    sources = []
    for _ in range(count):
        track = struct.unpack(">H", data[at:at + 2])[0]
        (name, source_url, source_mac, line), at = strings(data, at + 2, 4)
        sources.append({"track": track, "name": name, "url": source_url, "mac": source_mac, "line": line})
    if sorted(s["track"] for s in sources) != sorted(track_ids):
        raise Invalid(f"suep describes tracks {[s['track'] for s in sources]}, the file has {track_ids}")
    ipro = one(inside_meta, "ipro", "meta")
    if struct.unpack(">H", data[ipro[1] + 12:ipro[1] + 14])[0] != 1:
        raise Invalid("ipro's protection_count is not 1")
    sinf = [b for b in children(data, ipro, skip=6) if b[0] == "sinf"][0]
    inside_sinf = children(data, sinf)
    schm = one(inside_sinf, "schm", "sinf")
    scheme, version = struct.unpack(">4sI", data[schm[1] + 12:schm[1] + 20])
    if scheme != b"oeff" or version != 0x00010000:
        raise Invalid(f"the scheme is {scheme!r} version {version:#x}, not 'oeff' 1.0")
    inside_schi = children(data, one(inside_sinf, "schi", "sinf"))
    sibo = one(inside_schi, "sibo", "schi")
    cert = one(inside_schi, "cert", "schi")
    start = None
    for cstb in [b for b in inside_schi + inside_sinf + inside_meta if b[0] == "cstb"]:
        entries = struct.unpack(">I", data[cstb[1] + 8:cstb[1] + 12])[0]
        if entries:
            track, ticks = struct.unpack(">IQ", data[cstb[1] + 12:cstb[1] + 24])
            when = datetime.datetime(1601, 1, 1, tzinfo=datetime.timezone.utc) + datetime.timedelta(microseconds=ticks // 10)
            start = {"track": track, "utc": when.isoformat()}
    signature = data[sibo[1] + 8:sibo[1] + sibo[2]]
    zeroed = bytearray(data[:meta[1] + meta[2]])
    zeroed[sibo[1] + 8:sibo[1] + sibo[2]] = bytes(len(signature))
    with tempfile.TemporaryDirectory() as work:
        names = {n: os.path.join(work, n) for n in ("cert.der", "key.pem", "sig.bin", "zeroed")}
        open(names["cert.der"], "wb").write(data[cert[1] + 8:cert[1] + cert[2]])
        open(names["sig.bin"], "wb").write(signature)
        open(names["zeroed"], "wb").write(zeroed)
        subprocess.run(["openssl", "x509", "-inform", "DER", "-in", names["cert.der"], "-pubkey", "-noout", "-out", names["key.pem"]],
                       check=True)
        subject = subprocess.run(["openssl", "x509", "-inform", "DER", "-in", names["cert.der"], "-noout", "-subject"],
                                 check=True, capture_output=True, text=True).stdout.strip()
        verdict = subprocess.run(["openssl", "dgst", "-sha256", "-sigopt", "rsa_padding_mode:pss", "-sigopt",
                                  "rsa_pss_saltlen:auto", "-verify", names["key.pem"], "-signature", names["sig.bin"],
                                  names["zeroed"]], capture_output=True, text=True)
        if verdict.stdout.strip() != "Verified OK":
            raise Invalid(f"the signature does not verify: {verdict.stdout.strip()} {verdict.stderr.strip()}")
        algorithm = None
        sigc = [b for b in inside_schi if b[0] == "sigC"]
        if sigc:
            open(os.path.join(work, "sigc.der"), "wb").write(data[sigc[0][1] + 8:sigc[0][1] + sigc[0][2]])
            algorithm = subprocess.run(["openssl", "asn1parse", "-inform", "DER", "-in", os.path.join(work, "sigc.der")],
                                       check=True, capture_output=True, text=True).stdout
    return {
        "fragments": fragments, "tracks": track_ids, "exportUnit": unit, "exportUnitURL": url, "exportOperator": operator,
        "exportTime": (datetime.datetime(1904, 1, 1, tzinfo=datetime.timezone.utc)
                       + datetime.timedelta(seconds=export_time)).isoformat(),
        "sources": sources, "start": start, "signatureOffset": sibo[1] + 8, "signatureLength": len(signature),
        "certificateSubject": subject, "signatureAlgorithm": algorithm, "verified": True,
    }


if __name__ == "__main__":
    try:
        print(json.dumps(check(sys.argv[1]), indent=1))
    except (Invalid, ValueError, IndexError, struct.error, subprocess.CalledProcessError) as error:
        print(f"{sys.argv[1]}: {error}", file=sys.stderr)
        sys.exit(1)
