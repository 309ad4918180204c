#!/usr/bin/env python3
"""Write a Terraform set of AWS API Gateway resources for the audit benchmark.

Usage: gen_terraform.py RESOURCES OUT

Writes RESOURCES resources (a multiple of 10) into OUT, 100 per file. Every
group of ten is one API: a REST API with a resource, method, integration,
deployment, stage, method settings and a custom domain, plus an HTTP API
with a stage and a route. Groups vary by index, so that the set has secure
and insecure variants of each setting that gatekit or checkov reads: methods
and routes without authorization, plain-HTTP integrations, stages without
access logs or tracing, data tracing on, no throttling, TLS 1.0 domains and
stages without a WAF.
"""

import os
import sys

PER_GROUP = 10
PER_FILE = 100


def group(i):
    open_method = i % 3 == 0
    plain_http = i % 4 == 0
    no_log = i % 5 == 0
    trace = i % 6 == 0
    throttled = i % 2 == 0
    tls = "TLS_1_0" if i % 7 == 0 else "TLS_1_2"
    waf = i % 8 != 0
    log = (
        ""
        if no_log
        else f"""
  access_log_settings {{
    destination_arn = "arn:aws:logs:eu-west-1:111122223333:log-group:api-{i}"
    format          = "$context.requestId $context.identity.sourceIp $context.status"
  }}
"""
    )
    throttle = (
        """
    throttling_rate_limit  = 100
    throttling_burst_limit = 50"""
        if throttled
        else ""
    )
    waf_block = (
        f"""
resource "aws_wafv2_web_acl_association" "api_{i}" {{
  resource_arn = aws_api_gateway_stage.api_{i}.arn
  web_acl_arn  = "arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/api/{i}"
}}
"""
        if waf
        else f"""
resource "aws_cloudwatch_log_group" "api_{i}" {{
  name              = "api-{i}"
  retention_in_days = 90
}}
"""
    )
    return f"""
resource "aws_api_gateway_rest_api" "api_{i}" {{
  name = "api-{i}"
  endpoint_configuration {{
    types = ["REGIONAL"]
  }}
}}

resource "aws_api_gateway_resource" "api_{i}" {{
  rest_api_id = aws_api_gateway_rest_api.api_{i}.id
  parent_id   = aws_api_gateway_rest_api.api_{i}.root_resource_id
  path_part   = "orders{i}"
}}

resource "aws_api_gateway_method" "api_{i}" {{
  rest_api_id   = aws_api_gateway_rest_api.api_{i}.id
  resource_id   = aws_api_gateway_resource.api_{i}.id
  http_method   = "GET"
  authorization = "{"NONE" if open_method else "AWS_IAM"}"
}}

resource "aws_api_gateway_integration" "api_{i}" {{
  rest_api_id             = aws_api_gateway_rest_api.api_{i}.id
  resource_id             = aws_api_gateway_resource.api_{i}.id
  http_method             = aws_api_gateway_method.api_{i}.http_method
  type                    = "HTTP_PROXY"
  integration_http_method = "GET"
  uri                     = "{"http" if plain_http else "https"}://orders-{i}.example.com/orders"
}}

resource "aws_api_gateway_deployment" "api_{i}" {{
  rest_api_id = aws_api_gateway_rest_api.api_{i}.id
  lifecycle {{
    create_before_destroy = true
  }}
}}

resource "aws_api_gateway_stage" "api_{i}" {{
  rest_api_id          = aws_api_gateway_rest_api.api_{i}.id
  deployment_id        = aws_api_gateway_deployment.api_{i}.id
  stage_name           = "prod"
  xray_tracing_enabled = {"true" if i % 2 else "false"}
{log}}}

resource "aws_api_gateway_method_settings" "api_{i}" {{
  rest_api_id = aws_api_gateway_rest_api.api_{i}.id
  stage_name  = aws_api_gateway_stage.api_{i}.stage_name
  method_path = "*/*"
  settings {{
    metrics_enabled    = true
    logging_level      = "INFO"
    data_trace_enabled = {"true" if trace else "false"}{throttle}
  }}
}}

resource "aws_api_gateway_domain_name" "api_{i}" {{
  domain_name              = "api-{i}.example.com"
  regional_certificate_arn = "arn:aws:acm:eu-west-1:111122223333:certificate/{i}"
  security_policy          = "{tls}"
  endpoint_configuration {{
    types = ["REGIONAL"]
  }}
}}

resource "aws_apigatewayv2_route" "api_{i}" {{
  api_id             = "api{i}"
  route_key          = "GET /orders"
  authorization_type = "{"NONE" if open_method else "JWT"}"
}}
{waf_block}"""


def main():
    count, out = int(sys.argv[1]), sys.argv[2]
    if count % PER_GROUP:
        sys.exit(f"RESOURCES must be a multiple of {PER_GROUP}, got {count}")
    os.makedirs(out, exist_ok=True)
    groups = count // PER_GROUP
    per_file = PER_FILE // PER_GROUP
    for start in range(0, groups, per_file):
        path = os.path.join(out, f"apis_{start // per_file:03}.tf")
        with open(path, "w", encoding="utf-8") as f:
            f.write("".join(group(i) for i in range(start, min(groups, start + per_file))).lstrip())


if __name__ == "__main__":
    main()
