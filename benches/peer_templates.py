#!/usr/bin/env python3
"""Build copier and cookiecutter template sets equivalent to one gatekit render.

Usage: peer_templates.py RENDERED BLUEPRINTS DEST

RENDERED is a folder written by `gatekit render`; BLUEPRINTS is the
blueprint set it came from (the repository's `blueprints/`, whose
`set.yaml` names the manifests). DEST receives `copier/` and
`cookiecutter/`, two template sets that render the same files with the same
number of `{{ ... }}` substitutions as the gatekit templates behind them:

- each rendered file becomes one template whose text is the rendered text,
  so both engines lex and write the same number of bytes;
- a gatekit template with N `{{` expressions gets N substitutions of answer
  variables, spread evenly over its lines. Files that gatekit writes from
  code (the `.gatekit/answers.yaml` record) get none, as in gatekit;
- lines that contain Jinja delimiters are wrapped in `{% raw %}` so the
  output text matches the rendered file.

Prints the file and substitution counts, which docs/benchmarks.md quotes.
"""

import json
import os
import re
import sys

import yaml

VARIABLES = {
    "project": "payments",
    "vendor": "kong",
    "environment": "cloud",
    "ci": "github",
    "domain": "api.example.com",
    "upstream": "https://orders.internal:8443",
    "path": "/orders",
    "rate_per_second": "50",
    "owner": "platform-team",
    "region": "eu-west-1",
}
NAMES = sorted(VARIABLES)
DELIMITERS = ("{{", "{%", "{#", "}}", "%}", "#}")


def manifest_entries(blueprints):
    """Return (path regex, template text) for every file entry of the set."""
    with open(os.path.join(blueprints, "set.yaml"), encoding="utf-8") as f:
        manifests = yaml.safe_load(f)["manifests"]
    repo = os.path.dirname(os.path.abspath(blueprints))
    entries = []
    for relative in manifests:
        path = os.path.join(blueprints, relative)
        if not os.path.exists(path):
            path = os.path.join(repo, relative)
        folder = os.path.dirname(path)
        with open(path, encoding="utf-8") as f:
            manifest = yaml.safe_load(f)
        for entry in manifest.get("files", []):
            with open(os.path.join(folder, entry["template"]), encoding="utf-8") as f:
                template = f.read()
            pattern = re.sub(r"\\\{\\\{.*?\\\}\\\}", "[^/]+", re.escape(entry["path"]))
            entries.append((re.compile(pattern + "$"), template))
    return entries


def rendered_files(root):
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = [s for s in subfolders if s != ".git"]
        for name in files:
            full = os.path.join(folder, name)
            yield os.path.relpath(full, root), full


def template_text(text, substitutions, reference):
    """Return `text` as a Jinja template with `substitutions` expressions."""
    lines = text.split("\n")
    out = []
    step = max(1, len(lines) // max(1, substitutions))
    placed = 0
    for index, line in enumerate(lines):
        if any(d in line for d in DELIMITERS):
            line = "{% raw %}" + line + "{% endraw %}"
        if placed < substitutions and index % step == 0:
            line += reference(NAMES[placed % len(NAMES)])
            placed += 1
        out.append(line)
    # Files shorter than their substitution count carry the rest at the end.
    out[-1] += "".join(reference(NAMES[i % len(NAMES)]) for i in range(placed, substitutions))
    return "\n".join(out)


def main():
    rendered, blueprints, dest = sys.argv[1:4]
    entries = manifest_entries(blueprints)
    copier = os.path.join(dest, "copier")
    cookiecutter = os.path.join(dest, "cookiecutter")
    project = os.path.join(cookiecutter, "{{cookiecutter.project}}")
    os.makedirs(copier, exist_ok=True)
    os.makedirs(project, exist_ok=True)
    with open(os.path.join(copier, "copier.yml"), "w", encoding="utf-8") as f:
        yaml.safe_dump({name: {"type": "str", "default": value} for name, value in VARIABLES.items()}, f)
    with open(os.path.join(cookiecutter, "cookiecutter.json"), "w", encoding="utf-8") as f:
        json.dump(VARIABLES, f, indent=2)

    files = 0
    total = 0
    for relative, full in sorted(rendered_files(rendered)):
        with open(full, encoding="utf-8") as f:
            text = f.read()
        match = next((t for pattern, t in entries if pattern.match(relative)), None)
        substitutions = match.count("{{") if match is not None else 0
        files += 1
        total += substitutions
        for root, reference, suffix in (
            (copier, lambda n: " {{ " + n + " }}", ".jinja"),
            (project, lambda n: " {{ cookiecutter." + n + " }}", ""),
        ):
            target = os.path.join(root, relative + suffix)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "w", encoding="utf-8") as f:
                f.write(template_text(text, substitutions, reference))
    print(f"files {files}, substitutions {total}")


if __name__ == "__main__":
    main()
