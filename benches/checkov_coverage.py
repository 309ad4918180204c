#!/usr/bin/env python3
"""Compare checkov's API Gateway failures with gatekit's findings.

Usage: checkov_coverage.py CHECKOV_JSON GATEKIT_JSON AUDITED_DIR

A checkov failure counts as found when gatekit reports a finding in the
same file on a line inside the failed resource's line range. Prints a
Markdown table per check ID: failures, how many gatekit found, which
gatekit rules found them, and for check IDs gatekit does not cover, the
reason from REASONS. A check ID with unmatched failures and no reason makes
the script exit 1, so a new checkov check cannot slip by unexplained.
"""

import json
import os
import sys
from collections import defaultdict

# Checks whose failures gatekit does not report, and why.
REASONS = {
    "CKV_AWS_73": "X-Ray tracing is observability, not a security control in gatekit's catalog; "
    "the generated stages turn it on, but its absence is not reported",
    "CKV_AWS_120": "response caching is a performance choice; caching authenticated responses "
    "can leak data between callers, so gatekit does not ask for it",
    "CKV_AWS_225": "cache encryption only matters when caching is on, which gatekit does not ask for",
    "CKV_AWS_308": "cache encryption only matters when caching is on, which gatekit does not ask for",
    "CKV2_AWS_51": "client certificates to the backend (mutual TLS to the integration) are not "
    "in gatekit's catalog; aws-integration-plaintext checks that the backend uses TLS",
    "CKV2_AWS_53": "request validation belongs to the OpenAPI import; gatekit checks the OpenAPI "
    "document (openapi-* rules), not the validator resource",
    "CKV2_AWS_77": "Log4j protection is a WAF managed rule group; aws-waf-without-managed-rules "
    "checks that managed rules are attached, not which ones",
    "CKV2_AWS_29": "gatekit reports a missing WAF once per REST API stage (aws-no-waf); checkov "
    "also counts stages whose association is defined in another module",
    "CKV_AWS_217": "create_before_destroy on deployments prevents downtime, not a security risk",
    "CKV_AWS_237": "create_before_destroy on REST APIs prevents downtime, not a security risk",
    "CKV2_AWS_4": "covered by aws-no-access-log, which reports the stage; checkov reports the "
    "method settings resource when its logging level is not set",
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
        rules = {rule for line, rule in findings.get(relative, []) if start <= line <= end}
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
