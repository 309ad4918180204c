//! The model as Markdown, JSON and an OWASP Threat Dragon v2 model.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{Value as Json, json};
use sha2::{Digest, Sha256};

use super::dfd::{self, Diagram, Kind};
use super::{ControlView, Model, OwaspView, Status, ThreatView, VendorView};
use crate::answers::Answers;
use crate::blueprint::catalog::{Element, Stride};

/// The Threat Dragon version whose model format the export follows.
const THREAT_DRAGON_VERSION: &str = "2.3.0";

/// Writes the model as pretty-printed JSON with a final newline.
pub fn json(model: &Model) -> String {
    let mut text = serde_json::to_string_pretty(model).unwrap_or_default();
    text.push('\n');
    text
}

/// Writes `text` as a table cell: pipes escaped, on one line.
fn cell(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
}

/// Writes `text` as a Markdown code span whose fence outlasts any backtick
/// run inside.
fn code(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

fn codes(items: &[String]) -> String {
    items.iter().map(|i| code(i)).collect::<Vec<_>>().join(", ")
}

fn owasp_titles(ids: &[String]) -> String {
    ids.iter()
        .map(|id| {
            let title = super::OWASP
                .iter()
                .find(|(o, _)| o == id)
                .map_or("", |(_, t)| t);
            format!("{id} {title}")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Writes the cells of one vendor's row: files, rules, checks.
fn vendor_cells(view: &VendorView) -> (String, String, String) {
    let v = &view.verification;
    let files = if let Some(reason) = &v.not_applicable {
        format!("not applicable: {}", cell(reason))
    } else if view.files.is_empty() {
        "not generated for these answers".to_string()
    } else {
        codes(&view.files)
    };
    let rules = match (&v.unverified, v.rules.is_empty()) {
        (Some(reason), _) => format!("none yet: {}", cell(reason)),
        (None, true) => "none".to_string(),
        (None, false) => codes(&v.rules),
    };
    let checks = if v.checks.is_empty() {
        "none".to_string()
    } else {
        codes(&v.checks)
    };
    (files, rules, checks)
}

fn threat_heading(out: &mut String, view: &ThreatView) {
    let t = &view.threat;
    let _ = writeln!(out, "### {}: {}\n", t.id, t.title);
    let _ = writeln!(
        out,
        "STRIDE: {}. OWASP API Security Top 10 (2023): {}. Severity without controls: {}.\n",
        t.stride.title(),
        owasp_titles(&t.owasp),
        t.severity.title().to_lowercase()
    );
    let _ = writeln!(out, "{}\n", t.description.trim());
    out.push_str("Attack examples:\n\n");
    for attack in &t.attacks {
        let _ = writeln!(out, "- {attack}");
    }
    out.push('\n');
}

fn control_label(control: &ControlView) -> String {
    format!("{} {}", control.id, cell(&control.title))
}

/// Writes `THREAT_MODEL.md` of a generated repository.
pub fn repo_markdown(model: &Model, answers: &Answers, diagram: &Diagram) -> String {
    let product = dfd::product(answers.vendor);
    let mut out = String::new();
    let _ = writeln!(out, "# Threat model: {}\n", answers.project);
    let _ = writeln!(
        out,
        "This is the threat model of the API gateway ({product}) that this \
         repository configures for the {} environment. gatekit writes it from its threat \
         catalog: each threat lists the controls that mitigate it, the files of this \
         repository that implement each control, and the `gatekit audit` rules and \
         `gatekit probe` checks that verify it. `threat-model.json` holds the same \
         model for OWASP Threat Dragon.\n",
        answers.environment.as_str()
    );
    out.push_str("## Scope\n\n");
    let _ = writeln!(
        out,
        "- In scope: the {product} configuration, the Terraform that deploys it, and \
         the CI pipeline that validates every change."
    );
    out.push_str(
        "- Out of scope: the business logic of the upstream services, the identity \
         provider, client applications, and the cloud or cluster underneath.\n\n",
    );
    out.push_str("## Data flow\n\n");
    mermaid(&mut out, diagram);
    out.push_str("\n## Trust boundaries\n\n| Boundary | Components | Why it is a boundary |\n| --- | --- | --- |\n");
    for b in &diagram.boundaries {
        let nodes: Vec<String> = b.nodes.iter().map(|n| cell(&n.label)).collect();
        let _ = writeln!(out, "| {} | {} | {} |", b.label, nodes.join(", "), b.note);
    }
    out.push_str("\n## Threats\n\n| ID | Threat | STRIDE | OWASP | Status |\n| --- | --- | --- | --- | --- |\n");
    for view in &model.threats {
        let t = &view.threat;
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            t.id,
            cell(&t.title),
            t.stride.title(),
            t.owasp.join(", "),
            status_word(view.status)
        );
    }
    out.push('\n');
    for view in &model.threats {
        threat_heading(&mut out, view);
        out.push_str("| Control | Implemented in | Audit rules | Probe checks |\n| --- | --- | --- | --- |\n");
        for control in &view.control_views {
            for vendor in &control.vendors {
                let (files, rules, checks) = vendor_cells(vendor);
                let _ = writeln!(
                    out,
                    "| {} | {files} | {rules} | {checks} |",
                    control_label(control)
                );
            }
        }
        let _ = writeln!(out, "\nResidual risk: {}\n", view.threat.residual.trim());
    }
    out.push_str("## Residual risks\n\n");
    out.push_str(
        "Besides the residual risk of each threat above, these controls are missing or \
         unverified in this repository:\n\n",
    );
    let mut any = false;
    for (id, title, line) in gaps(model) {
        any = true;
        let _ = writeln!(out, "- {id} {}: {line}", cell(&title));
    }
    if !any {
        out.push_str("- none\n");
    }
    out
}

/// Controls of the model that are not implemented or not verified, once each.
fn gaps(model: &Model) -> Vec<(String, String, String)> {
    let mut out: Vec<(String, String, String)> = Vec::new();
    for control in model.threats.iter().flat_map(|t| &t.control_views) {
        if out.iter().any(|(id, _, _)| id == &control.id) {
            continue;
        }
        for vendor in &control.vendors {
            let v = &vendor.verification;
            let line = if let Some(reason) = &v.not_applicable {
                format!("not applicable: {}", cell(reason))
            } else if vendor.files.is_empty() {
                "not generated for these answers".to_string()
            } else if let Some(reason) = &v.unverified {
                format!("no gatekit rule or check verifies it: {}", cell(reason))
            } else {
                continue;
            };
            out.push((control.id.clone(), control.title.clone(), line));
        }
    }
    out
}

fn status_word(status: Status) -> &'static str {
    match status {
        Status::Mitigated => "mitigated",
        Status::Partial => "partly mitigated",
    }
}

/// Keeps a Mermaid label to characters that need no escaping.
fn mermaid_text(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || " .,:/()-".contains(c) {
                c
            } else {
                ' '
            }
        })
        .collect()
}

fn mermaid_id(id: &str) -> String {
    id.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

fn mermaid(out: &mut String, diagram: &Diagram) {
    out.push_str("```mermaid\nflowchart LR\n");
    for b in &diagram.boundaries {
        let _ = writeln!(
            out,
            "  subgraph {}[\"{} (trust boundary)\"]",
            mermaid_id(&format!("tb_{}", b.id)),
            mermaid_text(&b.label)
        );
        for n in &b.nodes {
            let label = mermaid_text(&n.label);
            let id = mermaid_id(&n.id);
            let _ = match n.kind {
                Kind::Actor => writeln!(out, "    {id}([\"{label}\"])"),
                Kind::Process => writeln!(out, "    {id}[\"{label}\"]"),
                Kind::Store => writeln!(out, "    {id}[(\"{label}\")]"),
            };
        }
        out.push_str("  end\n");
    }
    for f in &diagram.flows {
        let _ = writeln!(
            out,
            "  {} -->|\"{}\"| {}",
            mermaid_id(&f.from),
            mermaid_text(&f.label),
            mermaid_id(&f.to)
        );
    }
    out.push_str("```\n");
}

/// Writes the whole catalog as Markdown, one row per vendor shown.
pub fn catalog_markdown(model: &Model) -> String {
    let mut out = String::from("# gatekit threat catalog\n\n");
    out.push_str(
        "Each threat lists the controls that mitigate it and, per vendor, the \
         files that implement each control and the audit rules and probe checks \
         that verify it.\n\n## OWASP API Security Top 10 (2023)\n\n| Category | Threats |\n| --- | --- |\n",
    );
    for OwaspView { id, title, threats } in &model.owasp {
        let list = if threats.is_empty() {
            "none: see docs/threat-model.md".to_string()
        } else {
            threats.join(", ")
        };
        let _ = writeln!(out, "| {id} {title} | {list} |");
    }
    out.push_str("\n## Threats\n\n");
    for view in &model.threats {
        threat_heading(&mut out, view);
        out.push_str("| Control | Vendor | Implemented in | Audit rules | Probe checks |\n| --- | --- | --- | --- | --- |\n");
        for control in &view.control_views {
            for vendor in &control.vendors {
                let (files, rules, checks) = vendor_cells(vendor);
                let files =
                    if vendor.verification.not_applicable.is_none() && vendor.files.is_empty() {
                        "no manifest in this blueprint set".to_string()
                    } else {
                        files
                    };
                let _ = writeln!(
                    out,
                    "| {} | {} | {files} | {rules} | {checks} |",
                    control_label(control),
                    vendor.vendor.as_str()
                );
            }
        }
        let _ = writeln!(out, "\nResidual risk: {}\n", view.threat.residual.trim());
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

/// Derives a UUID-shaped ID from `key`, so that the model is the same on
/// every render. The IDs only need to be unique inside one model, so no
/// answer goes into them and a renamed project keeps its IDs.
fn uuid(key: &str) -> String {
    let digest = Sha256::digest(format!("gatekit threat model\0{key}").as_bytes());
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    // Version 4 and RFC 4122 variant bits, as Threat Dragon's own IDs carry.
    let variant = ["8", "9", "a", "b"][usize::from(digest[8] & 3)];
    format!(
        "{}-{}-4{}-{variant}{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[13..16],
        &hex[17..20],
        &hex[20..32]
    )
}

fn mitigation_text(view: &ThreatView) -> String {
    let mut parts = Vec::new();
    for control in &view.control_views {
        for vendor in &control.vendors {
            let v = &vendor.verification;
            let mut line = format!("{} {}", control.id, control.title);
            if let Some(reason) = &v.not_applicable {
                let _ = write!(line, ": not applicable ({})", reason.trim());
            } else if vendor.files.is_empty() {
                line.push_str(": not generated for these answers");
            } else {
                let _ = write!(line, ": implemented in {}", vendor.files.join(", "));
                if !v.rules.is_empty() {
                    let _ = write!(line, "; audit rules {}", v.rules.join(", "));
                }
                if !v.checks.is_empty() {
                    let _ = write!(line, "; probe checks {}", v.checks.join(", "));
                }
                if v.unverified.is_some() {
                    line.push_str("; no gatekit rule or check yet");
                }
            }
            parts.push(line);
        }
    }
    parts.join("\n")
}

fn stride_type(stride: Stride) -> &'static str {
    stride.title()
}

/// Returns the cell a threat belongs on, as `node/<id>` or
/// `flow/<from>/<to>`. An element the diagram lacks (the admin interfaces of
/// a managed service, a repository without backend services) falls back to
/// the gateway node.
fn cell_seed(element: Element, diagram: &Diagram) -> String {
    let gateway = format!("node/{}", diagram.gateway);
    let has_node = |id: &str| {
        diagram
            .boundaries
            .iter()
            .any(|b| b.nodes.iter().any(|n| n.id == id))
    };
    let flow = |f: &dfd::Flow| format!("flow/{}/{}", f.from, f.to);
    match element {
        Element::Gateway => gateway,
        Element::ClientFlow => diagram
            .flows
            .iter()
            .find(|f| f.to == diagram.gateway)
            .map_or(gateway, flow),
        // Node IDs of backend services start with `service`.
        Element::UpstreamFlow => diagram
            .flows
            .iter()
            .find(|f| f.to.starts_with("service"))
            .map_or(gateway, flow),
        Element::Admin if has_node("admin") => "node/admin".to_string(),
        Element::Logs if has_node("logs") => "node/logs".to_string(),
        Element::Ci if has_node("ci") => "node/ci".to_string(),
        Element::Admin | Element::Logs | Element::Ci => gateway,
    }
}

/// Writes the model as an OWASP Threat Dragon v2 model, pretty-printed.
pub fn threat_dragon(model: &Model, answers: &Answers, diagram: &Diagram) -> String {
    let project = answers.project.as_str();
    let product = dfd::product(answers.vendor);
    let mut cells = Vec::new();
    let mut z = 1;
    // Threat Dragon keeps threats on the element they happen on: the key is
    // the cell's ID seed, `node/<id>` or `flow/<from>/<to>`.
    let mut placed: BTreeMap<String, (Vec<Json>, bool)> = BTreeMap::new();
    for (i, view) in model.threats.iter().enumerate() {
        let t = &view.threat;
        let status = match view.status {
            Status::Mitigated => "Mitigated",
            Status::Partial => "Open",
        };
        let threat = json!({
            "id": uuid(&format!("threat/{}", t.id)),
            "threatId": uuid(&format!("threat/{}", t.id)),
            "ruleId": t.id,
            "title": format!("{}: {}", t.id, t.title),
            "type": stride_type(t.stride),
            "modelType": "STRIDE",
            "status": status,
            "severity": t.severity.title(),
            "score": "",
            "number": i + 1,
            "description": format!(
                "{}\n\nOWASP API Security Top 10 (2023): {}.\nResidual risk: {}",
                t.description.trim(),
                t.owasp.join(", "),
                t.residual.trim()
            ),
            "mitigation": mitigation_text(view),
        });
        let entry = placed.entry(cell_seed(t.element, diagram)).or_default();
        entry.0.push(threat);
        entry.1 |= view.status == Status::Partial;
    }
    let threats_of = |seed: &str| placed.get(seed).cloned().unwrap_or_default();

    for (column, b) in diagram.boundaries.iter().enumerate() {
        let x = 20.0 + column as f64 * 280.0;
        let height = 80.0 + b.nodes.len() as f64 * 130.0;
        cells.push(json!({
            "id": uuid(&format!("boundary/{}", b.id)),
            "shape": "trust-boundary-box",
            "zIndex": -1,
            "visible": true,
            "position": {"x": x, "y": 20.0},
            "size": {"width": 240.0, "height": height},
            "attrs": {"label": {"text": b.label}},
            "data": {
                "type": "tm.BoundaryBox",
                "name": b.label,
                "description": b.note,
                "isTrustBoundary": true,
                "hasOpenThreats": false,
            },
        }));
        for (row, n) in b.nodes.iter().enumerate() {
            let y = 80.0 + row as f64 * 130.0;
            let (threats, has_open) = threats_of(&format!("node/{}", n.id));
            let stroke = json!({"stroke": "#333333", "strokeWidth": 1.5, "strokeDasharray": ""});
            let (shape, attrs, data) = match n.kind {
                Kind::Actor => (
                    "actor",
                    json!({"text": {"text": n.label}, "body": stroke}),
                    json!({
                        "type": "tm.Actor",
                        "providesAuthentication": n.id == "idp",
                    }),
                ),
                Kind::Process => (
                    "process",
                    json!({"text": {"text": n.label}, "body": stroke}),
                    json!({
                        "type": "tm.Process",
                        "handlesCardPayment": false,
                        "handlesGoodsOrServices": false,
                        "isWebApplication": false,
                        "privilegeLevel": "",
                    }),
                ),
                Kind::Store => (
                    "store",
                    json!({
                        "text": {"text": n.label},
                        "topLine": {"strokeWidth": 1.5, "strokeDasharray": ""},
                        "bottomLine": {"strokeWidth": 1.5, "strokeDasharray": ""},
                    }),
                    json!({
                        "type": "tm.Store",
                        "isALog": n.id == "logs",
                        "isEncrypted": true,
                        "isSigned": false,
                        "storesCredentials": n.id == "database",
                        "storesInventory": false,
                    }),
                ),
            };
            let mut data = data;
            if let Json::Object(map) = &mut data {
                map.insert("name".into(), json!(n.label));
                map.insert("description".into(), json!(""));
                map.insert("outOfScope".into(), json!(false));
                map.insert("reasonOutOfScope".into(), json!(""));
                map.insert("hasOpenThreats".into(), json!(has_open));
                map.insert("threats".into(), json!(threats));
            }
            cells.push(json!({
                "id": uuid(&format!("node/{}", n.id)),
                "shape": shape,
                "zIndex": z,
                "visible": true,
                "position": {"x": x + 40.0, "y": y},
                "size": {"width": 160.0, "height": 90.0},
                "attrs": attrs,
                "data": data,
            }));
            z += 1;
        }
    }
    for f in &diagram.flows {
        let (threats, has_open) = threats_of(&format!("flow/{}/{}", f.from, f.to));
        cells.push(json!({
            "id": uuid(&format!("flow/{}/{}", f.from, f.to)),
            "shape": "flow",
            "zIndex": z,
            "connector": "smooth",
            "attrs": {"line": {
                "stroke": "#333333",
                "strokeWidth": 1.5,
                "targetMarker": {"name": "block"},
                "sourceMarker": {"name": ""},
                "strokeDasharray": "",
            }},
            "labels": [f.label],
            "source": {"cell": uuid(&format!("node/{}", f.from))},
            "target": {"cell": uuid(&format!("node/{}", f.to))},
            "data": {
                "type": "tm.Flow",
                "name": f.label,
                "description": "",
                "outOfScope": false,
                "reasonOutOfScope": "",
                "hasOpenThreats": has_open,
                "isBidirectional": false,
                "isEncrypted": f.encrypted,
                "isPublicNetwork": f.public,
                "protocol": if f.encrypted { "HTTPS" } else { "" },
                "threats": threats,
            },
        }));
        z += 1;
    }
    let model_json = json!({
        "version": THREAT_DRAGON_VERSION,
        "summary": {
            "title": format!("{project}: API gateway ({product})"),
            "owner": answers.owner,
            "description": format!(
                "Threat model of the API gateway ({product}) for the {} environment, written by gatekit. \
                 Each threat's ruleId is its gatekit threat ID.",
                answers.environment.as_str()
            ),
            "id": 0,
        },
        "detail": {
            "contributors": [],
            "diagrams": [{
                "id": 0,
                "title": format!("{product} data flow"),
                "diagramType": "STRIDE",
                "placeholder": "Data flow of the gateway and its trust boundaries",
                "thumbnail": "./public/content/images/thumbnail.stride.jpg",
                "version": THREAT_DRAGON_VERSION,
                "cells": cells,
            }],
            "diagramTop": 1,
            "reviewer": "",
            "threatTop": model.threats.len(),
        },
    });
    let mut text = serde_json::to_string_pretty(&model_json).unwrap_or_default();
    text.push('\n');
    text
}
