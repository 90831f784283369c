#!/usr/bin/env python3
"""Validates documents against JSON Schemas (Draft 2020-12), with formats checked.

    check-json-schemas.py SCHEMA DOCUMENT [SCHEMA DOCUMENT ...]

A document ending in .yaml or .yml is read as YAML (the configuration). Prints "ok DOCUMENT"
or "FAIL DOCUMENT: at PATH: MESSAGE" per document; exits 1 if any fails, 2 on bad usage or a
missing dependency (pip install jsonschema rfc3339-validator pyyaml).

Used by the test suite (CLITests/JSONSchemaTests, every --json output) and by Scripts/lint.sh
(the example configuration against docs/schemas/config.schema.json).
"""
import json
import sys

try:
    import jsonschema
    import rfc3339_validator  # noqa: F401  without it jsonschema silently skips "date-time"
    import yaml
except ImportError as missing:
    print(f"check-json-schemas: {missing}; pip install jsonschema rfc3339-validator pyyaml", file=sys.stderr)
    sys.exit(2)


def load(path):
    with open(path, encoding="utf-8") as handle:
        if path.endswith((".yaml", ".yml")):
            return yaml.safe_load(handle)
        return json.load(handle)


def check(schema_path, document_path):
    schema = load(schema_path)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(load(document_path)), key=lambda e: list(e.absolute_path))
    return [f"at {e.json_path}: {e.message}" for e in errors]


def main(arguments):
    if not arguments or len(arguments) % 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    failed = False
    for schema_path, document_path in zip(arguments[0::2], arguments[1::2]):
        try:
            problems = check(schema_path, document_path)
        except (OSError, ValueError, yaml.YAMLError, jsonschema.SchemaError) as error:
            problems = [str(error).splitlines()[0]]
        if problems:
            failed = True
            for problem in problems[:5]:
                print(f"FAIL {document_path} ({schema_path.rsplit('/', 1)[-1]}): {problem}")
        else:
            print(f"ok {document_path}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
