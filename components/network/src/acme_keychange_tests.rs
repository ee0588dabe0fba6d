//! Account key rollover in the session (RFC 8555 §7.3.5): the nested JWS.

use super::*;

const KEY_CHANGE: &str = "https://ca.test:14000/rollover";

/// A session whose directory has keyChange (or not), its account found.
fn found(script: &Script, key_change: bool) -> Session<&Script, FakeSigner> {
    let extra = if key_change {
        format!(r#","keyChange":"{KEY_CHANGE}""#)
    } else {
        String::new()
    };
    let body = format!(
        r#"{{"newNonce":"https://ca.test:14000/nonce","newAccount":"https://ca.test:14000/acct",
            "newOrder":"https://ca.test:14000/order"{extra}}}"#
    );
    script.replies.borrow_mut().extend([
        reply(200, "", None, &body),
        reply(200, "n1", None, ""),
        reply(200, "n2", Some("https://ca.test:14000/acct/7"), ACCOUNT),
    ]);
    let mut s = Session::open(script, FakeSigner, DIR).unwrap();
    s.find_account(false).unwrap().expect("found");
    s
}

#[test]
fn the_outer_jws_is_the_old_keys_and_the_inner_the_new_keys() {
    let script = Script::default();
    let mut s = found(&script, true);
    (script.replies.borrow_mut()).push_back(reply(200, "n3", None, ACCOUNT));
    let account = s.key_change().unwrap();
    assert_eq!(account.url, "https://ca.test:14000/acct/7");
    let sent = script.sent.borrow();
    let post = sent.last().unwrap();
    assert_eq!(post.1, KEY_CHANGE);
    let outer = header(&post.2);
    assert_eq!(outer["kid"], "https://ca.test:14000/acct/7");
    assert_eq!(outer["url"], KEY_CHANGE);
    let inner_text = payload(&post.2);
    let inner = header(&inner_text);
    assert_eq!(inner["alg"], "ES384");
    assert_eq!(inner["jwk"]["crv"], "P-384");
    assert_eq!(inner["url"], KEY_CHANGE);
    assert!(inner.get("nonce").is_none() && inner.get("kid").is_none());
    let change: Value = serde_json::from_str(&payload(&inner_text)).unwrap();
    assert_eq!(change["account"], "https://ca.test:14000/acct/7");
    assert_eq!(change["oldKey"]["crv"], "P-256");
    let signed: Value = serde_json::from_str(&inner_text).unwrap();
    assert_eq!(signed["signature"], "bmV3");
}

#[test]
fn without_key_change_or_an_account_nothing_is_sent() {
    let script = Script::default();
    let mut s = found(&script, false);
    let err = s.key_change().unwrap_err().message;
    assert!(err.contains("no keyChange"), "{err}");
    assert_eq!(script.sent.borrow().len(), 3);
    let script = Script::default();
    let mut s = opened_without_account(&script);
    assert!(s
        .key_change()
        .unwrap_err()
        .message
        .contains("no account yet"));
}

#[test]
fn the_same_key_twice_is_refused() {
    let old = r#"{"crv":"P-256","kty":"EC","x":"x","y":"y"}"#;
    let err = crate::keychange::inner("u", "a", old, "ES256", old, |_| Ok("s".into()));
    assert!(err.unwrap_err().contains("already"));
}
