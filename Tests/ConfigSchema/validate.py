#!/usr/bin/env python3
"""Validates avala-bot config files against config/avala-bot.schema.json (JSON Schema draft 2020-12).

Usage: validate.py SCHEMA CONFIG...

Prints `ok CONFIG` for a valid file and `FAIL CONFIG: <path>: <message>` for each error; exits 0 when
every file is valid, 1 when one is not, 2 when the schema itself is not a valid draft 2020-12 schema.
ConfigSchemaTests (Tests/AvalaBotTests) runs it; .ci/run installs its packages: jsonschema, pyyaml.

The YAML is read the way the bot reads it (ConfigSource, ConfigNode.json), not the YAML 1.1 way:
mapping keys are always text (`on:` is the key "on", not true), a quoted scalar is always text, and a
plain scalar is null (``, ~, null), a boolean (true/false only) or a number, else text.
"""

import json
import re
import sys

import jsonschema
import yaml

NULLS = {"", "~", "null", "Null", "NULL"}
TRUES = {"true", "True", "TRUE"}
FALSES = {"false", "False", "FALSE"}
INTEGER = re.compile(r"^[-+]?[0-9_]+$")
NUMBER = re.compile(r"^[-+.0-9][-+.0-9eE_]*$")


def scalar(node):
    text = node.value
    if node.style not in (None, ""):  # quoted, literal or folded: text
        return text
    if text in NULLS:
        return None
    if text in TRUES:
        return True
    if text in FALSES:
        return False
    if text.startswith("0x"):
        try:
            return int(text[2:], 16)
        except ValueError:
            return text
    if INTEGER.match(text) and any(c.isdigit() for c in text):
        return int(text.replace("_", ""))
    if NUMBER.match(text):
        try:
            return float(text.replace("_", ""))
        except ValueError:
            return text
    return text


def convert(node):
    if isinstance(node, yaml.MappingNode):
        result = {}
        for key, value in node.value:
            if not isinstance(key, yaml.ScalarNode):
                raise ValueError(f"line {key.start_mark.line + 1}: mapping keys must be plain text")
            result[key.value] = convert(value)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [convert(item) for item in node.value]
    return scalar(node)


def load(path):
    with open(path, encoding="utf-8") as handle:
        node = yaml.compose(handle, Loader=yaml.SafeLoader)
    return {} if node is None else convert(node)


def pointer(path):
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(root)"


def message(error):
    """A `not` rule's own message is its description: jsonschema's would print the whole instance and rule."""
    if error.validator == "not" and isinstance(error.schema, dict) and "description" in error.schema:
        return error.schema["description"]
    return error.message


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as handle:
        schema = json.load(handle)
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as error:
        print(f"FAIL {argv[1]}: not a valid draft 2020-12 schema: {error.message}")
        return 2
    validator = jsonschema.Draft202012Validator(schema)
    status = 0
    for path in argv[2:]:
        try:
            config = load(path)
        except (OSError, ValueError, yaml.YAMLError) as error:
            print(f"FAIL {path}: cannot read: {error}")
            status = 1
            continue
        errors = sorted(validator.iter_errors(config), key=lambda e: list(map(str, e.absolute_path)))
        if not errors:
            print(f"ok {path}")
            continue
        status = 1
        for error in errors:
            print(f"FAIL {path}: {pointer(error.absolute_path)}: {message(error)}")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
