//! The interposer itself, over plain HTTPS (ureq trusting its throwaway CA) in front of a real
//! pebble: relaying, pebble's URLs on the interposer's origin, rules by occurrence, and what
//! the tests of tests/hostile_server.rs count.

use std::io::Read;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;
use testbed::{Action, Interposer, Rule, Testbed};

/// A client trusting only `proxy`'s TLS root, not failing on 4xx and 5xx.
fn client(proxy: &Interposer) -> ureq::Agent {
    let pem = std::fs::read(proxy.ca_file()).unwrap();
    let root = ureq::tls::Certificate::from_pem(&pem).unwrap();
    let tls = ureq::tls::TlsConfig::builder()
        .root_certs(ureq::tls::RootCerts::Specific(Arc::new(vec![root])))
        .build();
    ureq::Agent::config_builder()
        .tls_config(tls)
        .proxy(None)
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into()
}

/// Status, a header and the body of `GET url`.
fn get(agent: &ureq::Agent, url: &str, header: &str) -> (u16, Option<String>, String) {
    let mut response = agent.get(url).call().unwrap();
    let value = (response.headers().get(header)).and_then(|v| Some(v.to_str().ok()?.to_owned()));
    let body = response.body_mut().read_to_string().unwrap();
    (response.status().as_u16(), value, body)
}

#[test]
fn relays_pebble_with_its_urls_on_the_interposer_and_acts_by_occurrence() {
    let bed = Testbed::start().unwrap();
    let gone = Action::problem(503, "serverInternal", "down", &[("Retry-After", "1")]);
    let html = Action::SetHeader("Content-Type".into(), "text/html".into());
    let rules = vec![
        Rule::new("GET", "/dir", gone).occurrences(2..=2),
        Rule::new("GET", "/dir", html),
    ];
    let proxy = Interposer::start(&bed, rules).unwrap();
    let agent = client(&proxy);

    let (status, kind, body) = get(&agent, &proxy.directory_url(), "content-type");
    assert_eq!((status, kind.as_deref()), (200, Some("text/html")));
    let dir: Value = serde_json::from_str(&body).unwrap();
    let new_order = dir["newOrder"].as_str().unwrap();
    assert_eq!(new_order, format!("{}/order-plz", proxy.origin()));

    let (status, after, body) = get(&agent, &proxy.directory_url(), "retry-after");
    assert_eq!((status, after.as_deref()), (503, Some("1")));
    assert!(
        body.contains("urn:ietf:params:acme:error:serverInternal"),
        "{body}"
    );

    // The first rule is done; the second still counts its third request.
    let (status, kind, _) = get(&agent, &proxy.directory_url(), "content-type");
    assert_eq!((status, kind.as_deref()), (200, Some("text/html")));

    let nonce = agent
        .head(dir["newNonce"].as_str().unwrap())
        .call()
        .unwrap();
    assert!(nonce.headers().get("replay-nonce").is_some());
    assert_eq!(proxy.count("GET", "/dir"), 3);
    assert_eq!((proxy.applied(0), proxy.applied(1)), (1, 2));
    let statuses: Vec<u16> = proxy.exchanges().iter().map(|e| e.status).collect();
    assert_eq!(statuses, [200, 503, 200, 200]);
}

#[test]
fn redirects_floods_and_trickles() {
    let bed = Testbed::start().unwrap();
    let rules = vec![
        Rule::new(
            "GET",
            "/redirect",
            Action::Redirect("https://elsewhere.test/".into()),
        ),
        Rule::new("GET", "/flood", Action::Flood(3 << 20)),
        Rule::new(
            "GET",
            "/trickle",
            Action::Trickle(Duration::from_millis(20)),
        ),
    ];
    let proxy = Interposer::start(&bed, rules).unwrap();
    let agent = client(&proxy);

    let (status, to, _) = get(&agent, &format!("{}/redirect", proxy.origin()), "location");
    assert_eq!(
        (status, to.as_deref()),
        (302, Some("https://elsewhere.test/"))
    );

    let mut flood = agent
        .get(&format!("{}/flood", proxy.origin()))
        .call()
        .unwrap();
    let body = flood
        .body_mut()
        .with_config()
        .limit(4 << 20)
        .read_to_vec()
        .unwrap();
    assert_eq!(body.len(), 3 << 20);

    let started = Instant::now();
    let mut trickle = agent
        .get(&format!("{}/trickle", proxy.origin()))
        .call()
        .unwrap();
    let mut reader = trickle.body_mut().as_reader();
    let mut got = [0u8; 10];
    reader.read_exact(&mut got).unwrap();
    assert_eq!(&got, b"          ");
    assert!(
        started.elapsed() >= Duration::from_millis(150),
        "{:?}",
        started.elapsed()
    );
}
