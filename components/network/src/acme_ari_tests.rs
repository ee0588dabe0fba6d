//! Renewal information in the session (RFC 9773): the GET of a
//! certificate's renewalInfo, and newOrder's `replaces`.

use super::*;

const ID: &str = "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE";
const WINDOW: &str =
    r#"{"suggestedWindow":{"start":"2025-01-02T00:00:00Z","end":"2025-01-03T00:00:00Z"}}"#;

/// A session whose directory has `extra` members, and an account.
fn opened_with<'a>(script: &'a Script, extra: &str) -> Session<&'a Script, FakeSigner> {
    let body = format!(
        r#"{{"newNonce":"https://ca.test:14000/nonce","newAccount":"https://ca.test:14000/acct",
            "newOrder":"https://ca.test:14000/order"{extra}}}"#
    );
    script.replies.borrow_mut().extend([
        reply(200, "", None, &body),
        reply(200, "n1", None, ""),
        reply(201, "n2", Some("https://ca.test:14000/acct/7"), "{}"),
    ]);
    let mut s = Session::open(script, FakeSigner, DIR).unwrap();
    s.account().unwrap();
    s
}

const ARI: &str = r#","renewalInfo":"https://ca.test:14000/ari/""#;

#[test]
fn renewal_info_is_a_get_of_the_identifier_with_its_retry_after() {
    let script = Script::default();
    let mut s = opened_with(&script, ARI);
    (script.replies.borrow_mut()).push_back(reply_after(200, "", "21600", WINDOW));
    let w = s.renewal_info(ID).unwrap();
    assert_eq!(w.end - w.start, 86_400);
    assert_eq!(w.retry_after, Some(21_600));
    let sent = script.sent.borrow();
    let last = sent.last().unwrap();
    assert_eq!(
        (last.0, last.1.as_str()),
        (
            Method::Get,
            "https://ca.test:14000/ari/aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE"
        )
    );
}

#[test]
fn without_renewal_info_off_origin_or_with_a_bad_id_nothing_is_sent() {
    let script = Script::default();
    let mut s = opened_with(&script, "");
    let err = s.renewal_info(ID).unwrap_err().message;
    assert!(err.contains("no renewalInfo"), "{err}");
    assert!(s.renewal_info("../x").is_err());
    let script = Script::default();
    let mut s = opened_with(&script, r#","renewalInfo":"https://evil.test/ari""#);
    assert!(s.renewal_info(ID).is_err());
    assert_eq!(
        script.sent.borrow().len(),
        3,
        "directory, nonce, account only"
    );
}

#[test]
fn replaces_is_sent_only_where_the_directory_has_renewal_info() {
    let order = || reply(201, "n3", Some("https://ca.test:14000/o/1"), ORDER);
    let script = Script::default();
    let mut s = opened_with(&script, ARI);
    script.replies.borrow_mut().push_back(order());
    s.new_order(&["a.test".to_string()], Some(ID)).unwrap();
    let body: Value = serde_json::from_str(&payload(&script.sent.borrow()[3].2)).unwrap();
    assert_eq!(body["replaces"], ID);

    let script = Script::default();
    let mut s = opened_with(&script, "");
    script.replies.borrow_mut().push_back(order());
    s.new_order(&["a.test".to_string()], Some(ID)).unwrap();
    let body: Value = serde_json::from_str(&payload(&script.sent.borrow()[3].2)).unwrap();
    assert!(body.get("replaces").is_none(), "{body}");

    let err = s
        .new_order(&["a.test".to_string()], Some("not an id"))
        .unwrap_err();
    assert!(err.message.contains("RFC 9773"), "{}", err.message);
}
