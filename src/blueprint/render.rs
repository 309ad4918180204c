//! Rendering a blueprint set with validated answers into a file tree.
//!
//! Rendering is two passes. The first decides which files exist and where
//! (conditions, `each` lists, output paths), so that templates such as the
//! security checklist can list every file and the controls it implements.
//! The second renders contents. Nothing touches the disk here.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};

use serde::Serialize;
use serde_json::{Value as Json, json};
use tera::{Context, Tera};

use super::BlueprintError;
use super::catalog::Catalog;
use super::escape::{self, Format};
use super::manifest::{Blueprints, Check, FileEntry, Manifest};
use super::{paths, verify};
use crate::answers::{Answers, Environment, Vendor};
use crate::tree::{File, Tree};

/// A file chosen by the first pass.
#[derive(Debug, Clone, Serialize)]
pub struct Planned {
    /// Output path.
    pub path: String,
    /// Manifest that renders it.
    pub manifest: String,
    /// Template path, relative to the set root.
    pub template: String,
    /// Format of the output.
    pub format: Format,
    /// Control IDs the file implements.
    pub controls: Vec<String>,
    /// Whether the file is executable.
    pub executable: bool,
    /// The `each` item the file was rendered for.
    #[serde(skip)]
    pub item: Option<Json>,
}

/// Renders every selected file of `blueprints` for `answers`.
///
/// Checking the rendered files is about a third of a render and does not
/// change them, so it runs on two threads. The files and their order do
/// not depend on it.
pub fn render(
    blueprints: &Blueprints,
    answers: &Answers,
) -> Result<(Tree, Vec<Planned>), BlueprintError> {
    let catalog = &blueprints.catalog;
    let manifests = select(blueprints, answers)?;
    let mut tera = engine(blueprints, &manifests)?;
    // Tera checks every template again each time one is added, so the
    // manifests' one-line templates go in as one batch.
    add_inline_templates(&mut tera, &manifests)?;
    let tera = &tera;
    let manifests = &manifests[..];
    let base = base_context(blueprints, answers, catalog)?;
    let mut base_context =
        Context::from_serialize(&base).map_err(|e| BlueprintError::Template {
            template: "(context)".to_string(),
            message: e.to_string(),
        })?;
    let mut plan = Vec::new();
    for manifest in manifests {
        for (index, entry) in manifest.files.iter().enumerate() {
            let label = format!("{}#{}", manifest.name, index);
            plan_entry(
                tera,
                &base,
                &mut base_context,
                manifest,
                &label,
                entry,
                catalog,
                &mut plan,
            )?;
        }
    }
    check_collisions(&plan)?;

    let mut context_json = base;
    add_plan(&mut context_json, &plan, manifests);
    let context = Context::from_serialize(&context_json).map_err(|e| BlueprintError::Template {
        template: "(context)".to_string(),
        message: e.to_string(),
    })?;

    let mut texts = Vec::with_capacity(plan.len());
    for planned in &plan {
        let mut file_context = context.clone();
        if let Some(item) = &planned.item {
            file_context.insert("item", item);
        }
        let text = escape::with_format(planned.format, || {
            render_bounded(tera, &planned.template, &file_context)
        })
        .map_err(|e| BlueprintError::Template {
            template: planned.template.clone(),
            message: tera_message(&e),
        })?;
        texts.push(normalise(&text));
    }
    let threat_model = !catalog.threats.is_empty();
    let (checked, extra) = std::thread::scope(|scope| {
        let extra = threat_model.then(|| {
            scope.spawn(|| {
                let files = threat_model_files(blueprints, catalog, answers, &plan);
                let checked = files
                    .iter()
                    .map(|(_, format, text)| verify::check(*format, text));
                let checked: Vec<_> = checked.collect();
                (files, checked)
            })
        });
        let checked = check_all(&plan, &texts);
        (checked, extra.map(join))
    });
    checked?;

    let mut tree = Tree::default();
    for (planned, text) in plan.iter().zip(texts) {
        tree.files.insert(
            planned.path.clone(),
            File {
                bytes: text.into_bytes(),
                executable: planned.executable,
            },
        );
    }
    if let Some(result) = extra {
        let (files, checked) = result;
        for ((path, format, text), verdict) in files.into_iter().zip(checked) {
            verdict.map_err(|message| BlueprintError::Verify {
                path: path.to_string(),
                format,
                message,
            })?;
            plan.push(Planned {
                path: path.to_string(),
                manifest: "catalog".to_string(),
                template: super::catalog::THREATS_PATH.to_string(),
                format,
                controls: Vec::new(),
                executable: false,
                item: None,
            });
            tree.files.insert(
                path.to_string(),
                File {
                    bytes: text.into_bytes(),
                    executable: false,
                },
            );
        }
        check_collisions(&plan)?;
    }
    Ok((tree, plan))
}

/// Waits for a thread of a render and hands on its panic, if it had one.
fn join<T>(handle: std::thread::ScopedJoinHandle<'_, T>) -> T {
    handle
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// Parses every rendered file with the parser of its format, on two
/// threads, and returns the first failure in plan order.
fn check_all(plan: &[Planned], texts: &[String]) -> Result<(), BlueprintError> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let next = AtomicUsize::new(0);
    let work = || {
        let mut failures = Vec::new();
        loop {
            let index = next.fetch_add(1, Ordering::Relaxed);
            let (Some(planned), Some(text)) = (plan.get(index), texts.get(index)) else {
                return failures;
            };
            if let Err(message) = verify::check(planned.format, text) {
                failures.push((index, message));
            }
        }
    };
    let mut failures = std::thread::scope(|scope| {
        let helper = scope.spawn(work);
        let mut failures = work();
        failures.extend(join(helper));
        failures
    });
    failures.sort_by_key(|(index, _)| *index);
    match failures.into_iter().next() {
        None => Ok(()),
        Some((index, message)) => Err(BlueprintError::Verify {
            path: plan[index].path.clone(),
            format: plan[index].format,
            message,
        }),
    }
}

/// Output paths of the threat model every repository gets when the set has
/// a threat catalog.
pub const THREAT_MODEL_PATHS: [&str; 2] = ["THREAT_MODEL.md", "threat-model.json"];

/// Writes `THREAT_MODEL.md` and `threat-model.json`. They are written from
/// the catalog and the plan rather than from templates, because they list
/// every file of the plan and Threat Dragon's model is a layout, not text.
fn threat_model_files(
    blueprints: &Blueprints,
    catalog: &Catalog,
    answers: &Answers,
    plan: &[Planned],
) -> [(&'static str, Format, String); 2] {
    use crate::catalog::{Scope, dfd, export, model};
    let model = model(blueprints, catalog, Scope::Repo { answers, plan });
    let diagram = dfd::diagram(answers);
    [
        (
            THREAT_MODEL_PATHS[0],
            Format::Markdown,
            normalise(&export::repo_markdown(&model, answers, &diagram)),
        ),
        (
            THREAT_MODEL_PATHS[1],
            Format::Json,
            normalise(&export::threat_dragon(&model, answers, &diagram)),
        ),
    ]
}

/// Largest file a template may render. Real templates write well under
/// 1 MiB; the bound stops a hostile set's nested loops before they fill
/// memory or the disk.
const MAX_RENDERED_BYTES: usize = 8 * 1024 * 1024;

/// Renders a template into memory, failing once the output passes
/// [`MAX_RENDERED_BYTES`].
// NOTE: only output is bounded. A value a template builds in a variable
// (`{% set_global x = x ~ x %}` in a loop) grows inside Tera, which offers
// no limit for it.
fn render_bounded(tera: &Tera, template: &str, context: &Context) -> tera::TeraResult<String> {
    let mut output = Bounded(Vec::new());
    tera.render_to(template, context, &mut output)?;
    String::from_utf8(output.0).map_err(|e| tera::Error::message(e.to_string()))
}

/// A buffer whose writes fail once it would pass [`MAX_RENDERED_BYTES`].
struct Bounded(Vec<u8>);

impl std::io::Write for Bounded {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if self.0.len() + bytes.len() > MAX_RENDERED_BYTES {
            return Err(std::io::Error::other(format!(
                "the rendered file is larger than {MAX_RENDERED_BYTES} bytes"
            )));
        }
        self.0.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Picks the shared manifests and the one for the answers' vendor.
fn select<'a>(
    blueprints: &'a Blueprints,
    answers: &Answers,
) -> Result<Vec<&'a Manifest>, BlueprintError> {
    let vendor_manifest =
        blueprints
            .vendor_manifest(answers.vendor)
            .ok_or_else(|| BlueprintError::NoVendor {
                vendor: answers.vendor,
                available: blueprints
                    .manifests
                    .iter()
                    .filter_map(|m| m.vendor)
                    .collect(),
            })?;
    if !vendor_manifest.environments.contains(&answers.environment) {
        let supported: Vec<&str> = vendor_manifest
            .environments
            .iter()
            .map(|e| e.as_str())
            .collect();
        return Err(BlueprintError::Environment {
            vendor: answers.vendor,
            environment: answers.environment.as_str().to_string(),
            supported: supported.join(", "),
        });
    }
    Ok(blueprints
        .manifests
        .iter()
        .filter(|m| m.vendor.is_none() || m.vendor == Some(answers.vendor))
        .collect())
}

/// Builds the template engine with the templates the selected manifests
/// can reach. Parsing templates is the largest part of a render, and most
/// templates of a set belong to other vendors and environments.
fn engine(blueprints: &Blueprints, selected: &[&Manifest]) -> Result<Tera, BlueprintError> {
    let mut tera = Tera::new();
    escape::register(&mut tera);
    let reached = reachable(blueprints, selected);
    let templates = blueprints
        .files
        .files
        .iter()
        .filter(|(name, _)| reached.contains(name.as_str()));
    tera.add_raw_templates(templates)
        .map_err(|e| BlueprintError::Template {
            template: "(blueprint set)".to_string(),
            message: tera_message(&e),
        })?;
    tera.autoescape_on([".tera"]);
    Ok(tera)
}

/// Collects the templates a render can reach: those of the selected
/// manifests, every template that defines a component, and every template
/// that their text or the manifests' paths and conditions name in a quoted
/// string, followed to the end. `include` and `extends` take a quoted name,
/// so the scan finds them all. A component call names no template, because
/// Tera looks components up across all templates. A string that only looks
/// like a name adds a template that is parsed and never used.
fn reachable<'a>(blueprints: &'a Blueprints, selected: &[&Manifest]) -> HashSet<&'a str> {
    let files = &blueprints.files;
    let mut reached: HashSet<&'a str> = HashSet::new();
    let mut queue: Vec<&'a str> = Vec::new();
    let visit = |name: &str, reached: &mut HashSet<&'a str>, queue: &mut Vec<&'a str>| {
        if let Some((key, _)) = files.files.get_key_value(name)
            && key.ends_with(".tera")
            && reached.insert(key.as_str())
        {
            queue.push(key.as_str());
        }
    };
    for manifest in selected {
        for entry in &manifest.files {
            visit(&manifest.template_path(entry), &mut reached, &mut queue);
            for text in std::iter::once(&entry.path).chain(&entry.when) {
                for quoted in quoted_template_names(text) {
                    visit(&quoted, &mut reached, &mut queue);
                }
            }
        }
    }
    // Every component definition ends with `endcomponent`.
    for (name, text) in &files.files {
        if text.contains("endcomponent") {
            visit(name, &mut reached, &mut queue);
        }
    }
    while let Some(name) = queue.pop() {
        let text = files.get(name).unwrap_or_default();
        for quoted in quoted_template_names(text) {
            visit(&quoted, &mut reached, &mut queue);
        }
    }
    reached
}

/// Finds every quoted string in `text` that ends in `.tera`, with Tera's
/// string escapes (`\/`, `\"`, ...) undone, since Tera looks up the
/// unescaped name.
fn quoted_template_names(text: &str) -> impl Iterator<Item = Cow<'_, str>> {
    text.match_indices(".tera").filter_map(move |(at, suffix)| {
        let end = at + suffix.len();
        let quote = text[end..]
            .chars()
            .next()
            .filter(|c| matches!(c, '"' | '\'' | '`'))?;
        let mut open = text[..at].rfind(quote)?;
        while escaped(text, open) {
            open = text[..open].rfind(quote)?;
        }
        Some(unescape(&text[open + 1..end]))
    })
}

/// Returns true when the character at byte `at` follows an odd number of
/// backslashes, so it is escaped.
fn escaped(text: &str, at: usize) -> bool {
    let slashes = text[..at].bytes().rev().take_while(|&b| b == b'\\').count();
    slashes % 2 == 1
}

/// Undoes the escapes of a Tera string literal.
fn unescape(name: &str) -> Cow<'_, str> {
    if !name.contains('\\') {
        return Cow::Borrowed(name);
    }
    let mut out = String::with_capacity(name.len());
    let mut chars = name.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some(other) => out.push(other),
            None => {}
        }
    }
    Cow::Owned(out)
}

#[allow(clippy::too_many_arguments)]
fn plan_entry(
    tera: &Tera,
    base: &Json,
    context: &mut Context,
    manifest: &Manifest,
    label: &str,
    entry: &FileEntry,
    catalog: &Catalog,
    plan: &mut Vec<Planned>,
) -> Result<(), BlueprintError> {
    let label = label.to_string();
    let template = manifest.template_path(entry);
    for control in &entry.controls {
        if !catalog.contains(control) {
            return Err(BlueprintError::Manifest {
                file: manifest.name.clone(),
                message: format!(
                    "{} names control {control}, which the catalog does not define",
                    entry.template
                ),
            });
        }
    }
    let items: Vec<Option<Json>> = match &entry.each {
        None => vec![None],
        Some(key) => match crate::answers::load::lookup(base, key) {
            Some(Json::Array(items)) => items.iter().cloned().map(Some).collect(),
            _ => {
                return Err(BlueprintError::Manifest {
                    file: manifest.name.clone(),
                    message: format!(
                        "`each: {key}` of {} is not a list in the template context",
                        entry.template
                    ),
                });
            }
        },
    };
    for item in items {
        context.remove("item");
        if let Some(item) = &item {
            context.insert("item", item);
        }
        if entry.when.is_some() {
            let shown = render_inline(tera, &format!("{label}.when"), context)?;
            if shown != "yes" {
                continue;
            }
        }
        let path = render_inline(tera, &format!("{label}.path"), context)?;
        paths::check(&path).map_err(|reason| BlueprintError::Path {
            manifest: manifest.name.clone(),
            template: entry.template.clone(),
            path: path.clone(),
            reason,
        })?;
        plan.push(Planned {
            path,
            manifest: manifest.name.clone(),
            template: template.clone(),
            format: entry.format,
            controls: entry.controls.clone(),
            executable: entry.executable,
            item,
        });
    }
    Ok(())
}

/// Renders a one-line template written inside a manifest (a condition or a
/// path). Values are written as plain text and checked afterwards.
fn render_inline(tera: &Tera, name: &str, context: &Context) -> Result<String, BlueprintError> {
    escape::with_format(Format::Text, || {
        tera.render(&format!("{name}.inline"), context)
    })
    .map(|s| s.trim().to_string())
    .map_err(|e| BlueprintError::Template {
        template: name.to_string(),
        message: tera_message(&e),
    })
}

/// Adds every manifest's `when` condition and output path as a template
/// named `<manifest>#<index>.when.inline` or `.path.inline`.
fn add_inline_templates(tera: &mut Tera, manifests: &[&Manifest]) -> Result<(), BlueprintError> {
    let mut templates = Vec::new();
    for manifest in manifests {
        for (index, entry) in manifest.files.iter().enumerate() {
            let label = format!("{}#{}", manifest.name, index);
            if let Some(condition) = &entry.when {
                let source = format!("{{% if {condition} %}}yes{{% endif %}}");
                templates.push((format!("{label}.when.inline"), source));
            }
            templates.push((format!("{label}.path.inline"), entry.path.clone()));
        }
    }
    tera.add_raw_templates(templates)
        .map_err(|e| BlueprintError::Template {
            template: "(manifest paths and conditions)".to_string(),
            message: tera_message(&e),
        })
}

fn check_collisions(plan: &[Planned]) -> Result<(), BlueprintError> {
    let mut seen: BTreeMap<String, &str> = BTreeMap::new();
    for planned in plan {
        // Case-insensitive, so the tree also fits macOS and Windows file systems.
        if let Some(other) = seen.insert(planned.path.to_lowercase(), &planned.template) {
            return Err(BlueprintError::Path {
                manifest: planned.manifest.clone(),
                template: planned.template.clone(),
                path: planned.path.clone(),
                reason: format!("{other} renders to the same path"),
            });
        }
    }
    // A file where another path needs a folder would fail only halfway
    // through writing the tree.
    for planned in plan {
        let folded = planned.path.to_lowercase();
        let folders = folded.match_indices('/').map(|(at, _)| &folded[..at]);
        if let Some(other) = folders.filter_map(|folder| seen.get(folder)).next() {
            return Err(BlueprintError::Path {
                manifest: planned.manifest.clone(),
                template: planned.template.clone(),
                path: planned.path.clone(),
                reason: format!("{other} renders a file where this path needs a folder"),
            });
        }
    }
    Ok(())
}

/// Keeps generated text tidy for formatters and linters: no trailing
/// whitespace, exactly one final newline.
fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 1);
    for line in text.lines() {
        out.push_str(line.trim_end_matches([' ', '\t']));
        out.push('\n');
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    if out.is_empty() {
        out.push('\n');
    }
    out
}

fn tera_message(error: &tera::Error) -> String {
    let mut message = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(inner) = source {
        message.push_str(&format!(": {inner}"));
        source = inner.source();
    }
    message
}

/// The context every template sees: the answers at the top level, plus
/// gatekit and blueprint metadata, derived values, the control catalog and
/// the pinned tool versions.
fn base_context(
    blueprints: &Blueprints,
    answers: &Answers,
    catalog: &Catalog,
) -> Result<Json, BlueprintError> {
    let mut context = serde_json::to_value(answers).map_err(|e| BlueprintError::Template {
        template: "(answers)".to_string(),
        message: e.to_string(),
    })?;
    let pins = match blueprints.files.get("pipelines/pins.yaml") {
        Some(text) => serde_yaml::from_str::<Json>(text).map_err(|e| BlueprintError::Manifest {
            file: "pipelines/pins.yaml".to_string(),
            message: e.to_string(),
        })?,
        None => Json::Null,
    };
    let Some(map) = context.as_object_mut() else {
        return Ok(context);
    };
    map.insert(
        "gatekit".into(),
        json!({ "version": env!("CARGO_PKG_VERSION") }),
    );
    map.insert(
        "blueprint".into(),
        json!({ "name": blueprints.meta.name, "version": blueprints.meta.version }),
    );
    map.insert("derived".into(), derived(answers));
    map.insert("catalog".into(), catalog.to_context());
    map.insert("pins".into(), pins);
    Ok(context)
}

fn add_plan(context: &mut Json, plan: &[Planned], manifests: &[&Manifest]) {
    let Some(map) = context.as_object_mut() else {
        return;
    };
    let mut by_control: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for planned in plan {
        for control in &planned.controls {
            by_control.entry(control).or_default().push(&planned.path);
        }
    }
    let checks: Vec<_> = manifests.iter().flat_map(|m| m.checks.iter()).collect();
    // For each control, the checks that cover at least one implementing file.
    let control_checks: BTreeMap<&str, Vec<&Check>> = by_control
        .iter()
        .map(|(control, files)| {
            let covering = checks
                .iter()
                .copied()
                .filter(|check| {
                    files.iter().any(|file| {
                        check
                            .paths
                            .iter()
                            .any(|prefix| file.starts_with(prefix.as_str()))
                    })
                })
                .collect();
            (*control, covering)
        })
        .collect();
    map.insert(
        "files".into(),
        serde_json::to_value(plan).unwrap_or(Json::Null),
    );
    map.insert(
        "implemented_by".into(),
        serde_json::to_value(&by_control).unwrap_or(Json::Null),
    );
    map.insert(
        "control_checks".into(),
        serde_json::to_value(control_checks).unwrap_or(Json::Null),
    );
    map.insert(
        "checks".into(),
        serde_json::to_value(checks).unwrap_or(Json::Null),
    );
    map.insert("terraform_roots".into(), json!(terraform_roots(plan)));
}

/// Names of the Terraform roots (`terraform/live/<name>/main.tf`) in the
/// order CI applies them: `shared` first, then the stages in answer order,
/// which is the order the manifests plan them.
fn terraform_roots(plan: &[Planned]) -> Vec<&str> {
    let mut roots: Vec<&str> = plan
        .iter()
        .filter_map(|p| {
            p.path
                .strip_prefix("terraform/live/")?
                .strip_suffix("/main.tf")
        })
        .filter(|root| !root.contains('/'))
        .collect();
    roots.sort_by_key(|root| *root != "shared");
    roots.dedup();
    roots
}

/// Values computed from the answers that several templates need, so each
/// template does not parse URLs itself.
fn derived(answers: &Answers) -> Json {
    let services: Vec<Json> = answers
        .services
        .iter()
        .map(|service| {
            let mut parts = url_parts(&service.upstream);
            parts["name"] = json!(service.name);
            parts
        })
        .collect();
    let state_bucket = if answers.terraform.state_bucket.is_empty() {
        format!("{}-tfstate", answers.project)
    } else {
        answers.terraform.state_bucket.clone()
    };
    let self_hosted = matches!(answers.vendor, Vendor::Kong | Vendor::Envoy | Vendor::Nginx);
    let methods: HashSet<&str> = answers
        .services
        .iter()
        .flat_map(|s| s.methods.iter().map(String::as_str))
        .collect();
    let mut methods: Vec<&str> = crate::answers::validate::METHODS
        .iter()
        .copied()
        .filter(|m| methods.contains(m))
        .collect();
    methods.dedup();
    json!({
        "services": services,
        "state_bucket": state_bucket,
        "last_stage": answers.stages.last(),
        "self_hosted": self_hosted,
        "any_private": answers.services.iter().any(|s| !s.public),
        "any_public": answers.services.iter().any(|s| s.public),
        "methods": methods,
        "body_limit_bytes": u64::from(answers.body_limit_kb) * 1024,
        "aws": crate::answers::cloud::aws_plan(answers).ok(),
        "apigee_auth": crate::answers::cloud::apigee_auth_policy(answers.auth.mode).ok(),
        "endpoints": {
            "jwks": url_parts(&answers.auth.jwt.jwks_uri),
            "external": url_parts(&answers.auth.external.url),
            "introspection": url_parts(&answers.auth.introspection.url),
            "logging": url_parts(&answers.logging.endpoint),
        },
        "route_order": route_order(answers),
        "deploy": deploy_access(answers),
        "gatekit_ref_flag": if crate::answers::validate::is_commit_sha(&answers.pipeline.gatekit_ref) {
            "--rev"
        } else {
            "--tag"
        },
    })
}

/// Returns what a CI job that runs Terraform signs in to: AWS (the S3 state
/// backend and the AWS provider), Google Cloud (Apigee's GCS backend and
/// provider) and a kubeconfig for clusters that no cloud identity reaches.
fn deploy_access(answers: &Answers) -> Json {
    let self_hosted = matches!(answers.vendor, Vendor::Kong | Vendor::Envoy | Vendor::Nginx);
    let on_prem = answers.environment == Environment::OnPrem;
    json!({
        "aws": answers.vendor != Vendor::Apigee && !on_prem,
        "gcp": answers.vendor == Vendor::Apigee,
        "kubeconfig": self_hosted && answers.environment != Environment::Cloud,
    })
}

/// Splits a validated URL into `scheme host port base_path tls host_is_ip`,
/// so templates never parse URLs themselves.
fn url_parts(text: &str) -> Json {
    let url = url::Url::parse(text).ok();
    let scheme = url.as_ref().map_or("https", |u| u.scheme());
    let host = url.as_ref().and_then(|u| u.host_str()).unwrap_or_default();
    let port = url
        .as_ref()
        .and_then(url::Url::port_or_known_default)
        .unwrap_or(443);
    let path = url.as_ref().map_or("", |u| u.path());
    let bare_host = host.trim_start_matches('[').trim_end_matches(']');
    json!({
        "scheme": scheme,
        "host": host,
        "port": port,
        "base_path": if path == "/" { "" } else { path },
        "tls": scheme == "https",
        "host_is_ip": bare_host.parse::<std::net::IpAddr>().is_ok(),
    })
}

/// Returns the indexes of `services` with the most specific path first
/// (most segments, then longest), so first-match routers such as Envoy's
/// never send `/api/v2` to the service at `/api`. Ties keep answer order.
fn route_order(answers: &Answers) -> Vec<usize> {
    let mut order: Vec<usize> = (0..answers.services.len()).collect();
    order.sort_by_key(|&i| {
        let path = answers.services[i].path.as_str();
        let segments = path.split('/').filter(|s| !s.is_empty()).count();
        std::cmp::Reverse((segments, path.len()))
    });
    order
}

#[cfg(test)]
mod tests {
    use super::{normalise, quoted_template_names};

    #[test]
    fn quoted_names_are_found() {
        let text = concat!(
            "{%- include \"a/b.yml.tera\" %}\n{% extends 'c.tera' %} x.tera\n",
            "{% include \"my part.tera\" %}{% include \"d\\/e.tera\" %}",
            "{% include 'it\\'s.tera' %}",
        );
        let names: Vec<_> = quoted_template_names(text).collect();
        assert_eq!(
            names,
            [
                "a/b.yml.tera",
                "c.tera",
                "my part.tera",
                "d/e.tera",
                "it's.tera"
            ]
        );
    }

    #[test]
    fn normalise_trims_and_ends_with_newline() {
        assert_eq!(normalise("a  \nb\t\n\n\n"), "a\nb\n");
        assert_eq!(normalise(""), "\n");
    }
}
