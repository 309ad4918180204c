//! Drives the real binary through a pseudo-terminal, as a person would.

use rexpect::session::PtySession;

const TIMEOUT_MS: u64 = 30_000;

fn answer(session: &mut PtySession, prompt: &str, reply: &str) {
    session
        .exp_string(prompt)
        .unwrap_or_else(|e| panic!("prompt {prompt:?} not shown: {e}"));
    session.send_line(reply).unwrap();
}

#[test]
fn interactive_new_asks_validates_and_writes() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("shop-gateway");
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_gatekit"));
    command
        .arg("new")
        .arg(&target)
        .env("NO_COLOR", "1")
        .env("TERM", "dumb");
    let mut session = rexpect::session::spawn_command(command, Some(TIMEOUT_MS)).unwrap();

    answer(&mut session, "Where will the gateway run?", "");
    answer(&mut session, "Which gateway?", "");
    answer(&mut session, "Project name", "");
    answer(&mut session, "One-line description", "Shop API");
    answer(&mut session, "Which CI system?", "");
    answer(
        &mut session,
        "Host names the gateway serves",
        "api.shop.example.com",
    );
    answer(&mut session, "How do clients authenticate?", "");
    answer(&mut session, "Token issuer URL", "");
    answer(&mut session, "JWKS URL", "");
    answer(&mut session, "Accepted audiences", "");
    answer(&mut session, "Requests per second per client", "0");
    // The first reply breaks a rule: the prompt explains and asks again.
    session.exp_string("between 1 and 100000").unwrap();
    session.send_line("25").unwrap();
    answer(&mut session, "Burst above that rate", "");
    answer(&mut session, "Allowed CORS origins", "");
    answer(&mut session, "AWS region", "");
    answer(&mut session, "Service name", "cart");
    answer(
        &mut session,
        "Upstream URL",
        "https://cart.internal.example.com",
    );
    answer(&mut session, "Path prefix", "/cart");
    answer(&mut session, "Methods", "GET,POST");
    answer(&mut session, "Reachable without authentication?", "n");
    answer(&mut session, "Add another service?", "n");
    session.exp_string("wrote").unwrap();
    session.exp_eof().unwrap();

    let record = std::fs::read_to_string(target.join(".gatekit/answers.yaml")).unwrap();
    assert!(record.contains("project: \"shop-gateway\""), "{record}");
    assert!(record.contains("description: \"Shop API\""), "{record}");
    assert!(record.contains("per_second: 25"), "{record}");
    assert!(record.contains("name: \"cart\""), "{record}");
    assert!(record.contains("- \"api.shop.example.com\""), "{record}");
}
