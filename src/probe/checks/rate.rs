//! Rate limiting: a burst just above the configured allowance gets 429,
//! and spoofed client-address headers do not reset the limit.

use std::time::{Duration, Instant};

use super::{BurstResult, Check, Planned, Session, Verdict, finding, skip_for};
use crate::finding::{Confidence, Finding, Location, Owasp, RuleMeta, Severity};
use crate::probe::client::{Port, SendError};
use crate::probe::context::Context;
use crate::probe::http::{Header, Request, Response};
use crate::probe::limits::RateModel;

/// Requests per pipelined batch. The first burst stops after the first
/// batch that got a 429, so at most this many requests go out after the
/// limit engaged.
const BATCH: u64 = 10;

/// Spoofed and unspoofed request pairs in the second burst.
const PAIRS: u64 = 10;

static LIMIT_META: RuleMeta = RuleMeta {
    id: "probe-rate-limit",
    title: "A burst above the configured rate limit gets 429",
    severity: Severity::High,
    confidence: Confidence::High,
    control: "GK-RATE-01",
    owasp: Owasp::Api4,
    rationale: "Without a working per-client limit one client can exhaust the gateway and its \
        upstreams, or guess credentials at full speed.",
    fix: "Apply the per-client limit from the answers to every route and reject excess \
        requests with 429 (NGINX `limit_req` with `limit_req_status 429`).",
};

static SPOOFED_IP_META: RuleMeta = RuleMeta {
    id: "probe-rate-limit-spoofed-ip",
    title: "Spoofed X-Forwarded-For and X-Real-IP do not reset the rate limit",
    severity: Severity::High,
    confidence: Confidence::Medium,
    control: "GK-NET-01",
    owasp: Owasp::Api4,
    rationale: "A gateway that takes the client address from headers it does not get from a \
        trusted proxy gives every request with a new made-up address a fresh allowance.",
    fix: "Take the client address from X-Forwarded-For only when the connection comes from \
        the trusted proxy ranges in the answers (NGINX `set_real_ip_from` with those ranges \
        only, Kong `trusted_ips`, Envoy `xff_num_trusted_hops`).",
};

/// `probe-rate-limit`.
pub const LIMIT: Check = Check {
    meta: &LIMIT_META,
    plan: plan_limit,
    run: run_limit,
};

/// `probe-rate-limit-spoofed-ip`.
pub const SPOOFED_IP: Check = Check {
    meta: &SPOOFED_IP_META,
    plan: plan_spoofed,
    run: run_spoofed,
};

/// Where bursts go and with which header.
struct BurstTarget {
    method: String,
    path: String,
    credential: Option<Header>,
    model: RateModel,
}

impl BurstTarget {
    fn request(&self) -> Request {
        let mut request = Request::new(&self.method, &self.path);
        if let Some(header) = &self.credential {
            request = request.header(header.clone());
        }
        request
    }

    fn note(&self) -> &'static str {
        if self.credential.is_some() {
            "with the credential"
        } else {
            "no credentials"
        }
    }
}

/// Picks a public route, else a protected route with the credential, else
/// a protected route without one where the vendor's limiter counts
/// unauthenticated requests.
fn burst_target(context: &Context) -> Result<BurstTarget, String> {
    let model = context.rate_model()?;
    let method = |methods: &[String]| {
        if methods.is_empty() || methods.iter().any(|m| m == "GET") {
            "GET".to_string()
        } else {
            methods[0].clone()
        }
    };
    if let Some(route) = context.public().first() {
        return Ok(BurstTarget {
            method: method(&route.methods),
            path: route.path.clone(),
            credential: None,
            model,
        });
    }
    let route = *context
        .protected()
        .first()
        .ok_or_else(|| "the answers list no service".to_string())?;
    let credential = context.credential_header();
    if credential.is_none() && !model.counts_unauthenticated {
        return Err(
            "this vendor's limiter counts only authenticated requests and every route needs \
             credentials; give a credential (--credential-file or --credential-env)"
                .to_string(),
        );
    }
    Ok(BurstTarget {
        method: method(&route.methods),
        path: route.path.clone(),
        credential,
        model,
    })
}

fn plan_limit(context: &Context) -> Result<Vec<Planned>, String> {
    let target = burst_target(context)?;
    let size = u32::try_from(target.model.burst_size()).unwrap_or(u32::MAX);
    Ok(vec![
        Planned::one(Port::Https, &target.method, &target.path)
            .times(size)
            .note(format!(
                "{}; pipelined in batches of {BATCH}, stopping after the first batch with a 429",
                target.note()
            )),
    ])
}

/// Counts of one burst.
#[derive(Debug, Default)]
struct Tally {
    sent: u64,
    passed: u64,
    too_many: u64,
    unavailable: u64,
    errors: u64,
    last_error: String,
}

impl Tally {
    fn add(&mut self, result: Result<Response, SendError>) -> Result<(), SendError> {
        self.sent += 1;
        match result {
            Ok(response) if response.status == 429 => self.too_many += 1,
            Ok(response) if response.status == 503 => self.unavailable += 1,
            Ok(_) => self.passed += 1,
            Err(error @ SendError::Budget(_)) => return Err(error),
            Err(error) => {
                self.errors += 1;
                self.last_error = error.to_string();
            }
        }
        Ok(())
    }
}

fn run_limit(session: &mut Session, context: &Context) -> Verdict {
    let target = match burst_target(context) {
        Ok(target) => target,
        Err(reason) => return Verdict::Skip(reason),
    };
    let size = target.model.burst_size();
    let url = session.client.url(Port::Https, &target.path);
    let mut tally = Tally::default();
    let start = Instant::now();
    while tally.sent < size && tally.too_many == 0 {
        let count = BATCH.min(size - tally.sent);
        let requests: Vec<Request> = (0..count).map(|_| target.request()).collect();
        for result in session.client.send_burst(&requests) {
            if let Err(error) = tally.add(result) {
                return skip_for(&error);
            }
        }
    }
    let elapsed = start.elapsed();
    session.burst = Some(BurstResult {
        limited: tally.too_many > 0,
    });
    judge_limit(&target, &tally, elapsed, &url)
}

fn judge_limit(target: &BurstTarget, tally: &Tally, elapsed: Duration, url: &str) -> Verdict {
    if tally.too_many > 0 {
        return Verdict::Pass;
    }
    if tally.errors * 2 > tally.sent {
        return Verdict::Skip(format!(
            "{} of {} burst requests got no response (last: {})",
            tally.errors, tally.sent, tally.last_error
        ));
    }
    let allowance = target.model.allowance(elapsed);
    let seconds = elapsed.as_secs_f64();
    if tally.unavailable > 0 && tally.passed <= allowance {
        let message = format!(
            "A burst of {} {} {} requests in {seconds:.2} s was limited with 503, not 429, for \
             {} of them.",
            tally.sent, target.method, target.path, tally.unavailable
        );
        return Verdict::Fail(vec![
            Finding::builder(&LIMIT_META)
                .at(Location::url(url), message)
                .severity(Severity::Low)
                .context(format!("{} 503", target.path))
                .build(),
        ]);
    }
    if tally.passed <= allowance {
        return Verdict::Skip(format!(
            "{} requests in {seconds:.2} s stayed within the {allowance} this limit allows in \
             that time, so the burst was too slow to exceed it",
            tally.passed
        ));
    }
    Verdict::Fail(vec![finding(
        &LIMIT_META,
        url,
        format!(
            "A burst of {} {} {} requests in {seconds:.2} s got no 429, although the answers \
             allow at most {allowance} in that time.",
            tally.sent, target.method, target.path
        ),
        &target.path,
    )])
}

fn plan_spoofed(context: &Context) -> Result<Vec<Planned>, String> {
    let target = burst_target(context)?;
    Ok(vec![
        Planned::one(Port::Https, &target.method, &target.path)
            .times(PAIRS as u32 * 2)
            .note(format!(
                "{}; every other request with a made-up X-Forwarded-For and X-Real-IP, right \
                 after the rate-limit burst",
                target.note()
            )),
    ])
}

/// A made-up client address for pair `i`, from the documentation ranges
/// of RFC 5737, which no real client has.
fn spoofed_address(i: u64) -> String {
    let block = if i.is_multiple_of(2) {
        "198.51.100"
    } else {
        "203.0.113"
    };
    format!("{block}.{}", 1 + (i % 250))
}

fn run_spoofed(session: &mut Session, context: &Context) -> Verdict {
    let target = match burst_target(context) {
        Ok(target) => target,
        Err(reason) => return Verdict::Skip(reason),
    };
    match session.burst {
        Some(BurstResult { limited: true }) => {}
        Some(BurstResult { limited: false }) => {
            return Verdict::Skip(
                "the rate-limit burst got no 429, so there was no limit to reset".to_string(),
            );
        }
        None => {
            return Verdict::Skip("the rate-limit burst did not run".to_string());
        }
    }
    let url = session.client.url(Port::Https, &target.path);
    let mut spoofed = Tally::default();
    let mut control = Tally::default();
    let mut pair = 0;
    while pair < PAIRS {
        let count = (BATCH / 2).min(PAIRS - pair);
        let mut requests = Vec::new();
        for i in pair..pair + count {
            let address = spoofed_address(i);
            requests.push(
                target
                    .request()
                    .header(Header::new("X-Forwarded-For", address.clone()))
                    .header(Header::new("X-Real-IP", address)),
            );
            requests.push(target.request());
        }
        for (i, result) in session.client.send_burst(&requests).into_iter().enumerate() {
            let tally = if i % 2 == 0 {
                &mut spoofed
            } else {
                &mut control
            };
            if let Err(error) = tally.add(result) {
                return skip_for(&error);
            }
        }
        pair += count;
    }
    judge_spoofed(&target, &spoofed, &control, &url)
}

fn judge_spoofed(target: &BurstTarget, spoofed: &Tally, control: &Tally, url: &str) -> Verdict {
    if (spoofed.errors + control.errors) * 2 > spoofed.sent + control.sent {
        return Verdict::Skip(format!(
            "{} of {} requests got no response (last: {})",
            spoofed.errors + control.errors,
            spoofed.sent + control.sent,
            spoofed.last_error
        ));
    }
    if control.passed * 2 > control.sent {
        return Verdict::Skip(format!(
            "the limit was no longer engaged: {} of {} requests without spoofed headers passed",
            control.passed, control.sent
        ));
    }
    // Refilled allowance goes to spoofed and plain requests alike, since
    // they alternate; a clear surplus for the spoofed ones is the header.
    let tolerance = (PAIRS / 5).max(2);
    if spoofed.passed > control.passed + tolerance {
        return Verdict::Fail(vec![finding(
            &SPOOFED_IP_META,
            url,
            format!(
                "With a made-up X-Forwarded-For and X-Real-IP, {} of {} {} {} requests passed \
                 the rate limit, against {} of {} alternating requests without them.",
                spoofed.passed,
                spoofed.sent,
                target.method,
                target.path,
                control.passed,
                control.sent
            ),
            &target.path,
        )]);
    }
    Verdict::Pass
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::limits::Refill;

    fn target() -> BurstTarget {
        BurstTarget {
            method: "GET".to_string(),
            path: "/public".to_string(),
            credential: None,
            model: RateModel {
                bucket: 21,
                per_second: 10,
                refill: Refill::Continuous,
                nodes: 1,
                counts_unauthenticated: true,
            },
        }
    }

    fn tally(sent: u64, passed: u64, too_many: u64, unavailable: u64) -> Tally {
        Tally {
            sent,
            passed,
            too_many,
            unavailable,
            ..Tally::default()
        }
    }

    #[test]
    fn a_429_passes() {
        let verdict = judge_limit(
            &target(),
            &tally(30, 21, 9, 0),
            Duration::from_millis(50),
            "u",
        );
        assert_eq!(verdict, Verdict::Pass);
    }

    #[test]
    fn no_429_beyond_allowance_fails() {
        let verdict = judge_limit(
            &target(),
            &tally(37, 37, 0, 0),
            Duration::from_millis(50),
            "u",
        );
        assert!(matches!(verdict, Verdict::Fail(_)), "{verdict:?}");
    }

    #[test]
    fn slow_burst_is_inconclusive() {
        let verdict = judge_limit(&target(), &tally(37, 37, 0, 0), Duration::from_secs(2), "u");
        assert!(matches!(verdict, Verdict::Skip(_)), "{verdict:?}");
    }

    #[test]
    fn limit_with_503_is_a_low_finding() {
        let verdict = judge_limit(
            &target(),
            &tally(37, 21, 0, 16),
            Duration::from_millis(50),
            "u",
        );
        let Verdict::Fail(findings) = verdict else {
            panic!("expected a finding");
        };
        assert_eq!(findings[0].severity, Severity::Low);
    }

    #[test]
    fn spoofed_surplus_fails() {
        let spoofed = tally(10, 10, 0, 0);
        let control = tally(10, 1, 9, 0);
        let verdict = judge_spoofed(&target(), &spoofed, &control, "u");
        assert!(matches!(verdict, Verdict::Fail(_)), "{verdict:?}");
    }

    #[test]
    fn equal_refill_passes() {
        let spoofed = tally(10, 2, 8, 0);
        let control = tally(10, 1, 9, 0);
        assert_eq!(
            judge_spoofed(&target(), &spoofed, &control, "u"),
            Verdict::Pass
        );
    }

    #[test]
    fn disengaged_limit_is_inconclusive() {
        let spoofed = tally(10, 10, 0, 0);
        let control = tally(10, 9, 1, 0);
        let verdict = judge_spoofed(&target(), &spoofed, &control, "u");
        assert!(matches!(verdict, Verdict::Skip(_)), "{verdict:?}");
    }

    #[test]
    fn spoofed_addresses_are_documentation_ranges() {
        for i in 0..PAIRS {
            let address = spoofed_address(i);
            assert!(
                address.starts_with("198.51.100.") || address.starts_with("203.0.113."),
                "{address}"
            );
        }
    }
}
