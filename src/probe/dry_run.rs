//! `--dry-run`: the requests a run would send, check by check, without
//! resolving the host or opening a connection.

use std::fmt::Write;

use super::checks::CHECKS;
use super::{Options, ProbeError, context, validate};

/// Returns the plan of a run as text. Counts are upper bounds: a run sends
/// a shared GET once, and stops a burst early once it sees a 429.
pub fn dry_run(options: &Options) -> Result<String, ProbeError> {
    let target = validate(options)?;
    let context = context(options, target.clone(), "NONCE".to_string());
    let mut out = String::new();
    let _ = writeln!(out, "gatekit probe dry run: no request is sent");
    match options.address {
        Some(address) => {
            let _ = writeln!(
                out,
                "target: {} (not resolved; every request goes to {address})",
                target.url(&target.path)
            );
        }
        None => {
            let _ = writeln!(
                out,
                "target: {} (resolved once when the probe runs; every request goes to that \
                 address)",
                target.url(&target.path)
            );
        }
    }
    let _ = writeln!(
        out,
        "limits: at most {} requests and {} s",
        options.max_requests,
        options.max_time.as_secs()
    );
    let _ = writeln!(out, "\npreflight:\n  GET {} (https)", target.path);
    let mut left = options.max_requests.saturating_sub(1);
    let mut total = 1u32;
    for check in &CHECKS {
        let meta = check.meta;
        let _ = write!(out, "\n{} ({}):", meta.id, meta.control);
        let plan = match (check.plan)(&context) {
            Ok(plan) => plan,
            Err(reason) => {
                let _ = writeln!(out, " skipped: {reason}");
                continue;
            }
        };
        let needed: u32 = plan.iter().map(|p| p.count).sum();
        if needed > left {
            let _ = writeln!(
                out,
                " skipped: needs up to {needed} requests, but only {left} of --max-requests \
                 would be left"
            );
            continue;
        }
        left -= needed;
        total += needed;
        out.push('\n');
        for planned in plan {
            let _ = writeln!(out, "  {planned}");
        }
    }
    let _ = writeln!(out, "\nplanned: up to {total} requests in all");
    Ok(out)
}
