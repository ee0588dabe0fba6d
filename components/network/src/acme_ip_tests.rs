//! IP identifiers (RFC 8738) in the session: what newOrder sends, and
//! which authorization identifiers are accepted.

use super::*;

#[test]
fn addresses_are_ip_identifiers_and_names_dns_ones() {
    let script = Script::default();
    let mut s = opened(&script);
    (script.replies.borrow_mut()).push_back(reply(
        201,
        "n3",
        Some("https://ca.test:14000/o/1"),
        ORDER,
    ));
    let names = ["127.0.0.1", "a.test", "2001:db8::1"].map(String::from);
    s.new_order(&names, None).unwrap();
    let sent = script.sent.borrow();
    let body: Value = serde_json::from_str(&payload(&sent[3].2)).unwrap();
    assert_eq!(
        body["identifiers"],
        serde_json::json!([
            {"type": "ip", "value": "127.0.0.1"},
            {"type": "dns", "value": "a.test"},
            {"type": "ip", "value": "2001:db8::1"}
        ])
    );
}

#[test]
fn an_authorization_for_an_ip_address_is_read_and_a_mistyped_one_refused() {
    let script = Script::default();
    let mut s = opened(&script);
    let authz = |kind: &str, value: &str| {
        format!(
            r#"{{"status":"pending","identifier":{{"type":"{kind}","value":"{value}"}},
                "challenges":[{{"type":"http-01","url":"https://ca.test:14000/c/1","token":"t","status":"pending"}}]}}"#
        )
    };
    script.replies.borrow_mut().extend([
        reply(200, "n3", None, &authz("ip", "127.0.0.1")),
        reply(200, "n4", None, &authz("dns", "127.0.0.1")),
        reply(200, "n5", None, &authz("ip", "a.test")),
        reply(200, "n6", None, &authz("email", "a@b.test")),
    ]);
    let url = "https://ca.test:14000/authz/1";
    assert_eq!(s.get_authorization(url).unwrap().identifier, "127.0.0.1");
    for _ in 0..3 {
        let err = s.get_authorization(url).unwrap_err().message;
        assert!(err.contains("not a dns name or an ip address"), "{err}");
    }
}
