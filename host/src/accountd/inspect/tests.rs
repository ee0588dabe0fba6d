//! Unit tests of what accountd makes of a signing input.

use super::*;
use crate::validate::base64url;

const ALG: &str = "ES256";
const JWK: &str = r#"{"crv":"P-256","kty":"EC","x":"AAAA","y":"BBBB"}"#;
const ACCT: &str = "https://ca.test/acct/1";

fn input(header: &str, payload: &str) -> String {
    format!(
        "{}.{}",
        base64url(header.as_bytes()),
        base64url(payload.as_bytes())
    )
}

fn kid_header(url: &str) -> String {
    format!(r#"{{"alg":"ES256","kid":"{ACCT}","nonce":"bm9uY2U","url":"{url}"}}"#)
}

fn jwk_header(url: &str) -> String {
    format!(r#"{{"alg":"ES256","jwk":{JWK},"nonce":"bm9uY2U","url":"{url}"}}"#)
}

fn kind(header: &str, payload: &str) -> Kind {
    inspect(&input(header, payload), ALG, JWK)
        .expect("inspected")
        .kind
}

#[test]
fn the_requests_of_an_issuance_are_named_and_signed_with_keyid_only() {
    let cases = [
        (
            jwk_header("https://ca.test/new-acct"),
            r#"{"onlyReturnExisting":true}"#,
            Kind::FindAccount,
        ),
        (
            kid_header("https://ca.test/new-order"),
            r#"{"identifiers":[{"type":"dns","value":"a.test"}]}"#,
            Kind::NewOrder,
        ),
        (kid_header("https://ca.test/authz/1"), "", Kind::PostAsGet),
        (kid_header("https://ca.test/chall/1"), "{}", Kind::Challenge),
        (
            kid_header("https://ca.test/fin/1"),
            r#"{"csr":"AAAA"}"#,
            Kind::Finalize,
        ),
        (
            kid_header("https://ca.test/revoke"),
            r#"{"certificate":"AAAA","reason":4}"#,
            Kind::RevokeCert,
        ),
        (kid_header(ACCT), "", Kind::PostAsGet),
    ];
    for (header, payload, want) in cases {
        let seen = inspect(&input(&header, payload), ALG, JWK).expect("inspected");
        assert_eq!(seen.kind, want, "{payload}");
        assert!(seen.keyid_only_signs(), "{want}");
    }
    let jwk_revoke = input(
        &jwk_header("https://ca.test/revoke"),
        r#"{"certificate":"AA"}"#,
    );
    let seen = inspect(&jwk_revoke, ALG, JWK).unwrap();
    assert_eq!(seen.kind, Kind::RevokeCert);
    assert!(
        !seen.keyid_only_signs(),
        "a jwk is refused but for the lookup"
    );
    let seen = inspect(&input(&kid_header("https://ca.test/fin/1"), "{}"), ALG, JWK).unwrap();
    assert!(seen.keyid_only_signs());
    assert_eq!(seen.url, "https://ca.test/fin/1");
    assert_eq!(seen.kid.as_deref(), Some(ACCT));
}

#[test]
fn account_changes_are_named_and_refused_with_keyid_only() {
    let new_acct = jwk_header("https://ca.test/new-acct");
    let inner = format!(
        r#"{{"protected":"{}","payload":"e30","signature":"AA"}}"#,
        base64url(jwk_header("https://ca.test/key-change").as_bytes())
    );
    let cases = [
        (
            new_acct.clone(),
            r#"{"termsOfServiceAgreed":true}"#,
            Kind::NewAccount,
        ),
        (
            new_acct.clone(),
            r#"{"onlyReturnExisting":true,"contact":["mailto:a@b"]}"#,
            Kind::NewAccount,
        ),
        (
            new_acct.clone(),
            r#"{"onlyReturnExisting":false}"#,
            Kind::NewAccount,
        ),
        (new_acct.clone(), "", Kind::NewAccount),
        (
            kid_header(ACCT),
            r#"{"contact":["mailto:a@b"]}"#,
            Kind::AccountUpdate,
        ),
        (kid_header(ACCT), "{}", Kind::AccountUpdate),
        (
            kid_header(ACCT),
            r#"{"status":"deactivated"}"#,
            Kind::Deactivate,
        ),
        (
            kid_header("https://ca.test/acct/1/"),
            r#"{"contact":[]}"#,
            Kind::AccountUpdate,
        ),
        (
            kid_header("https://ca.test/key-change"),
            &inner,
            Kind::KeyChange,
        ),
        (
            jwk_header("https://ca.test/key-change"),
            r#"{"account":"x","oldKey":{}}"#,
            Kind::KeyChange,
        ),
        (
            kid_header("https://ca.test/authz/1"),
            r#"{"status":"deactivated"}"#,
            Kind::DeactivateAuthz,
        ),
        (
            kid_header("https://ca.test/x"),
            r#"{"whatever":1}"#,
            Kind::Other,
        ),
    ];
    for (header, payload, want) in cases {
        let got = kind(&header, payload);
        assert_eq!(got, want, "{payload}");
        assert!(!got.keyid_only_signs(), "{got}");
    }
}

#[test]
fn odd_inputs_are_refused_with_what_was_wrong() {
    let order = r#"{"identifiers":[]}"#;
    let bad = [
        ("no dot".to_string(), "not BASE64URL"),
        ("a.b.c".to_string(), "not BASE64URL"),
        (".e30".to_string(), "not BASE64URL"),
        ("e30=.e30".to_string(), "protected header is not base64url"),
        ("e30.e3+".to_string(), "payload is not base64url"),
        (input("[]", ""), "protected header:"),
        (
            input(
                &kid_header("https://ca.test/o").replace("ES256", "RS256"),
                order,
            ),
            "this key signs ES256",
        ),
        (
            input(
                &kid_header("https://ca.test/o").replace("https://ca.test/o", "http://ca.test/o"),
                order,
            ),
            "not an https URL",
        ),
        (
            input(
                &kid_header("https://ca.test/o").replace("\"url\"", "\"x5u\":\"a\",\"url\""),
                order,
            ),
            "unknown field",
        ),
        (
            input(
                &kid_header("https://ca.test/o").replace("\"url\"", "\"x\\nu\":1,\"url\""),
                order,
            ),
            "unknown field",
        ),
        (
            input(
                &kid_header("https://ca.test/o").replace("bm9uY2U", "!"),
                order,
            ),
            "nonce",
        ),
        (
            input(&kid_header("https://ca.test/o\\n"), order),
            "control character",
        ),
        (
            input(
                &jwk_header("https://ca.test/a").replace("AAAA", "CCCC"),
                "{}",
            ),
            "not this key's",
        ),
        (
            input(
                &jwk_header("https://ca.test/a")
                    .replace("\"jwk\"", &format!("\"kid\":\"{ACCT}\",\"jwk\"")),
                "{}",
            ),
            "exactly one of",
        ),
        (
            input(
                r#"{"alg":"ES256","nonce":"bm9uY2U","url":"https://ca.test/a"}"#,
                "{}",
            ),
            "exactly one of",
        ),
        (input(&kid_header("https://ca.test/o"), "[]"), "payload:"),
        (input(&kid_header("https://ca.test/o"), "null"), "payload:"),
        (
            input(&kid_header("https://ca.test/o"), r#"{"csr":"a","csr":"b"}"#),
            "given twice",
        ),
        (
            input(&kid_header("https://ca.test/o"), r#"{"csr":"a"} x"#),
            "payload:",
        ),
    ];
    for (text, want) in bad {
        let err = inspect(&text, ALG, JWK).expect_err(&text).to_string();
        assert!(err.contains(want), "{text}: {err}");
        assert!(!err.contains('\n'), "{err}");
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let deep = format!("{{\"a\":{}{}}}", "[".repeat(10_000), "]".repeat(10_000));
    let err = inspect(&input(&kid_header("https://ca.test/o"), &deep), ALG, JWK);
    assert!(matches!(err, Err(BadInput::Payload(_))), "{err:?}");
}

#[test]
fn base64url_round_trips_and_refuses_non_canonical_text() {
    for len in 0..40 {
        let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
        assert_eq!(base64url_decode(&base64url(&bytes)), Some(bytes));
    }
    for bad in ["A", "AB=", "A+B", "A/B", "AB C", "AF", "AAB"] {
        assert_eq!(base64url_decode(bad), None, "{bad}");
    }
}
