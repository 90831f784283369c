#!/usr/bin/env python3
"""Every module a target imports is a dependency it declares in Package.swift (none arrives
only transitively). Reads the manifest through `swift package dump-package`; exits 1 with
one line per missing declaration."""
import json, os, re, subprocess, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SYSTEM = {"Foundation", "FoundationNetworking", "Dispatch", "Glibc", "Synchronization", "Testing", "XCTest", "os"}

manifest = json.loads(subprocess.run(["swift", "package", "dump-package"], cwd=ROOT, check=True,
                                     capture_output=True, text=True).stdout)
problems = []
for target in manifest["targets"]:
    if target["type"] == "system":
        continue
    declared = set()
    for dependency in target["dependencies"]:
        kind, value = next(iter(dependency.items()))
        declared.add(value[0])
    folder = target.get("path") or os.path.join("Tests" if target["type"] == "test" else "Sources", target["name"])
    imported = set()
    for directory, _, files in os.walk(os.path.join(ROOT, folder)):
        for name in files:
            if name.endswith(".swift"):
                with open(os.path.join(directory, name), encoding="utf-8") as source:
                    imported |= set(re.findall(r"^(?:@testable |@preconcurrency )?import ([A-Za-z_][A-Za-z0-9_]*)", source.read(), re.M))
    for module in sorted(imported - declared - SYSTEM - {target["name"]}):
        problems.append(f"{target['name']} imports {module} without declaring it in Package.swift")
print("\n".join(problems) if problems else f"imports: every target declares what it imports ({len(manifest['targets'])} targets)")
sys.exit(1 if problems else 0)
