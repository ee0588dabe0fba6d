//! External account binding in the session (RFC 8555 §7.3.4): what
//! newAccount carries, and what happens when the server requires a binding
//! that was not given.

use super::*;

/// A directory with `meta.externalAccountRequired`, and a first nonce.
fn opened_requiring_binding(script: &Script) -> Session<&Script, FakeSigner> {
    let body = r#"{"newNonce":"https://ca.test:14000/nonce","newAccount":"https://ca.test:14000/acct",
        "newOrder":"https://ca.test:14000/order","meta":{"externalAccountRequired":true}}"#;
    script
        .replies
        .borrow_mut()
        .extend([reply(200, "", None, body), reply(200, "n1", None, "")]);
    Session::open(script, FakeSigner, DIR).unwrap()
}

const ABSENT: &str = r#"{"type":"urn:ietf:params:acme:error:accountDoesNotExist","detail":"no"}"#;

#[test]
fn registration_carries_the_binding_of_the_account_jwk() {
    let script = Script::default();
    let mut s = opened_requiring_binding(&script);
    s.external_account_kid = Some("kid-1".into());
    let acct = "https://ca.test:14000/acct/9";
    (script.replies.borrow_mut()).push_back(reply(201, "n2", Some(acct), "{}"));
    assert_eq!(s.account().unwrap(), acct);
    let sent = script.sent.borrow();
    let body: Value = serde_json::from_str(&payload(&sent[2].2)).unwrap();
    assert_eq!(body["termsOfServiceAgreed"], true);
    let binding = &body["externalAccountBinding"];
    let inner = header(&binding.to_string());
    assert_eq!(inner["alg"], "HS256");
    assert_eq!(inner["kid"], "kid-1");
    assert_eq!(inner["url"], "https://ca.test:14000/acct");
    let jwk = B64.decode(binding["payload"].as_str().unwrap()).unwrap();
    let outer = header(&sent[2].2);
    assert_eq!(serde_json::from_slice::<Value>(&jwk).unwrap(), outer["jwk"]);
    assert_eq!(
        binding["signature"],
        "jLgU1Cf17AFz6Wd_36KgExBI8Y69ylONrFK02Pl3cIs"
    );
}

#[test]
fn without_a_binding_an_existing_account_is_found_and_none_is_registered() {
    let script = Script::default();
    let mut s = opened_requiring_binding(&script);
    let acct = "https://ca.test:14000/acct/3";
    (script.replies.borrow_mut()).push_back(reply(200, "n2", Some(acct), r#"{"status":"valid"}"#));
    assert_eq!(s.account().unwrap(), acct);
    assert_eq!(
        payload(&script.sent.borrow()[2].2),
        r#"{"onlyReturnExisting":true}"#
    );

    let script = Script::default();
    let mut s = opened_requiring_binding(&script);
    (script.replies.borrow_mut()).push_back(reply(400, "n2", None, ABSENT));
    let err = s.account().unwrap_err();
    assert!(err.message.contains("--eab-kid"), "{}", err.message);
    assert!(matches!(err.retry, Retry::Never));
    let sent = script.sent.borrow();
    assert_eq!(sent.len(), 3, "one lookup, no registration");
    assert_eq!(payload(&sent[2].2), r#"{"onlyReturnExisting":true}"#);
}

#[test]
fn register_without_a_required_binding_fails_naming_what_is_needed() {
    let script = Script::default();
    let mut s = opened_requiring_binding(&script);
    (script.replies.borrow_mut()).push_back(reply(400, "n2", None, ABSENT));
    let err = s.find_account(true).unwrap_err().message;
    assert!(err.contains("externalAccountRequired"), "{err}");
    assert!(!payload(&script.sent.borrow()[2].2).contains("termsOfServiceAgreed"));
}

#[test]
fn a_lookup_never_carries_a_binding() {
    let script = Script::default();
    let mut s = opened_requiring_binding(&script);
    s.external_account_kid = Some("kid-1".into());
    (script.replies.borrow_mut()).push_back(reply(400, "n2", None, ABSENT));
    assert_eq!(s.find_account(false).unwrap(), None);
    assert_eq!(
        payload(&script.sent.borrow()[2].2),
        r#"{"onlyReturnExisting":true}"#
    );
}
