#!/usr/bin/env python3
"""Validates JSON or YAML documents against a JSON Schema: exported Argo
workflows against Argo's schema, pipeline files against `mtrec schema`.

Usage: scripts/validate-schema.py SCHEMA FILE...   (exit 0: every file valid)
       scripts/validate-schema.py --component NAME OPENAPI FILE...
                                                   (against an OpenAPI 3.1 document's
                                                    components/schemas/NAME)
       scripts/validate-schema.py --check          (exit 0: a validator is available)

Prints "FILE: valid KIND" or each problem as "FILE: PATH: MESSAGE". Uses
Python's jsonschema and PyYAML; when they are not installed, creates a
virtualenv in .build/schema-venv, installs them from PyPI there and runs
again in it.
"""
import json
import sys

import venv_packages

venv_packages.require("schema-venv", ["jsonschema", "yaml"], ["jsonschema", "pyyaml"])
import jsonschema
import yaml

if sys.argv[1:] == ["--check"]:
    sys.exit(0)

arguments = sys.argv[1:]
if arguments[0] == "--component":
    # OpenAPI 3.1's schemas are JSON Schema 2020-12; references stay inside the document.
    name, document = arguments[1], json.load(open(arguments[2]))
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$ref": f"#/components/schemas/{name}",
              "components": document["components"]}
    files = arguments[3:]
else:
    schema, files = json.load(open(arguments[0])), arguments[1:]
validator = jsonschema.validators.validator_for(schema)(schema)
failed = False
for path in files:
    with open(path) as file:
        document = yaml.safe_load(file) if path.endswith((".yaml", ".yml")) else json.load(file)
    errors = sorted(validator.iter_errors(document), key=lambda error: list(error.absolute_path))
    for error in errors[:10]:
        print(f"{path}: {'/'.join(str(part) for part in error.absolute_path)}: {error.message[:300]}")
    failed = failed or bool(errors)
    if not errors:
        print(f"{path}: valid {(document.get('kind') or 'pipeline') if isinstance(document, dict) else 'document'}")
sys.exit(1 if failed else 0)
