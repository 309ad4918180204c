#!/usr/bin/env python3
"""Write a Kong declarative file or an Envoy bootstrap with many routes.

Usage: gen_gateway.py kong|envoy ROUTES OUT_FILE

Kong: one service per ten routes, each service with the `jwt`,
`rate-limiting` and `request-size-limiting` plugins, so that 100,000 routes
stay under the audit's 32 MiB input limit (about 16 MB). Envoy: one HTTP
connection manager whose virtual host has ROUTES routes over 100 clusters.
Both are hardened configurations, so the audit time is spent reading the
file, not reporting findings.
"""

import sys

ROUTES_PER_SERVICE = 10

KONG_SERVICE = """  - name: svc-{s}
    url: https://svc-{s}.internal:8443
    tls_verify: true
    plugins:
      - name: jwt
        config:
          claims_to_verify: [exp]
          uri_param_names: []
      - name: rate-limiting
        config:
          second: 10
      - name: request-size-limiting
        config:
          allowed_payload_size: 1024
          size_unit: kilobytes
    routes:
"""

KONG_ROUTE = """      - name: route-{r}
        paths: [/api/v1/r{r}]
        methods: [GET, POST]
        protocols: [https]
"""

ENVOY_HEAD = """admin:
  address:
    socket_address: {address: 127.0.0.1, port_value: 9901}
static_resources:
  listeners:
    - name: https
      address:
        socket_address: {address: 0.0.0.0, port_value: 8443}
      filter_chains:
        - filters:
            - name: envoy.filters.network.http_connection_manager
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                stat_prefix: ingress
                normalize_path: true
                merge_slashes: true
                route_config:
                  virtual_hosts:
                    - name: api
                      domains: ["*"]
                      routes:
"""

ENVOY_ROUTE = """                        - match: {{prefix: /api/v1/r{r}}}
                          route: {{cluster: svc-{c}}}
"""

ENVOY_TAIL = """                http_filters:
                  - name: envoy.filters.http.jwt_authn
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication
                      providers: {idp: {issuer: https://id.example.com/, audiences: [api]}}
                  - name: envoy.filters.http.router
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
"""


def kong(routes, out):
    out.write('_format_version: "3.0"\nservices:\n')
    for r in range(routes):
        if r % ROUTES_PER_SERVICE == 0:
            out.write(KONG_SERVICE.format(s=r // ROUTES_PER_SERVICE))
        out.write(KONG_ROUTE.format(r=r))


def envoy(routes, out):
    out.write(ENVOY_HEAD)
    for r in range(routes):
        out.write(ENVOY_ROUTE.format(r=r, c=r % 100))
    out.write(ENVOY_TAIL)


def main():
    kind, routes, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    write = {"kong": kong, "envoy": envoy}.get(kind)
    if write is None:
        sys.exit(f"unknown kind {kind!r}: expected kong or envoy")
    with open(path, "w", encoding="utf-8") as out:
        write(routes, out)


if __name__ == "__main__":
    main()
