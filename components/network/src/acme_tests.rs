//! Session tests against a scripted transport and a fake signer.

use std::cell::RefCell;
use std::collections::VecDeque;

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use serde_json::Value;

use super::*;
use crate::retry::Retry;

const DIR: &str = "https://ca.test:14000/dir";

/// A recorded request: (method, url, body, accept).
type Sent = (Method, String, String, Option<String>);

/// Replies in order; records every request.
#[derive(Default)]
struct Script {
    replies: RefCell<VecDeque<Result<Reply, Failure>>>,
    sent: RefCell<Vec<Sent>>,
}

impl Transport for &Script {
    fn send(&self, req: &Request<'_>) -> Result<Reply, Failure> {
        let accept = req.accept.map(str::to_string);
        let entry = (
            req.method,
            req.url.to_string(),
            req.body.to_string(),
            accept,
        );
        self.sent.borrow_mut().push(entry);
        (self.replies.borrow_mut().pop_front()).unwrap_or_else(|| Err("no reply scripted".into()))
    }
}

struct FakeSigner;

impl Signer for FakeSigner {
    fn public_key(&self) -> Result<PublicKey, String> {
        Ok(PublicKey {
            alg: "ES256".into(),
            jwk: r#"{"crv":"P-256","kty":"EC","x":"x","y":"y"}"#.into(),
        })
    }
    fn sign(&self, _input: &str) -> Result<String, String> {
        Ok("c2ln".into())
    }
    fn external_account_mac(&self, _input: &str) -> Result<String, String> {
        Ok("jLgU1Cf17AFz6Wd_36KgExBI8Y69ylONrFK02Pl3cIs".into())
    }
    fn rollover_public_key(&self) -> Result<PublicKey, String> {
        Ok(PublicKey {
            alg: "ES384".into(),
            jwk: r#"{"crv":"P-384","kty":"EC","x":"n","y":"m"}"#.into(),
        })
    }
    fn rollover_sign(&self, _input: &str) -> Result<String, String> {
        Ok("bmV3".into())
    }
}

fn reply(status: u16, nonce: &str, location: Option<&str>, body: &str) -> Result<Reply, Failure> {
    Ok(Reply {
        status,
        location: location.map(str::to_string),
        nonce: Some(nonce.to_string()).filter(|n| !n.is_empty()),
        retry_after: None,
        links: Vec::new(),
        body: body.as_bytes().to_vec(),
    })
}

/// [`reply`] with a Retry-After header.
fn reply_after(status: u16, nonce: &str, retry_after: &str, body: &str) -> Result<Reply, Failure> {
    let mut r = reply(status, nonce, None, body)?;
    r.retry_after = Some(retry_after.to_string());
    Ok(r)
}

fn directory(extra: &str) -> Result<Reply, Failure> {
    let body = format!(
        r#"{{"newNonce":"https://ca.test:14000/nonce","newAccount":"https://ca.test:14000/acct",
            "revokeCert":"https://ca.test:14000/revoke","newOrder":"{}","meta":{{"termsOfService":"https://tos.test/"}}}}"#,
        if extra.is_empty() {
            "https://ca.test:14000/order"
        } else {
            extra
        }
    );
    reply(200, "", None, &body)
}

/// The protected header of a recorded JWS body.
fn header(body: &str) -> Value {
    let v: Value = serde_json::from_str(body).unwrap();
    let p = B64.decode(v["protected"].as_str().unwrap()).unwrap();
    serde_json::from_slice(&p).unwrap()
}

fn payload(body: &str) -> String {
    let v: Value = serde_json::from_str(body).unwrap();
    String::from_utf8(B64.decode(v["payload"].as_str().unwrap()).unwrap()).unwrap()
}

const ORDER: &str = r#"{"status":"pending","identifiers":[{"type":"dns","value":"a.test"}],
    "authorizations":["https://ca.test:14000/authz/1"],"finalize":"https://ca.test:14000/fin/1"}"#;

fn opened(script: &Script) -> Session<&Script, FakeSigner> {
    script.replies.borrow_mut().extend([
        directory(""),
        reply(200, "n1", None, ""),
        reply(201, "n2", Some("https://ca.test:14000/acct/7"), "{}"),
    ]);
    let mut s = Session::open(script, FakeSigner, DIR).unwrap();
    assert_eq!(s.account().unwrap(), "https://ca.test:14000/acct/7");
    s
}

#[test]
fn open_account_and_order() {
    let script = Script::default();
    let mut s = opened(&script);
    script.replies.borrow_mut().extend([reply(
        201,
        "n3",
        Some("https://ca.test:14000/o/1"),
        ORDER,
    )]);
    let order = s.new_order(&["a.test".to_string()], None).unwrap();
    assert_eq!(order.url, "https://ca.test:14000/o/1");
    assert_eq!(order.status, "pending");
    assert_eq!(order.finalize, "https://ca.test:14000/fin/1");

    let sent = script.sent.borrow();
    let methods: Vec<_> = sent.iter().map(|r| (r.0, r.1.as_str())).collect();
    assert_eq!(
        methods,
        [
            (Method::Get, DIR),
            (Method::Head, "https://ca.test:14000/nonce"),
            (Method::Post, "https://ca.test:14000/acct"),
            (Method::Post, "https://ca.test:14000/order"),
        ]
    );
    let acct = header(&sent[2].2);
    assert_eq!(acct["nonce"], "n1");
    assert_eq!(acct["jwk"]["kty"], "EC");
    assert!(acct.get("kid").is_none());
    assert_eq!(payload(&sent[2].2), r#"{"termsOfServiceAgreed":true}"#);
    let new_order = header(&sent[3].2);
    assert_eq!(new_order["nonce"], "n2");
    assert_eq!(new_order["kid"], "https://ca.test:14000/acct/7");
    assert_eq!(new_order["url"], "https://ca.test:14000/order");
    assert!(new_order.get("jwk").is_none());
}

#[test]
fn bad_nonce_is_retried() {
    let script = Script::default();
    let mut s = opened(&script);
    let bad = r#"{"type":"urn:ietf:params:acme:error:badNonce","detail":"stale"}"#;
    script.replies.borrow_mut().extend([
        reply(400, "n3", None, bad),
        reply(400, "", None, bad),
        reply(200, "n4", None, ""),
        reply(200, "n5", None, ORDER),
    ]);
    let order = s.get_order("https://ca.test:14000/o/1").unwrap();
    assert_eq!(order.url, "https://ca.test:14000/o/1");
    let sent = script.sent.borrow();
    assert_eq!(header(&sent[3].2)["nonce"], "n2");
    assert_eq!(header(&sent[4].2)["nonce"], "n3");
    assert_eq!(sent[5].0, Method::Head, "no nonce came back: ask newNonce");
    assert_eq!(header(&sent[6].2)["nonce"], "n4");
    assert_eq!(payload(&sent[6].2), "", "POST-as-GET");
}

#[test]
fn bad_nonce_gives_up() {
    let script = Script::default();
    let mut s = opened(&script);
    let bad = r#"{"type":"urn:ietf:params:acme:error:badNonce","detail":"stale"}"#;
    for _ in 0..=BAD_NONCE_RETRIES {
        script
            .replies
            .borrow_mut()
            .push_back(reply(400, "nx", None, bad));
    }
    let err = s
        .respond("https://ca.test:14000/chall/1")
        .unwrap_err()
        .message;
    assert_eq!(err, "challenge: urn:ietf:params:acme:error:badNonce: stale");
}

#[test]
fn problems_and_network_errors() {
    let script = Script::default();
    let mut s = opened(&script);
    let rejected = r#"{"type":"urn:ietf:params:acme:error:rejectedIdentifier","detail":"no"}"#;
    let refused = "POST https://ca.test:14000/order: connection refused";
    script.replies.borrow_mut().extend([
        reply(400, "n3", None, rejected),
        reply(500, "n4", None, "<html>"),
        Err(Failure::new(refused.into(), Retry::Transient)),
    ]);
    let names = ["x.test".to_string()];
    let err = s.new_order(&names, None).unwrap_err();
    assert_eq!(
        err.message,
        "newOrder: urn:ietf:params:acme:error:rejectedIdentifier: no"
    );
    assert_eq!(err.retry, Retry::Never);
    let err = s.new_order(&names, None).unwrap_err();
    assert_eq!(
        err.message,
        "newOrder: HTTP status 500 from https://ca.test:14000/order"
    );
    assert_eq!(err.retry, Retry::Transient);
    let err = s.new_order(&names, None).unwrap_err();
    assert_eq!(err.message, format!("newOrder: {refused}"));
    assert_eq!(
        err.retry,
        Retry::Transient,
        "the transport's verdict is kept"
    );
}

/// 429 and 503 with Retry-After ask the host to come back; 429 without it
/// does not; 503 without it and other 5xx may pass; other 4xx never.
#[test]
fn statuses_say_whether_to_retry() {
    let script = Script::default();
    let mut s = opened(&script);
    let limited = r#"{"type":"urn:ietf:params:acme:error:rateLimited","detail":"too many"}"#;
    script.replies.borrow_mut().extend([
        reply_after(429, "n3", "30", limited),
        reply(429, "n4", None, limited),
        reply_after(503, "n5", "Thu, 01 Jan 1970 00:00:10 GMT", ""),
        reply(503, "n6", None, ""),
        reply(502, "n7", None, ""),
        reply_after(403, "n8", "30", ""),
        reply_after(503, "n9", "soon", ""),
    ]);
    let names = ["x.test".to_string()];
    let mut next = || s.new_order(&names, None).unwrap_err();
    let first = next();
    assert_eq!(first.retry, Retry::After(30));
    assert_eq!(
        first.message,
        "newOrder: urn:ietf:params:acme:error:rateLimited: too many"
    );
    assert_eq!(next().retry, Retry::Never, "429 without Retry-After");
    assert_eq!(next().retry, Retry::After(0), "a date in the past");
    assert_eq!(next().retry, Retry::Transient, "503 without Retry-After");
    assert_eq!(next().retry, Retry::Transient, "502");
    assert_eq!(next().retry, Retry::Never, "403");
    assert_eq!(next().retry, Retry::Transient, "503 with garbage");
}

/// An unsigned request (the directory) is classified the same way.
#[test]
fn the_directory_can_ask_to_come_back() {
    let script = Script::default();
    (script.replies.borrow_mut()).push_back(reply_after(503, "", "12", "<html>"));
    let err = Session::open(&script, FakeSigner, DIR).err().unwrap();
    assert_eq!(err.retry, Retry::After(12));
    assert_eq!(
        err.message,
        format!("directory: HTTP status 503 from {DIR}")
    );
}

/// Polling (§7.4, §8.2): an order's and an authorization's Retry-After
/// come back in seconds.
#[test]
fn polled_objects_carry_retry_after() {
    let script = Script::default();
    let mut s = opened(&script);
    let authz =
        r#"{"status":"pending","identifier":{"type":"dns","value":"a.test"},"challenges":[]}"#;
    script.replies.borrow_mut().extend([
        reply_after(200, "n3", "3", ORDER),
        reply_after(200, "n4", "7", authz),
        reply_after(200, "n5", "garbage", ORDER),
    ]);
    let order = s.get_order("https://ca.test:14000/o/1").unwrap();
    assert_eq!(order.retry_after, Some(3));
    let a = s
        .get_authorization("https://ca.test:14000/authz/1")
        .unwrap();
    assert_eq!(a.retry_after, Some(7));
    let order = s.get_order("https://ca.test:14000/o/1").unwrap();
    assert_eq!(order.retry_after, None);
}

/// badNonce is retried inside the stage; when it persists, the host is
/// told not to retry (its own retries would only repeat the stage's).
#[test]
fn persistent_bad_nonce_is_not_retried_by_the_host() {
    let script = Script::default();
    let mut s = opened(&script);
    let bad = r#"{"type":"urn:ietf:params:acme:error:badNonce","detail":"stale"}"#;
    for _ in 0..=BAD_NONCE_RETRIES {
        (script.replies.borrow_mut()).push_back(reply(400, "nx", None, bad));
    }
    let err = s.respond("https://ca.test:14000/chall/1").unwrap_err();
    assert_eq!(err.retry, Retry::Never);
}

#[test]
fn origin_rule() {
    let script = Script::default();
    script
        .replies
        .borrow_mut()
        .push_back(directory("https://evil.test/new-order"));
    let err = Session::open(&script, FakeSigner, DIR)
        .err()
        .unwrap()
        .message;
    assert!(err.contains("evil.test") && err.contains("https://ca.test:14000"));
    assert!(Session::open(&script, FakeSigner, "http://ca.test/dir").is_err());
    assert_eq!(
        script.sent.borrow().len(),
        1,
        "the http URL is never fetched"
    );

    let script = Script::default();
    let mut s = opened(&script);
    let n = script.sent.borrow().len();
    assert!(s.get_order("https://evil.test/o/1").is_err());
    assert!(s.get_authorization("https://ca.test/authz/1").is_err());
    assert!(s.download("http://ca.test:14000/cert").is_err());
    assert_eq!(
        script.sent.borrow().len(),
        n,
        "nothing is sent for foreign URLs"
    );

    let evil_authz = ORDER.replace("https://ca.test:14000/authz/1", "https://evil.test/a");
    let off = Some("https://evil.test/o/1");
    script.replies.borrow_mut().extend([
        reply(201, "n3", Some("https://ca.test:14000/o/1"), &evil_authz),
        reply(201, "n4", off, ORDER),
    ]);
    let err = s.new_order(&["a.test".into()], None).unwrap_err().message;
    assert!(err.contains(r#""https://evil.test/a" from the server"#));
    assert!(s.new_order(&["a.test".into()], None).is_err());
}

#[test]
fn authorization_and_challenges() {
    let script = Script::default();
    let mut s = opened(&script);
    let authz = r#"{"status":"invalid","identifier":{"type":"dns","value":"a.test"},
        "challenges":[{"type":"http-01","url":"https://ca.test:14000/c/1","token":"t1","status":"invalid",
        "error":{"type":"urn:ietf:params:acme:error:connection","detail":"refused"}},
        {"type":"dns-01","url":"https://ca.test:14000/c/2","token":"t2","status":"pending"}]}"#;
    script.replies.borrow_mut().extend([
        reply(200, "n3", None, authz),
        reply(
            200,
            "n4",
            None,
            r#"{"type":"http-01","status":"processing"}"#,
        ),
    ]);
    let a = s
        .get_authorization("https://ca.test:14000/authz/1")
        .unwrap();
    assert_eq!(
        (a.identifier.as_str(), a.status.as_str()),
        ("a.test", "invalid")
    );
    assert_eq!(a.challenges.len(), 2);
    assert_eq!(a.challenges[1].kind, "dns-01");
    assert_eq!(a.challenges[1].token, "t2");
    assert_eq!(
        a.error.as_deref(),
        Some("urn:ietf:params:acme:error:connection: refused"),
        "the problem is one rendered line, not raw JSON"
    );
    s.respond("https://ca.test:14000/c/1").unwrap();
    assert_eq!(payload(&script.sent.borrow()[4].2), "{}");
}

#[test]
fn finalize_and_download() {
    let script = Script::default();
    let mut s = opened(&script);
    let valid = ORDER.replace("pending", "valid").replace(
        r#""finalize""#,
        r#""certificate":"https://ca.test:14000/cert/1","finalize""#,
    );
    script.replies.borrow_mut().extend([
        reply(200, "n3", None, ORDER),
        reply(200, "n4", None, &valid),
        reply(200, "n5", Some("https://ca.test:14000/o/9"), &valid),
        Ok(Reply {
            links: vec![
                r#"<https://ca.test:14000/dir>;rel="index""#.into(),
                r#"<https://ca.test:14000/cert/1/1>;rel="alternate""#.into(),
            ],
            ..reply(200, "n6", None, "-----BEGIN CERTIFICATE-----\n").unwrap()
        }),
    ]);
    s.get_order("https://ca.test:14000/o/1").unwrap();
    let fin = "https://ca.test:14000/fin/1";
    let order = s.finalize(fin, &[0x30, 0x82]).unwrap();
    assert_eq!(
        order.url, "https://ca.test:14000/o/1",
        "known from get_order"
    );
    assert_eq!(
        order.certificate.as_deref(),
        Some("https://ca.test:14000/cert/1")
    );
    let order = s.finalize(fin, &[0x30]).unwrap();
    assert_eq!(order.url, "https://ca.test:14000/o/9", "Location wins");
    let downloaded = s.download("https://ca.test:14000/cert/1").unwrap();
    assert_eq!(downloaded.pem, b"-----BEGIN CERTIFICATE-----\n");
    assert_eq!(downloaded.alternates, ["https://ca.test:14000/cert/1/1"]);
    let sent = script.sent.borrow();
    assert_eq!(payload(&sent[4].2), r#"{"csr":"MII"}"#);
    let last = sent.last().unwrap();
    assert_eq!(last.3.as_deref(), Some("application/pem-certificate-chain"));
    drop(sent);
    script
        .replies
        .borrow_mut()
        .push_back(reply(200, "n7", None, &valid));
    let err = s
        .finalize("https://ca.test:14000/fin/2", &[0])
        .unwrap_err()
        .message;
    assert!(err.contains("order is unknown"), "{err}");
}

#[test]
fn revoke_with_the_account_carries_kid_and_reason() {
    let script = Script::default();
    let mut s = opened(&script);
    script
        .replies
        .borrow_mut()
        .push_back(reply(200, "n3", None, ""));
    s.revoke(&[0x30, 0x01], Some(1)).unwrap();
    let sent = script.sent.borrow();
    let last = sent.last().unwrap();
    assert_eq!(last.1, "https://ca.test:14000/revoke");
    let h = header(&last.2);
    assert_eq!(h["kid"], "https://ca.test:14000/acct/7");
    assert!(h.get("jwk").is_none());
    assert_eq!(payload(&last.2), r#"{"certificate":"MAE","reason":1}"#);
}

#[test]
fn revoke_without_an_account_carries_the_signers_jwk() {
    let script = Script::default();
    script.replies.borrow_mut().extend([
        directory(""),
        reply(200, "n1", None, ""),
        reply(200, "n2", None, ""),
    ]);
    let mut s = Session::open(&script, FakeSigner, DIR).unwrap();
    s.revoke(&[0x30], None).unwrap();
    let sent = script.sent.borrow();
    let last = sent.last().unwrap();
    let h = header(&last.2);
    assert_eq!(h["jwk"]["kty"], "EC");
    assert!(h.get("kid").is_none());
    assert_eq!(payload(&last.2), r#"{"certificate":"MA"}"#);
}

#[test]
fn revoke_reports_the_servers_problem() {
    let script = Script::default();
    let mut s = opened(&script);
    let problem = r#"{"type":"urn:ietf:params:acme:error:alreadyRevoked","detail":"Certificate already revoked"}"#;
    script
        .replies
        .borrow_mut()
        .push_back(reply(400, "n3", None, problem));
    let err = s.revoke(&[0x30], None).unwrap_err().message;
    assert_eq!(
        err,
        "revokeCert: urn:ietf:params:acme:error:alreadyRevoked: Certificate already revoked"
    );
}

#[test]
fn revoke_needs_revoke_cert_in_the_directory() {
    let script = Script::default();
    let body = r#"{"newNonce":"https://ca.test:14000/nonce","newAccount":"https://ca.test:14000/acct",
        "newOrder":"https://ca.test:14000/order"}"#;
    script
        .replies
        .borrow_mut()
        .extend([reply(200, "", None, body), reply(200, "n1", None, "")]);
    let mut s = Session::open(&script, FakeSigner, DIR).unwrap();
    let err = s.revoke(&[0x30], None).unwrap_err().message;
    assert!(err.contains("no revokeCert"), "{err}");
}

/// A session opened (directory and nonce), without an account request.
fn opened_without_account(script: &Script) -> Session<&Script, FakeSigner> {
    script
        .replies
        .borrow_mut()
        .extend([directory(""), reply(200, "n1", None, "")]);
    Session::open(script, FakeSigner, DIR).unwrap()
}

const ACCOUNT: &str = r#"{"status":"valid","contact":["mailto:a@example.com"],
    "orders":"https://ca.test:14000/list-orderz/7"}"#;

#[test]
fn find_account_asks_only_for_an_existing_one() {
    let script = Script::default();
    let mut s = opened_without_account(&script);
    let acct = "https://ca.test:14000/acct/7";
    (script.replies.borrow_mut()).push_back(reply(200, "n2", Some(acct), ACCOUNT));
    let found = s.find_account(false).unwrap().expect("found");
    assert!(!found.created);
    assert_eq!(
        found.account,
        AccountInfo {
            url: acct.into(),
            status: "valid".into(),
            contact: vec!["mailto:a@example.com".into()],
            orders: Some("https://ca.test:14000/list-orderz/7".into()),
        }
    );
    let sent = script.sent.borrow();
    let last = sent.last().unwrap();
    assert_eq!(last.1, "https://ca.test:14000/acct");
    assert_eq!(header(&last.2)["jwk"]["kty"], "EC");
    assert_eq!(
        payload(&last.2),
        r#"{"onlyReturnExisting":true}"#,
        "agrees to nothing, sends no contact"
    );
}

#[test]
fn find_account_without_one_is_none_and_register_creates_it() {
    let script = Script::default();
    let mut s = opened_without_account(&script);
    s.contact = vec!["mailto:a@example.com".into()];
    let absent = r#"{"type":"urn:ietf:params:acme:error:accountDoesNotExist","detail":"no"}"#;
    let acct = "https://ca.test:14000/acct/8";
    script.replies.borrow_mut().extend([
        reply(400, "n2", None, absent),
        reply(201, "n3", Some(acct), ACCOUNT),
        reply(200, "n4", None, ""),
    ]);
    assert_eq!(s.find_account(false).unwrap(), None);
    let found = s.find_account(true).unwrap().expect("created");
    assert!(found.created);
    assert_eq!(found.account.url, acct);
    {
        let sent = script.sent.borrow();
        assert_eq!(
            payload(&sent.last().unwrap().2),
            r#"{"termsOfServiceAgreed":true,"contact":["mailto:a@example.com"]}"#
        );
    }
    // Later requests carry the account's URL.
    s.get_order("https://ca.test:14000/o/1").unwrap_err();
    let sent = script.sent.borrow();
    assert_eq!(header(&sent.last().unwrap().2)["kid"], acct);
}

#[test]
fn register_refused_is_the_servers_problem() {
    let script = Script::default();
    let mut s = opened_without_account(&script);
    let absent = r#"{"type":"urn:ietf:params:acme:error:accountDoesNotExist","detail":"no"}"#;
    let denied = r#"{"type":"urn:ietf:params:acme:error:unauthorized","detail":"deactivated"}"#;
    script.replies.borrow_mut().extend([
        reply(400, "n2", None, absent),
        reply(403, "n3", None, denied),
    ]);
    let err = s.find_account(true).unwrap_err();
    assert_eq!(
        err.message, "newAccount: urn:ietf:params:acme:error:accountDoesNotExist: no",
        "with register, no account is an error"
    );
    let err = s.find_account(false).unwrap_err();
    assert_eq!(
        err.message,
        "newAccount: urn:ietf:params:acme:error:unauthorized: deactivated"
    );
    assert_eq!(err.retry, Retry::Never);
}

#[test]
fn found_account_without_a_body_is_fetched() {
    let script = Script::default();
    let mut s = opened_without_account(&script);
    let acct = "https://ca.test:14000/acct/7";
    script.replies.borrow_mut().extend([
        reply(200, "n2", Some(acct), ""),
        reply(200, "n3", None, r#"{"status":"valid"}"#),
    ]);
    let found = s.find_account(false).unwrap().expect("found");
    assert_eq!(found.account.status, "valid");
    assert_eq!(found.account.contact, Vec::<String>::new());
    assert_eq!(found.account.orders, None);
    let sent = script.sent.borrow();
    let last = sent.last().unwrap();
    assert_eq!((last.0, last.1.as_str()), (Method::Post, acct));
    assert_eq!(payload(&last.2), "", "POST-as-GET");
    assert_eq!(header(&last.2)["kid"], acct);
}

#[test]
fn account_objects_off_origin_or_malformed_are_refused() {
    let script = Script::default();
    let mut s = opened_without_account(&script);
    let off = r#"{"status":"valid","orders":"https://evil.test/orders"}"#;
    script.replies.borrow_mut().extend([
        reply(200, "n2", Some("https://evil.test/acct/1"), ACCOUNT),
        reply(200, "n3", Some("https://ca.test:14000/acct/1"), off),
        reply(
            200,
            "n4",
            Some("https://ca.test:14000/acct/1"),
            r#"{"contact":[]}"#,
        ),
    ]);
    let err = s.find_account(false).unwrap_err().message;
    assert!(err.contains("evil.test"), "{err}");
    let err = s.find_account(false).unwrap_err().message;
    assert!(err.contains("evil.test"), "{err}");
    let err = s.find_account(false).unwrap_err().message;
    assert!(err.starts_with("newAccount: malformed response"), "{err}");
}

#[test]
fn update_and_deactivate_post_to_the_account_url() {
    let script = Script::default();
    let mut s = opened_without_account(&script);
    let acct = "https://ca.test:14000/acct/7";
    let updated = r#"{"status":"valid","contact":["mailto:b@example.com"]}"#;
    script.replies.borrow_mut().extend([
        reply(200, "n2", Some(acct), ACCOUNT),
        reply(200, "n3", None, updated),
        reply(200, "n4", None, r#"{"status":"deactivated"}"#),
    ]);
    s.find_account(false).unwrap();
    let after = s.update_account(&["mailto:b@example.com".into()]).unwrap();
    assert_eq!(after.url, acct);
    assert_eq!(after.contact, ["mailto:b@example.com"]);
    let gone = s.deactivate_account().unwrap();
    assert_eq!(gone.status, "deactivated");
    let sent = script.sent.borrow();
    let (update, deactivate) = (&sent[sent.len() - 2], &sent[sent.len() - 1]);
    for req in [update, deactivate] {
        assert_eq!((req.0, req.1.as_str()), (Method::Post, acct));
        assert_eq!(header(&req.2)["kid"], acct);
    }
    assert_eq!(
        payload(&update.2),
        r#"{"contact":["mailto:b@example.com"]}"#
    );
    assert_eq!(payload(&deactivate.2), r#"{"status":"deactivated"}"#);
}

#[test]
fn update_needs_an_account() {
    let script = Script::default();
    let mut s = opened_without_account(&script);
    let err = s.deactivate_account().unwrap_err().message;
    assert!(err.contains("no account yet"), "{err}");
    assert_eq!(script.sent.borrow().len(), 2, "nothing sent");
}

/// A session on a directory whose `meta` is `meta` (JSON), without an
/// account request.
fn opened_with_meta<'s>(script: &'s Script, meta: &str) -> Session<&'s Script, FakeSigner> {
    let body = format!(
        r#"{{"newNonce":"https://ca.test:14000/nonce","newAccount":"https://ca.test:14000/acct",
        "newOrder":"https://ca.test:14000/order","meta":{meta}}}"#
    );
    script
        .replies
        .borrow_mut()
        .extend([reply(200, "", None, &body), reply(200, "n1", None, "")]);
    Session::open(script, FakeSigner, DIR).unwrap()
}

#[test]
fn a_profile_the_directory_offers_is_asked_for_in_each_order() {
    let script = Script::default();
    let meta = r#"{"profiles":{"classic":"90 days","shortlived":"6 days"}}"#;
    let mut s = opened_with_meta(&script, meta);
    s.use_profile("shortlived".into()).unwrap();
    script.replies.borrow_mut().extend([
        reply(201, "n2", Some("https://ca.test:14000/acct/7"), "{}"),
        reply(201, "n3", Some("https://ca.test:14000/o/1"), ORDER),
    ]);
    s.account().unwrap();
    s.new_order(&["a.test".to_string()], None).unwrap();
    let sent = script.sent.borrow();
    let order: Value = serde_json::from_str(&payload(&sent.last().unwrap().2)).unwrap();
    assert_eq!(order["profile"], "shortlived");
}

#[test]
fn a_profile_not_offered_is_refused_naming_those_that_are() {
    let script = Script::default();
    let meta = r#"{"profiles":{"classic":"90 days","tls\u0007server":"odd"}}"#;
    let mut s = opened_with_meta(&script, meta);
    let err = s.use_profile("shortlived".into()).unwrap_err().message;
    assert_eq!(
        err,
        r#"profile "shortlived": not offered by the server: it offers "classic" ("90 days"), "tls\u{7}server" ("odd")"#
    );
    let script = Script::default();
    let mut s = opened_with_meta(&script, "{}");
    let err = s.use_profile("shortlived".into()).unwrap_err().message;
    assert!(
        err.ends_with("its directory lists no profiles (meta.profiles)"),
        "{err}"
    );
}

#[path = "acme_eab_tests.rs"]
mod eab;

#[path = "acme_ip_tests.rs"]
mod ip;

#[path = "acme_ari_tests.rs"]
mod ari;

#[path = "acme_keychange_tests.rs"]
mod keychange;
