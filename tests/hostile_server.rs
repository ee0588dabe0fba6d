//! A CA on a bad day (issue #12): pebble behind tests/testbed's `Interposer`, which corrupts
//! one step of a real issuance per test. Each test is named after what it guards and asserts
//! the exit status, the one line on standard error (the step and the cause), a time bound, and
//! that the keys, certificates and challenge directory are byte for byte as before with no
//! token file left — or, where acmebox must ride the fault out, that the new certificate is
//! right. docs/SECURITY.md ("Faults a CA can cause") lists the cases and results.
//!
//! Every scene starts with a certificate installed from pebble directly; the faulty run renews
//! it (`-F`) through the interposer. Pebble's paths: `/dir`, `/nonce-plz`, `/sign-me-up`,
//! `/order-plz`, `/authZ/`, `/chalZ/`, `/finalize-order/`, `/my-order/`, `/certZ/`.

mod common;

#[path = "hostile_server/chain.rs"]
mod chain;
#[path = "hostile_server/scene.rs"]
mod scene;

use std::time::Duration;

use scene::{origin_of, Scene};
use serde_json::json;
use testbed::{Action, Interposer, Rule, Tripwire};

/// Time bound of a run that fails on a fault at once: a whole issuance against pebble takes
/// a second or two; this leaves room for a loaded CI machine.
const PROMPT: Duration = Duration::from_secs(20);

/// The interposer in front of `scene`'s pebble with `rules`.
fn interpose(scene: &Scene, rules: Vec<Rule>) -> Interposer {
    Interposer::start(&scene.bed, rules).expect("start the interposer")
}

/// A rule answering `POST path` with a problem document.
fn problem_at(path: &str, status: u16, kind: &str, headers: &[(&str, &str)]) -> Rule {
    let action = Action::problem(status, kind, "injected by the interposer", headers);
    Rule::new("POST", path, action)
}

#[test]
fn malformed_json_in_the_order_fails_at_new_order() {
    let scene = Scene::new();
    let body = br#"{"status": pending, "authorizations": ["#.to_vec();
    let proxy = interpose(
        &scene,
        vec![Rule::new("POST", "/order-plz", Action::ReplaceBody(body))],
    );
    let t = scene.run(&proxy, &[]);
    scene.assert_failed(&t, PROMPT, "new order", &["malformed response"]);
}

/// Cut while polling the authorization, after the token file was written: it is removed.
#[test]
fn truncated_json_in_an_authorization_fails_and_removes_the_token() {
    let scene = Scene::new();
    let rule = Rule::new("POST", "/authZ/", Action::Truncate(40)).occurrences(2..=2);
    let proxy = interpose(&scene, vec![rule]);
    let t = scene.run(&proxy, &[]);
    scene.assert_failed(&t, PROMPT, "fetch authorization", &["malformed response"]);
    assert_eq!(
        proxy.count("POST", "/chalZ/"),
        1,
        "the challenge was answered"
    );
    assert_eq!(proxy.applied(0), 1);
}

#[test]
fn directory_with_a_wrong_content_type_still_issues() {
    let scene = Scene::new();
    let html = Action::SetHeader("Content-Type".into(), "text/html; charset=utf-8".into());
    let proxy = interpose(&scene, vec![Rule::new("GET", "/dir", html)]);
    let t = scene.run(&proxy, &[]);
    scene.assert_renewed(&t, PROMPT, &proxy);
    assert_eq!(proxy.applied(0), 1);
}

#[test]
fn certificate_of_100_mb_fails_at_the_body_limit() {
    let scene = Scene::new();
    let rule = Rule::new("POST", "/certZ/", Action::Flood(100 << 20));
    let proxy = interpose(&scene, vec![rule]);
    let t = scene.run(&proxy, &[]);
    let limit = format!(
        "exceeds the limit of {} bytes",
        acmebox::grant::MAX_BODY_BYTES
    );
    scene.assert_failed(&t, PROMPT, "download certificate", &[&limit]);
}

/// A body that never ends, while polling the authorization: the request timeout (half of
/// `--timeout`) or the run's deadline ends it, and the token file is removed.
#[test]
fn body_that_never_ends_fails_within_the_timeout() {
    let scene = Scene::new();
    let trickle = Action::Trickle(Duration::from_millis(100));
    // From the poll on: a retry of the request meets the same body.
    let rule = Rule::new("POST", "/authZ/", trickle).occurrences(2..=usize::MAX);
    let proxy = interpose(&scene, vec![rule]);
    let t = scene.run(&proxy, &["--timeout", "8"]);
    let within = Duration::from_secs(8 + 3);
    scene.assert_failed(&t, within, "authorization", &["timed out|--timeout"]);
    assert!(proxy.applied(0) >= 1);
}

#[test]
fn redirect_to_another_host_is_not_followed() {
    let scene = Scene::new();
    let trip = Tripwire::start().expect("tripwire");
    let to = format!("{}/order-plz", origin_of(&trip));
    let proxy = interpose(
        &scene,
        vec![Rule::new("POST", "/order-plz", Action::Redirect(to))],
    );
    let t = scene.run(&proxy, &[]);
    scene.assert_failed(&t, PROMPT, "new order", &["302", "redirect"]);
    assert_eq!(trip.connections(), 0, "the redirect was followed");
}

/// A URL pebble handed out, moved to a tripwire's host in `key` of the answers to `paths`:
/// the run fails naming `step` and never contacts the tripwire.
fn off_origin(key: &str, paths: &[&str], step: &str) {
    let scene = Scene::new();
    let trip = Tripwire::start().expect("tripwire");
    let rehost = Action::Rehost {
        key: key.into(),
        origin: origin_of(&trip),
    };
    let rules = (paths.iter())
        .map(|p| Rule::new("POST", p, rehost.clone()))
        .collect();
    let proxy = interpose(&scene, rules);
    let t = scene.run(&proxy, &[]);
    let host = format!("127.0.0.1:{}", trip.port());
    scene.assert_failed(&t, PROMPT, step, &["origin", &host]);
    assert_eq!(trip.connections(), 0, "the other host was contacted");
}

#[test]
fn challenge_url_on_another_host_is_never_contacted() {
    off_origin("url", &["/authZ/"], "fetch authorization");
}

#[test]
fn finalize_url_on_another_host_is_never_contacted() {
    off_origin("finalize", &["/order-plz"], "new order");
}

#[test]
fn certificate_url_on_another_host_is_never_contacted() {
    // Pebble names the certificate in the finalized order or in a later poll of it.
    let paths = ["/finalize-order/", "/my-order/"];
    off_origin("certificate", &paths, "finalize order|poll order");
}

#[test]
fn certificate_for_other_names_is_refused() {
    let scene = Scene::new();
    let names = ["acmebox-other.example.com".to_string()];
    let other = scene.chain_issued_elsewhere(&names, true);
    let proxy = interpose(
        &scene,
        vec![Rule::new("POST", "/certZ/", Action::ReplaceBody(other))],
    );
    let t = scene.run(&proxy, &[]);
    let causes = ["acmebox-other.example.com", "differ from the requested"];
    scene.assert_failed(&t, PROMPT, "check certificate", &causes);
}

#[test]
fn certificate_for_another_key_is_refused() {
    let scene = Scene::new();
    let other = scene.chain_issued_elsewhere(&scene.names, false);
    let proxy = interpose(
        &scene,
        vec![Rule::new("POST", "/certZ/", Action::ReplaceBody(other))],
    );
    let t = scene.run(&proxy, &[]);
    scene.assert_failed(&t, PROMPT, "check certificate", &["another key"]);
}

/// Two CA certificates issued by each other, the leaf (right names, right key) under one.
#[test]
fn looping_chain_is_refused() {
    let scene = Scene::new();
    let looping = chain::looping(&scene.names, &scene.domain_key());
    let rule = Rule::new("POST", "/certZ/", Action::ReplaceBody(looping));
    let proxy = interpose(&scene, vec![rule]);
    let t = scene.run(&proxy, &[]);
    scene.assert_failed(&t, PROMPT, "check certificate", &["loop|cycle"]);
}

#[test]
fn garbage_pem_is_refused() {
    // Armour around base64 of "Not a certificate, just garbage".
    let garbage = b"-----BEGIN CERTIFICATE-----\nTm90IGEgY2VydGlmaWNhdGUsIGp1c3QgZ2FyYmFnZQ==\n\
                    -----END CERTIFICATE-----\n"
        .to_vec();
    let rule = Rule::new("POST", "/certZ/", Action::ReplaceBody(garbage));
    let scene = Scene::new();
    let proxy = interpose(&scene, vec![rule]);
    let t = scene.run(&proxy, &[]);
    scene.assert_failed(&t, PROMPT, "check certificate", &["not a valid X.509"]);
}

/// The challenge answer never reaches pebble (answered `200` by the interposer), so the
/// authorization, and with it the order, never becomes ready: the run ends at `--timeout`
/// naming the step, the authorization's URL and its last status.
#[test]
fn order_that_never_becomes_ready_ends_at_the_timeout() {
    let scene = Scene::new();
    let pending = Action::Respond {
        status: 200,
        headers: vec![("Content-Type".into(), "application/json".into())],
        body: json!({"type": "http-01", "status": "pending"})
            .to_string()
            .into_bytes(),
    };
    let proxy = interpose(&scene, vec![Rule::new("POST", "/chalZ/", pending)]);
    // Margins wide enough for a loaded machine: stage loading and pebble's
    // answers come out of the same deadline.
    let t = scene.run(&proxy, &["--timeout", "10"]);
    let url = format!("{}/authZ/", proxy.origin());
    let within = Duration::from_secs(10 + 4);
    scene.assert_failed(&t, within, "authorization", &[&url, "pending"]);
    assert_eq!(proxy.applied(0), 1, "the challenge was answered once");
}

/// Finalized, but every answer about the order says `processing`: the run ends at
/// `--timeout` naming the step, the order's URL and its last status.
#[test]
fn order_that_never_becomes_valid_ends_at_the_timeout() {
    let scene = Scene::new();
    let processing = Action::SetJson {
        key: "status".into(),
        value: json!("processing"),
    };
    let rules = vec![
        Rule::new("POST", "/finalize-order/", processing.clone()),
        Rule::new("POST", "/my-order/", processing),
    ];
    let proxy = interpose(&scene, rules);
    let t = scene.run(&proxy, &["--timeout", "12"]);
    let url = format!("{}/my-order/", proxy.origin());
    let within = Duration::from_secs(12 + 4);
    scene.assert_failed(&t, within, "poll order", &[&url, "processing"]);
    assert!(proxy.applied(1) >= 1, "the order was polled");
}

/// Two 500s at newOrder, then pebble's answer: retried with backoff (1 s, 2 s), issued.
#[test]
fn storm_of_5xx_that_ends_is_ridden_out() {
    let scene = Scene::new();
    let storm = problem_at("/order-plz", 500, "serverInternal", &[]).first(2);
    let proxy = interpose(&scene, vec![storm]);
    let t = scene.run(&proxy, &[]);
    scene.assert_renewed(&t, PROMPT, &proxy);
    assert_eq!(
        proxy.count("POST", "/order-plz"),
        3,
        "two 500s, then success"
    );
}

/// 502 from a load balancer (an HTML page, no problem document) on every directory request: a
/// few retries with backoff (1 s, 2 s, 4 s), then exit 1 naming the step and the status, well
/// before `--timeout`.
#[test]
fn storm_of_5xx_that_does_not_end_fails_after_a_few_retries() {
    let scene = Scene::new();
    let storm = Action::Respond {
        status: 502,
        headers: vec![("Content-Type".into(), "text/html".into())],
        body: b"<html><body><h1>502 Bad Gateway</h1></body></html>\n".to_vec(),
    };
    let proxy = interpose(&scene, vec![Rule::new("GET", "/dir", storm)]);
    let t = scene.run(&proxy, &["--timeout", "60"]);
    scene.assert_failed(&t, PROMPT, "directory", &["502"]);
    assert_eq!(
        proxy.count("GET", "/dir"),
        4,
        "one request and three retries"
    );
}

/// 429 rateLimited with Retry-After: 2 at newOrder, once: acmebox waits at least that long,
/// asks again, and issues.
#[test]
fn rate_limited_with_retry_after_waits_and_issues() {
    let scene = Scene::new();
    let limited = problem_at("/order-plz", 429, "rateLimited", &[("Retry-After", "2")]).first(1);
    let proxy = interpose(&scene, vec![limited]);
    let t = scene.run(&proxy, &[]);
    scene.assert_renewed(&t, PROMPT, &proxy);
    let orders: Vec<_> = (proxy.exchanges().into_iter())
        .filter(|e| e.method == "POST" && e.path.starts_with("/order-plz"))
        .collect();
    assert_eq!(orders.len(), 2, "one 429, then the order: {orders:?}");
    let waited = orders[1].at.duration_since(orders[0].at);
    assert!(
        waited >= Duration::from_secs(2),
        "asked again after {waited:?}"
    );
}

/// badNonce (with a fresh Replay-Nonce) on every POST: retried a bounded number of times
/// (inside the network stage, never again by the host), then exit 1 at the first signed
/// request.
#[test]
fn bad_nonce_on_every_request_fails_after_a_bounded_number_of_retries() {
    let scene = Scene::new();
    let nonce = [("Replay-Nonce", "aW50ZXJwb3Nlci1ub25jZQ")];
    let proxy = interpose(&scene, vec![problem_at("/", 400, "badNonce", &nonce)]);
    let t = scene.run(&proxy, &[]);
    scene.assert_failed(&t, PROMPT, "register account", &["badNonce"]);
    // components/network acme.rs BAD_NONCE_RETRIES: 15 retries, 16 tries in all, chosen so
    // that a CA rejecting half of all nonces still issues (tests/pebble_faults.rs).
    let tries = proxy.count("POST", "/sign-me-up");
    assert_eq!(tries, 16, "newAccount sent {tries} times");
    assert_eq!(
        proxy.count("POST", "/"),
        tries,
        "nothing signed after newAccount"
    );
}
