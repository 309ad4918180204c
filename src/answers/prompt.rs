//! Interactive questions for answers that no file or flag supplied.
//!
//! The flow talks to a [`Prompter`], so tests drive it with scripted replies
//! and non-interactive runs use [`NoPrompt`], which fails instead of asking.
//! [`Terminal`] is the only code that touches dialoguer.

use serde_json::Value;

use super::load::{self, Loaded};
use super::model::{Answers, Environment, Vendor};
use super::validate;

/// Asks the user for values.
pub trait Prompter {
    /// Asks the user to pick one of `items`; returns its index.
    fn select(
        &mut self,
        prompt: &str,
        items: &[&str],
        default: usize,
    ) -> Result<usize, PromptError>;
    /// Asks for a line of text, re-asking until `check` accepts it.
    fn input(
        &mut self,
        prompt: &str,
        default: &str,
        check: &dyn Fn(&str) -> Result<(), String>,
    ) -> Result<String, PromptError>;
    /// Asks a yes/no question.
    fn confirm(&mut self, prompt: &str, default: bool) -> Result<bool, PromptError>;
}

/// Why a prompt could not be answered.
#[derive(Debug, thiserror::Error)]
pub enum PromptError {
    /// A prompt was needed but the run is not interactive.
    #[error("a prompt is needed but gatekit is not running on a terminal")]
    NotInteractive,
    /// The user cancelled (Ctrl-C or Esc).
    #[error("cancelled")]
    Cancelled,
    /// The terminal failed.
    #[error("terminal error: {0}")]
    Terminal(String),
}

/// A prompter that never asks: every call fails with
/// [`PromptError::NotInteractive`].
#[derive(Debug, Default)]
pub struct NoPrompt;

impl Prompter for NoPrompt {
    fn select(&mut self, _: &str, _: &[&str], _: usize) -> Result<usize, PromptError> {
        Err(PromptError::NotInteractive)
    }

    fn input(
        &mut self,
        _: &str,
        _: &str,
        _: &dyn Fn(&str) -> Result<(), String>,
    ) -> Result<String, PromptError> {
        Err(PromptError::NotInteractive)
    }

    fn confirm(&mut self, _: &str, _: bool) -> Result<bool, PromptError> {
        Err(PromptError::NotInteractive)
    }
}

/// Prompts on the terminal with dialoguer, writing to stderr so that stdout
/// stays free for results.
#[derive(Debug, Default)]
pub struct Terminal;

impl Terminal {
    fn term() -> dialoguer::console::Term {
        dialoguer::console::Term::stderr()
    }
}

fn terminal_error(err: dialoguer::Error) -> PromptError {
    PromptError::Terminal(err.to_string())
}

impl Prompter for Terminal {
    fn select(
        &mut self,
        prompt: &str,
        items: &[&str],
        default: usize,
    ) -> Result<usize, PromptError> {
        dialoguer::Select::new()
            .with_prompt(prompt)
            .items(items)
            .default(default)
            .interact_on_opt(&Self::term())
            .map_err(terminal_error)?
            .ok_or(PromptError::Cancelled)
    }

    fn input(
        &mut self,
        prompt: &str,
        default: &str,
        check: &dyn Fn(&str) -> Result<(), String>,
    ) -> Result<String, PromptError> {
        let mut input = dialoguer::Input::<String>::new()
            .with_prompt(prompt)
            .allow_empty(true)
            .validate_with(|text: &String| check(text));
        if !default.is_empty() {
            input = input.default(default.to_string());
        }
        input
            .interact_text_on(&Self::term())
            .map_err(terminal_error)
    }

    fn confirm(&mut self, prompt: &str, default: bool) -> Result<bool, PromptError> {
        dialoguer::Confirm::new()
            .with_prompt(prompt)
            .default(default)
            .interact_on_opt(&Self::term())
            .map_err(terminal_error)?
            .ok_or(PromptError::Cancelled)
    }
}

/// Asks for every question whose key was not supplied, then returns the
/// completed answers. Only keys the chosen environment and vendor use are
/// asked; everything else keeps its default.
pub fn complete(loaded: &Loaded, prompter: &mut dyn Prompter) -> Result<Answers, PromptError> {
    let mut flow = Flow {
        tree: serde_json::to_value(&loaded.answers).unwrap_or(Value::Null),
        supplied: &loaded.supplied,
        prompter,
    };
    flow.run()?;
    serde_json::from_value(flow.tree).map_err(|err| PromptError::Terminal(err.to_string()))
}

struct Flow<'a> {
    tree: Value,
    supplied: &'a [String],
    prompter: &'a mut dyn Prompter,
}

impl Flow<'_> {
    fn run(&mut self) -> Result<(), PromptError> {
        let environments: Vec<&str> = Environment::ALL.iter().map(|e| e.as_str()).collect();
        self.choose("environment", "Where will the gateway run?", &environments)?;
        let environment = self
            .current::<Environment>("environment")
            .unwrap_or(Environment::Cloud);
        let vendors: Vec<&str> = super::vendors_for(environment)
            .iter()
            .map(|v| v.as_str())
            .collect();
        self.choose("vendor", "Which gateway?", &vendors)?;
        let vendor = self.current::<Vendor>("vendor").unwrap_or(Vendor::Kong);

        self.text("project", "Project name (lowercase, letters, digits and -)")?;
        self.text("description", "One-line description (optional)")?;
        self.choose("ci", "Which CI system?", &["github", "gitlab", "both"])?;
        self.text(
            "tls.domains",
            "Host names the gateway serves (comma-separated)",
        )?;

        self.choose(
            "auth.mode",
            "How do clients authenticate?",
            &["jwt", "introspection", "api-key", "mtls", "external"],
        )?;
        match self.current::<String>("auth.mode").as_deref() {
            Some("jwt") => {
                self.text("auth.jwt.issuer", "Token issuer URL")?;
                self.text("auth.jwt.jwks_uri", "JWKS URL")?;
                self.text("auth.jwt.audiences", "Accepted audiences (comma-separated)")?;
            }
            Some("introspection") => {
                self.text("auth.introspection.url", "Introspection endpoint URL")?;
                self.text("auth.introspection.client_id", "Client ID of the gateway")?;
            }
            Some("api-key") => {
                self.text("auth.api_key.header", "Header that carries the API key")?
            }
            Some("mtls") => self.text(
                "auth.mtls.ca_secret",
                "Secret that holds the client CA bundle",
            )?,
            Some("external") => self.text("auth.external.url", "Authorization service URL")?,
            _ => {}
        }

        self.text("rate_limit.per_second", "Requests per second per client")?;
        self.text("rate_limit.burst", "Burst above that rate")?;
        self.text(
            "cors.origins",
            "Allowed CORS origins (comma-separated, empty for none)",
        )?;
        match vendor {
            Vendor::Apigee => {
                self.text("gcp.project", "Google Cloud project ID")?;
                self.text("gcp.region", "Google Cloud region")?;
            }
            Vendor::Aws => {
                self.text("aws.region", "AWS region")?;
                self.text("aws.account_id", "AWS account ID (12 digits)")?;
            }
            _ if environment != Environment::OnPrem => self.text("aws.region", "AWS region")?,
            _ => {}
        }
        self.services()
    }

    fn services(&mut self) -> Result<(), PromptError> {
        if self.is_supplied("services") {
            return Ok(());
        }
        let mut index = 0;
        loop {
            let key = format!("services[{index}]");
            self.text(&format!("{key}.name"), "Service name")?;
            self.text(&format!("{key}.upstream"), "Upstream URL")?;
            self.text(&format!("{key}.path"), "Path prefix")?;
            self.text(&format!("{key}.methods"), "Methods (comma-separated)")?;
            let public = self
                .prompter
                .confirm("Reachable without authentication?", false)?;
            self.set(
                &format!("{key}.public"),
                if public { "true" } else { "false" },
            );
            index += 1;
            if index >= 500 || !self.prompter.confirm("Add another service?", false)? {
                break;
            }
            // A new entry starts from the default service, so every field has a value to offer.
            let template =
                serde_json::to_value(super::model::Service::default()).unwrap_or(Value::Null);
            if let Some(items) = self.tree.get_mut("services").and_then(Value::as_array_mut) {
                items.truncate(index);
                items.push(template);
            }
        }
        if let Some(items) = self.tree.get_mut("services").and_then(Value::as_array_mut) {
            items.truncate(index);
        }
        Ok(())
    }

    fn is_supplied(&self, key: &str) -> bool {
        self.supplied.iter().any(|k| {
            k == key || k.starts_with(&format!("{key}.")) || k.starts_with(&format!("{key}["))
        })
    }

    fn current<T: serde::de::DeserializeOwned>(&self, key: &str) -> Option<T> {
        load::lookup(&self.tree, key).and_then(|v| serde_json::from_value(v.clone()).ok())
    }

    fn current_text(&self, key: &str) -> String {
        match load::lookup(&self.tree, key) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                .collect::<Vec<_>>()
                .join(","),
            Some(Value::Null) | None => String::new(),
            Some(other) => other.to_string(),
        }
    }

    fn set(&mut self, key: &str, raw: &str) {
        // The value was checked by `problem` before it got here.
        let _ = load::set_value(&mut self.tree, key, raw);
    }

    fn choose(&mut self, key: &str, prompt: &str, items: &[&str]) -> Result<(), PromptError> {
        if self.is_supplied(key) {
            return Ok(());
        }
        let current = self.current_text(key);
        let default = items.iter().position(|i| *i == current).unwrap_or(0);
        let picked = self.prompter.select(prompt, items, default)?;
        let value = items.get(picked).copied().unwrap_or(items[default]);
        self.set(key, value);
        Ok(())
    }

    fn text(&mut self, key: &str, prompt: &str) -> Result<(), PromptError> {
        if self.is_supplied(key) {
            return Ok(());
        }
        let default = self.current_text(key);
        let tree = self.tree.clone();
        let check = move |text: &str| problem(&tree, key, text);
        let reply = self.prompter.input(prompt, &default, &check)?;
        self.set(key, &reply);
        Ok(())
    }
}

/// Returns the first problem with setting `key` to `text`, checking the
/// whole answers so cross-field rules apply while typing.
fn problem(tree: &Value, key: &str, text: &str) -> Result<(), String> {
    let mut candidate = tree.clone();
    let canonical = load::set_value(&mut candidate, key, text)?;
    let answers: Answers = serde_json::from_value(candidate).map_err(|err| err.to_string())?;
    let found = validate::validate(&answers).into_iter().find(|p| {
        p.key == canonical
            || p.key.starts_with(&format!("{canonical}["))
            || p.key.starts_with(&format!("{canonical}."))
    });
    match found {
        Some(p) => Err(p.rule),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::VecDeque;

    /// Replies from a script and records every prompt it was shown.
    #[derive(Default)]
    struct Script {
        replies: VecDeque<String>,
        asked: Vec<String>,
    }

    impl Prompter for Script {
        fn select(
            &mut self,
            prompt: &str,
            items: &[&str],
            default: usize,
        ) -> Result<usize, PromptError> {
            self.asked.push(prompt.to_string());
            let reply = self.replies.pop_front().unwrap_or_default();
            Ok(items.iter().position(|i| *i == reply).unwrap_or(default))
        }

        fn input(
            &mut self,
            prompt: &str,
            default: &str,
            check: &dyn Fn(&str) -> Result<(), String>,
        ) -> Result<String, PromptError> {
            self.asked.push(prompt.to_string());
            loop {
                let reply = self.replies.pop_front().ok_or(PromptError::Cancelled)?;
                let reply = if reply.is_empty() {
                    default.to_string()
                } else {
                    reply
                };
                if check(&reply).is_ok() {
                    return Ok(reply);
                }
                self.asked.push(format!("retry {prompt}"));
            }
        }

        fn confirm(&mut self, prompt: &str, default: bool) -> Result<bool, PromptError> {
            self.asked.push(prompt.to_string());
            Ok(match self.replies.pop_front().as_deref() {
                Some("y") => true,
                Some("n") => false,
                _ => default,
            })
        }
    }

    fn loaded() -> Loaded {
        load::load(&load::Sources {
            defaults: true,
            project_fallback: Some("shop".to_string()),
            ..load::Sources::default()
        })
        .unwrap()
    }

    #[test]
    fn on_prem_offers_only_self_hosted_vendors() {
        struct Capture(Vec<String>);
        impl Prompter for Capture {
            fn select(
                &mut self,
                prompt: &str,
                items: &[&str],
                _: usize,
            ) -> Result<usize, PromptError> {
                if prompt.starts_with("Where") {
                    return Ok(0);
                }
                self.0 = items.iter().map(|s| s.to_string()).collect();
                Err(PromptError::Cancelled)
            }
            fn input(
                &mut self,
                _: &str,
                _: &str,
                _: &dyn Fn(&str) -> Result<(), String>,
            ) -> Result<String, PromptError> {
                Err(PromptError::Cancelled)
            }
            fn confirm(&mut self, _: &str, _: bool) -> Result<bool, PromptError> {
                Err(PromptError::Cancelled)
            }
        }
        let mut capture = Capture(Vec::new());
        let _ = complete(&loaded(), &mut capture);
        assert_eq!(capture.0, vec!["kong", "envoy", "nginx"]);
    }

    #[test]
    fn invalid_replies_are_asked_again() {
        let replies = [
            "cloud", "kong", "Bad Name", "", "", "github", "", "jwt", "", "", "", "", "", "", "",
            "cart", "", "/cart", "", "n", "n",
        ];
        let mut script = Script {
            replies: replies.iter().map(|s| s.to_string()).collect(),
            ..Script::default()
        };
        let answers = complete(&loaded(), &mut script).unwrap();
        assert_eq!(answers.project, "shop");
        assert!(script.asked.iter().any(|p| p.starts_with("retry Project")));
        assert_eq!(answers.services.len(), 1);
        assert_eq!(answers.services[0].name, "cart");
        assert_eq!(answers.services[0].path, "/cart");
    }

    #[test]
    fn supplied_keys_are_not_asked() {
        let mut loaded = loaded();
        loaded.supplied = vec![
            "environment".into(),
            "vendor".into(),
            "project".into(),
            "services".into(),
        ];
        let mut script = Script {
            replies: std::iter::repeat_n(String::new(), 40).collect(),
            ..Script::default()
        };
        complete(&loaded, &mut script).unwrap();
        assert!(
            !script
                .asked
                .iter()
                .any(|p| p.starts_with("Where") || p.starts_with("Project"))
        );
        assert!(!script.asked.iter().any(|p| p.starts_with("Service name")));
    }

    #[test]
    fn no_prompt_never_asks() {
        let err = complete(&loaded(), &mut NoPrompt).unwrap_err();
        assert!(matches!(err, PromptError::NotInteractive));
    }
}
