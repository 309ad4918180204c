//! The data-flow diagram of a generated repository: trust boundaries, the
//! components inside them and the flows between them, for its vendor and
//! environment. Markdown (Mermaid) and Threat Dragon draw the same diagram.

use serde::Serialize;

use crate::answers::{Answers, AuthMode, Environment, Vendor};

/// A trust boundary and what runs inside it.
#[derive(Debug, Clone, Serialize)]
pub struct Boundary {
    /// Identifier, stable across renders.
    pub id: String,
    /// Label.
    pub label: String,
    /// The reason it is a boundary.
    pub note: String,
    /// Components inside.
    pub nodes: Vec<Node>,
}

/// The shape of a component, as data-flow diagrams draw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// Someone or something outside the system.
    Actor,
    /// Code that handles requests.
    Process,
    /// Data at rest.
    Store,
}

/// A component.
#[derive(Debug, Clone, Serialize)]
pub struct Node {
    /// Identifier, stable across renders.
    pub id: String,
    /// Label.
    pub label: String,
    /// Shape.
    pub kind: Kind,
}

/// A data flow.
#[derive(Debug, Clone, Serialize)]
pub struct Flow {
    /// Source node ID.
    pub from: String,
    /// Target node ID.
    pub to: String,
    /// Protocol or content.
    pub label: String,
    /// Whether the flow is encrypted.
    pub encrypted: bool,
    /// Whether it crosses a public network.
    pub public: bool,
}

/// The diagram.
#[derive(Debug, Clone, Serialize)]
pub struct Diagram {
    /// Trust boundaries, from the outside in.
    pub boundaries: Vec<Boundary>,
    /// Data flows.
    pub flows: Vec<Flow>,
    /// The node that handles client requests: threats attach to it.
    pub gateway: String,
}

fn node(id: &str, label: impl Into<String>, kind: Kind) -> Node {
    Node {
        id: id.to_string(),
        label: label.into(),
        kind,
    }
}

fn flow(from: &str, to: &str, label: &str, encrypted: bool, public: bool) -> Flow {
    Flow {
        from: from.to_string(),
        to: to.to_string(),
        label: label.to_string(),
        encrypted,
        public,
    }
}

fn boundary(id: &str, label: &str, note: &str, nodes: Vec<Node>) -> Boundary {
    Boundary {
        id: id.to_string(),
        label: label.to_string(),
        note: note.to_string(),
        nodes,
    }
}

/// Returns the product name a diagram labels the gateway with.
pub fn product(vendor: Vendor) -> &'static str {
    match vendor {
        Vendor::Kong => "Kong Gateway",
        Vendor::Envoy => "Envoy",
        Vendor::Nginx => "NGINX",
        Vendor::Aws => "AWS API Gateway",
        Vendor::Apigee => "Apigee",
    }
}

/// Builds the diagram for the answers' vendor and environment.
pub fn diagram(answers: &Answers) -> Diagram {
    let vendor = answers.vendor;
    let env = answers.environment;
    let managed = matches!(vendor, Vendor::Aws | Vendor::Apigee);
    let mut boundaries = Vec::new();
    let mut flows = Vec::new();

    boundaries.push(boundary(
        "internet",
        "Internet",
        "untrusted: anyone can send requests",
        vec![node("client", "API clients", Kind::Actor)],
    ));

    // Which component first receives client traffic.
    let edge = match (vendor, env) {
        (Vendor::Aws, _) => Some("AWS WAF"),
        (Vendor::Apigee, Environment::Cloud) => Some("Cloud Armor and load balancer"),
        (Vendor::Kong, Environment::Cloud) => Some("AWS WAF and load balancer"),
        (Vendor::Envoy | Vendor::Nginx, Environment::Cloud | Environment::Hybrid) => {
            Some("AWS WAF and load balancer")
        }
        _ => None,
    };
    if let Some(label) = edge {
        boundaries.push(boundary(
            "edge",
            "Cloud edge",
            "managed filtering before the gateway",
            vec![node("edge", label, Kind::Process)],
        ));
        flows.push(flow("client", "edge", "HTTPS", true, true));
    }

    let (gateway, mut gateway_nodes) = match (vendor, env) {
        (Vendor::Kong, Environment::Hybrid) => (
            "dataplane",
            vec![
                node("dataplane", "Kong data plane", Kind::Process),
                node("controlplane", "Kong control plane", Kind::Process),
                node("database", "PostgreSQL (configuration)", Kind::Store),
            ],
        ),
        (Vendor::Envoy | Vendor::Nginx, Environment::Hybrid) => (
            "gateway",
            vec![
                node(
                    "gateway",
                    format!("{} edge proxy (cloud)", product(vendor)),
                    Kind::Process,
                ),
                node(
                    "internal",
                    format!("{} internal proxy (on-prem)", product(vendor)),
                    Kind::Process,
                ),
            ],
        ),
        (Vendor::Apigee, Environment::Hybrid) => (
            "gateway",
            vec![node("gateway", "Apigee hybrid runtime", Kind::Process)],
        ),
        _ => (
            "gateway",
            vec![node("gateway", product(vendor), Kind::Process)],
        ),
    };
    if !managed {
        gateway_nodes.push(node(
            "admin",
            "Admin and status interfaces (loopback)",
            Kind::Process,
        ));
    }
    gateway_nodes.push(node("logs", "Access logs and metrics", Kind::Store));
    boundaries.push(boundary(
        "platform",
        if managed {
            "Managed gateway service"
        } else {
            "Gateway namespace on Kubernetes"
        },
        "trusted: runs the configuration in this repository",
        gateway_nodes,
    ));
    flows.push(flow(
        if edge.is_some() { "edge" } else { "client" },
        gateway,
        "HTTPS",
        true,
        edge.is_none(),
    ));
    match (vendor, env) {
        (Vendor::Kong, Environment::Hybrid) => {
            flows.push(flow(
                "controlplane",
                "dataplane",
                "configuration (mTLS)",
                true,
                false,
            ));
            flows.push(flow("controlplane", "database", "SQL (TLS)", true, false));
        }
        (Vendor::Envoy | Vendor::Nginx, Environment::Hybrid) => {
            flows.push(flow("gateway", "internal", "HTTPS (mTLS)", true, true));
        }
        _ => {}
    }
    flows.push(flow(gateway, "logs", "access log lines", false, false));

    // Node IDs count services rather than carry their names, so that an
    // answer never has to be rewritten into an identifier.
    let mut backend = Vec::new();
    for (index, service) in answers.services.iter().enumerate() {
        let id = format!("service{index}");
        backend.push(node(
            &id,
            format!("{} service", service.name),
            Kind::Process,
        ));
    }
    let forwarder = match (vendor, env) {
        (Vendor::Envoy | Vendor::Nginx, Environment::Hybrid) => "internal",
        _ => gateway,
    };
    for (index, service) in answers.services.iter().enumerate() {
        let id = format!("service{index}");
        let label = if service.plaintext { "HTTP" } else { "HTTPS" };
        flows.push(flow(forwarder, &id, label, !service.plaintext, false));
    }
    boundaries.push(boundary(
        "backend",
        if env == Environment::Hybrid {
            "Backend network (on-prem)"
        } else {
            "Backend network"
        },
        "trusted services; they still check object ownership",
        backend,
    ));

    let mut outside = vec![node("ci", "CI pipeline", Kind::Actor)];
    if matches!(answers.auth.mode, AuthMode::Jwt | AuthMode::Introspection) {
        outside.push(node("idp", "Identity provider", Kind::Actor));
        flows.push(flow(
            gateway,
            "idp",
            "keys or introspection (HTTPS)",
            true,
            true,
        ));
    }
    if answers.auth.mode == AuthMode::External {
        outside.push(node("authz", "External authorization service", Kind::Actor));
        flows.push(flow(gateway, "authz", "authorization check", true, false));
    }
    flows.push(flow("ci", gateway, "validated configuration", true, false));
    boundaries.push(boundary(
        "operations",
        "Operations",
        "changes arrive only through reviewed CI runs",
        outside,
    ));

    Diagram {
        boundaries,
        flows,
        gateway: gateway.to_string(),
    }
}
