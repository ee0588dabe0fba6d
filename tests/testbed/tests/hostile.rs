//! The hostile CA itself, over plain HTTPS (ureq trusting its throwaway CA): what each script
//! setting does to the answers acmebox's network stage relies on.

use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{json, Value};
use testbed::{AfterResponse, HostileCa, Script, Step};

/// Status, Content-Type, Location, Replay-Nonce and body of one response.
struct Answer {
    status: u16,
    content_type: String,
    location: Option<String>,
    nonce: Option<String>,
    body: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

/// A client trusting only `ca`'s TLS root, keeping connections alive, not failing on 4xx.
fn client(ca: &HostileCa) -> ureq::Agent {
    let pem = std::fs::read(ca.ca_file()).unwrap();
    let root = ureq::tls::Certificate::from_pem(&pem).unwrap();
    let tls = ureq::tls::TlsConfig::builder()
        .root_certs(ureq::tls::RootCerts::Specific(Arc::new(vec![root])))
        .build();
    ureq::Agent::config_builder()
        .tls_config(tls)
        .proxy(None)
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into()
}

fn answer(mut response: ureq::http::Response<ureq::Body>) -> Answer {
    let header = |name: &str| {
        let value = response.headers().get(name)?;
        Some(value.to_str().ok()?.to_owned())
    };
    let (location, nonce) = (header("location"), header("replay-nonce"));
    let content_type = header("content-type").unwrap_or_default();
    Answer {
        status: response.status().as_u16(),
        content_type,
        location,
        nonce,
        body: response.body_mut().read_to_string().unwrap(),
    }
}

fn get(agent: &ureq::Agent, url: &str) -> Answer {
    answer(agent.get(url).call().unwrap())
}

/// POSTs a JWS-shaped body carrying `payload` (unsigned: the CA does not check signatures).
fn try_post(agent: &ureq::Agent, url: &str, payload: &str) -> Result<Answer, ureq::Error> {
    let jws = json!({
        "protected": URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#),
        "payload": URL_SAFE_NO_PAD.encode(payload),
        "signature": "",
    });
    let request = agent.post(url).content_type("application/jose+json");
    request.send(jws.to_string()).map(answer)
}

fn post(agent: &ureq::Agent, url: &str, payload: &str) -> Answer {
    try_post(agent, url, payload).unwrap()
}

fn new_order(agent: &ureq::Agent, ca: &HostileCa, names: &[&str]) -> Answer {
    let identifiers: Vec<Value> = (names.iter())
        .map(|n| json!({"type": "dns", "value": n}))
        .collect();
    let payload = json!({ "identifiers": identifiers }).to_string();
    post(agent, &format!("{}/new-order", ca.origin()), &payload)
}

#[test]
fn directory_and_nonce_answer_with_replay_nonce_on_one_connection() {
    let ca = HostileCa::start(Script::default()).unwrap();
    let agent = client(&ca);
    let dir = get(&agent, &ca.directory_url());
    assert_eq!(
        (dir.status, dir.content_type.as_str()),
        (200, "application/json")
    );
    let dir = dir.json();
    for key in ["newNonce", "newAccount", "newOrder"] {
        let url = dir[key].as_str().unwrap();
        assert!(url.starts_with(&ca.origin()), "{key}: {url}");
    }
    let head = |agent: &ureq::Agent| {
        let url = dir["newNonce"].as_str().unwrap();
        answer(agent.head(url).call().unwrap())
    };
    let (first, second) = (head(&agent), head(&agent));
    assert_eq!(first.status, 200);
    let nonces = [first.nonce.unwrap(), second.nonce.unwrap()];
    assert_ne!(nonces[0], nonces[1]);
    assert!(nonces
        .iter()
        .all(|n| n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')));
    assert_eq!(
        ca.connections(),
        1,
        "keep-alive: one connection for three requests"
    );
    assert_eq!(ca.count("HEAD", "/nonce"), 2);
    assert_eq!(ca.requests()[0], ("GET".to_owned(), "/dir".to_owned()));
}

#[test]
fn account_and_order_locations_are_the_scripted_bytes() {
    let script = Script {
        account_location: "{origin}/acct/1\tx".into(),
        order_location: "{origin}/my-order".into(),
        ..Script::default()
    };
    let ca = HostileCa::start(script).unwrap();
    let agent = client(&ca);
    let account = post(&agent, &format!("{}/new-account", ca.origin()), "{}");
    assert_eq!(account.status, 201);
    assert!(account.nonce.is_some());
    assert_eq!(account.location, Some(format!("{}/acct/1\tx", ca.origin())));
    let order = new_order(&agent, &ca, &["a.test"]);
    assert_eq!(order.status, 201);
    let location = order.location.clone().unwrap();
    assert_eq!(location, format!("{}/my-order", ca.origin()));
    let fetched = post(&agent, &location, "");
    assert_eq!(fetched.json()["status"], "pending");
}

#[test]
fn location_bytes_are_sent_raw_even_when_no_client_should_accept_them() {
    let ca = HostileCa::start(Script {
        account_location: "{origin}/acct/\u{1b}[2K".into(),
        ..Script::default()
    })
    .unwrap();
    let agent = client(&ca);
    let refused = try_post(&agent, &format!("{}/new-account", ca.origin()), "{}");
    // ureq's header parser refuses the ESC, so the CA did send it as is.
    let error = refused.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(error.contains("invalid header value"), "{error}");
}

#[test]
fn a_flood_of_authorizations_round_robin_each_with_its_own_token() {
    let ca = HostileCa::start(Script {
        authorizations: Some(5),
        ..Script::default()
    })
    .unwrap();
    let agent = client(&ca);
    let order = new_order(&agent, &ca, &["a.test", "b.test"]).json();
    let urls = order["authorizations"].as_array().unwrap();
    assert_eq!(urls.len(), 5);
    let mut tokens = Vec::new();
    for (i, url) in urls.iter().enumerate() {
        let authz = post(&agent, url.as_str().unwrap(), "").json();
        assert_eq!(authz["status"], "pending");
        let want = ["a.test", "b.test"][i % 2];
        assert_eq!(authz["identifier"]["value"], want);
        let challenge = &authz["challenges"][0];
        assert_eq!(challenge["type"], "http-01");
        tokens.push(challenge["token"].as_str().unwrap().to_owned());
    }
    tokens.sort();
    tokens.dedup();
    assert_eq!(tokens.len(), 5, "{tokens:?}");
    assert!(tokens.iter().all(|t| t.len() >= 22));
}

#[test]
fn answered_challenge_stays_pending_or_turns_invalid_with_the_raw_problem() {
    let ca = HostileCa::start(Script {
        token: Some("fixed-token-aaaaaaaaaaaaaa".into()),
        ..Script::default()
    })
    .unwrap();
    let agent = client(&ca);
    let order = new_order(&agent, &ca, &["a.test"]).json();
    let authz_url = order["authorizations"][0].as_str().unwrap().to_owned();
    let challenge = post(&agent, &authz_url, "").json()["challenges"][0].clone();
    assert_eq!(challenge["token"], "fixed-token-aaaaaaaaaaaaaa");
    post(&agent, challenge["url"].as_str().unwrap(), "{}");
    assert_eq!(post(&agent, &authz_url, "").json()["status"], "pending");

    let problem = "{\n  \"type\": \"urn:x\",\n  \"detail\": \"no\u{7f}\"\n}";
    let ca = HostileCa::start(Script {
        after_response: AfterResponse::Invalid(problem.into()),
        ..Script::default()
    })
    .unwrap();
    let agent = client(&ca);
    let order = new_order(&agent, &ca, &["a.test"]).json();
    let authz_url = order["authorizations"][0].as_str().unwrap().to_owned();
    let challenge = post(&agent, &authz_url, "").json()["challenges"][0].clone();
    post(&agent, challenge["url"].as_str().unwrap(), "{}");
    let authz = post(&agent, &authz_url, "");
    assert!(authz.body.contains(problem), "{}", authz.body);
    let authz = authz.json();
    assert_eq!(authz["status"], "invalid");
    assert_eq!(authz["challenges"][0]["error"]["detail"], "no\u{7f}");
}

#[test]
fn scripted_problem_is_answered_at_its_step() {
    let body = r#"{"type":"urn:ietf:params:acme:error:rejectedIdentifier","detail":"no"}"#;
    let ca = HostileCa::start(Script {
        problem: Some((Step::NewOrder, 403, body.into())),
        ..Script::default()
    })
    .unwrap();
    let agent = client(&ca);
    let account = post(&agent, &format!("{}/new-account", ca.origin()), "{}");
    assert_eq!(account.status, 201);
    let order = new_order(&agent, &ca, &["a.test"]);
    assert_eq!(order.status, 403);
    assert_eq!(order.content_type, "application/problem+json");
    assert_eq!(order.body, body);
    assert!(order.nonce.is_some());
}

#[test]
fn valid_authorizations_lead_to_a_certificate_download() {
    let pem = "-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n";
    let script = Script {
        after_response: AfterResponse::Valid,
        certificate: Some(pem.into()),
        ..Script::default()
    };
    let ca = HostileCa::start(script).unwrap();
    let agent = client(&ca);
    let order = new_order(&agent, &ca, &["a.test"]);
    let order_url = order.location.clone().unwrap();
    let authz_url = order.json()["authorizations"][0]
        .as_str()
        .unwrap()
        .to_owned();
    let challenge = post(&agent, &authz_url, "").json()["challenges"][0].clone();
    post(&agent, challenge["url"].as_str().unwrap(), "{}");
    assert_eq!(post(&agent, &order_url, "").json()["status"], "ready");
    let finalized = post(&agent, &format!("{}/finalize", ca.origin()), "{}").json();
    assert_eq!(finalized["status"], "valid");
    let cert = post(&agent, finalized["certificate"].as_str().unwrap(), "");
    assert_eq!(cert.content_type, "application/pem-certificate-chain");
    assert_eq!(cert.body, pem);
}

#[test]
fn delay_slows_every_response() {
    let ca = HostileCa::start(Script {
        delay: Duration::from_millis(300),
        ..Script::default()
    })
    .unwrap();
    let agent = client(&ca);
    let started = Instant::now();
    get(&agent, &ca.directory_url());
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[test]
fn directory_can_be_padded_or_redirected() {
    let ca = HostileCa::start(Script {
        directory_size: Some(4096),
        ..Script::default()
    })
    .unwrap();
    let padded = get(&client(&ca), &ca.directory_url());
    assert_eq!(padded.body.len(), 4096);
    assert!(padded.json()["newNonce"].is_string(), "still the directory");

    let ca = HostileCa::start(Script {
        directory_redirect: Some("{origin}/elsewhere".into()),
        ..Script::default()
    })
    .unwrap();
    let pem = std::fs::read(ca.ca_file()).unwrap();
    let root = ureq::tls::Certificate::from_pem(&pem).unwrap();
    let tls = ureq::tls::TlsConfig::builder()
        .root_certs(ureq::tls::RootCerts::Specific(Arc::new(vec![root])))
        .build();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .tls_config(tls)
        .proxy(None)
        .max_redirects(0)
        .build()
        .into();
    let moved = get(&agent, &ca.directory_url());
    assert_eq!(moved.status, 302);
    assert_eq!(moved.location, Some(format!("{}/elsewhere", ca.origin())));
}
