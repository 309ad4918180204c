#!/usr/bin/env python3
"""Compare checkov's API Gateway failures with gatekit's findings.

Usage: checkov_coverage.py CHECKOV_JSON GATEKIT_JSON AUDITED_DIR

A checkov failure counts as found when gatekit reports a finding of a rule
that checks the same setting (RULES) in the same file, on a line inside the
failed resource's line range. Prints a Markdown table per check ID:
failures, how many gatekit found, with which rules, and for failures it did
not find, the reason from REASONS. A check ID with unmatched failures and
no reason makes the script exit 1, so a new checkov check cannot slip by
unexplained.
"""

import json
import os
import sys
from collections import defaultdict

# For each checkov check, the gatekit rules that test the same setting.
RULES = {
    "CKV_AWS_59": {"aws-method-without-auth"},
    "CKV_AWS_76": {"aws-no-access-log"},
    "CKV_AWS_206": {"aws-weak-tls-policy"},
    "CKV_AWS_276": {"aws-data-trace-enabled"},
    "CKV_AWS_309": {"aws-route-without-auth"},
    "CKV2_AWS_29": {"aws-no-waf"},
    "CKV2_AWS_53": {"aws-method-without-validator"},
    "CKV2_AWS_77": {"aws-waf-without-managed-rules"},
}

# Checks whose failures gatekit does not report, and why. The settings named
# are in blueprints/aws/terraform/module/ and blueprints/aws/openapi.yaml.tera.
REASONS = {
    "CKV_AWS_73": "no rule checks X-Ray tracing, which the control catalog does not list; "
    "generated stages set `xray_tracing_enabled = true`",
    "CKV_AWS_120": "no rule checks response caching, a performance setting the control catalog "
    "does not list; generated stages turn the cache cluster on",
    "CKV_AWS_225": "no rule checks method-level caching, for the reason given for CKV_AWS_120",
    "CKV_AWS_237": "`create_before_destroy` avoids downtime on replacement, which the control "
    "catalog does not list; the generated REST API sets it",
    "CKV2_AWS_51": "no rule checks backend client certificates; `aws-integration-plaintext` checks "
    "that integrations use TLS, and generated stages attach a client certificate",
    "CKV2_AWS_53": "`aws-method-without-validator` skips OPTIONS methods: a CORS preflight is "
    "handled by a MOCK integration and carries no input to validate",
    "CKV2_AWS_77": "`aws-waf-without-managed-rules` reads web ACLs defined in the audited files; "
    "an association that names an ACL by ARN from elsewhere gives it nothing to read",
}


def is_api_gateway(check):
    resource = check.get("resource", "")
    return resource.startswith(("aws_api_gateway", "aws_apigatewayv2")) or "API Gateway" in check.get(
        "check_name", ""
    )


def load_checkov(path):
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    reports = data if isinstance(data, list) else [data]
    failed = []
    for report in reports:
        failed.extend(report.get("results", {}).get("failed_checks", []))
    return [c for c in failed if is_api_gateway(c)]


def load_gatekit(path):
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    by_file = defaultdict(list)
    for finding in data.get("findings", []):
        location = finding["location"]
        if location.get("line") is not None:
            by_file[location["uri"]].append((location["line"], finding["rule_id"]))
    return by_file


def main():
    checkov_path, gatekit_path, audited = sys.argv[1:4]
    failed = load_checkov(checkov_path)
    findings = load_gatekit(gatekit_path)
    rows = defaultdict(lambda: {"name": "", "failed": 0, "found": 0, "rules": set()})
    for check in failed:
        row = rows[check["check_id"]]
        row["name"] = check["check_name"]
        row["failed"] += 1
        relative = os.path.relpath(os.path.join(audited, check["file_path"].lstrip("/")), audited)
        start, end = check["file_line_range"]
        rules = {
            rule
            for line, rule in findings.get(relative, [])
            if start <= line <= end and rule in RULES.get(check["check_id"], set())
        }
        if rules:
            row["found"] += 1
            row["rules"] |= rules
    print("| checkov check | failures | found by gatekit | gatekit rules | reason when not found |")
    print("| --- | --- | --- | --- | --- |")
    unexplained = []
    for check_id in sorted(rows):
        row = rows[check_id]
        missed = row["failed"] - row["found"]
        reason = REASONS.get(check_id, "") if missed else ""
        if missed and not reason:
            unexplained.append(check_id)
        rules = ", ".join(f"`{r}`" for r in sorted(row["rules"]))
        print(f"| {check_id} ({row['name']}) | {row['failed']} | {row['found']} | {rules} | {reason} |")
    if unexplained:
        print(f"\nno reason recorded for: {', '.join(unexplained)}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
