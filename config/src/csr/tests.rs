//! The syntax of `--subject`, `--key-usage` and `--tls-feature`.

use super::*;

fn subject(text: &str) -> Subject {
    text.parse().unwrap_or_else(|e| panic!("{text:?}: {e}"))
}

fn refused(text: &str) -> String {
    match text.parse::<Subject>() {
        Ok(s) => panic!("{text:?} accepted as {s:?}"),
        Err(e) => {
            let message = e.to_string();
            assert!(!message.contains('\n'), "{message:?}");
            message
        }
    }
}

#[test]
fn a_subject_is_its_attributes_in_order() {
    let s = subject("/CN=example.com/O=Example Org/C=DE");
    let got: Vec<(&str, &str)> = s
        .attributes()
        .iter()
        .map(|a| (a.kind.name(), a.value.as_str()))
        .collect();
    assert_eq!(
        got,
        [("CN", "example.com"), ("O", "Example Org"), ("C", "DE")]
    );
    assert_eq!(s.common_name(), Some("example.com"));
    let all = subject("/OU=Web/ST=Bayern/L=München/emailAddress=a@example.com/serialNumber=42/O=x");
    assert_eq!(all.attributes().len(), 6);
    assert_eq!(all.common_name(), None);
    assert_eq!(subject("/").attributes(), []);
}

#[test]
fn backslash_escapes_the_next_character() {
    let s = subject(r"/O=A\/B \+ C\\D=E");
    assert_eq!(s.attributes()[0].value, r"A/B + C\D=E");
    assert_eq!(s.to_string(), r"/O=A\/B \+ C\\D=E");
    assert_eq!(subject(&s.to_string()), s);
    assert!(refused(r"/O=a\").contains("escapes nothing"));
}

#[test]
fn bad_subjects_say_what_is_wrong() {
    for (text, needle) in [
        ("CN=example.com", "must start with '/'"),
        ("", "must start with '/'"),
        ("/CN=example.com/", "is not TYPE=VALUE"),
        ("//O=x", "is not TYPE=VALUE"),
        ("/O", "is not TYPE=VALUE"),
        ("/DC=example", "unknown attribute type \"DC\""),
        ("/cn=example.com", "unknown attribute type \"cn\""),
        ("/O=a/O=b", "O is given twice"),
        ("/O=", "O has an empty value"),
        ("/O=a+CN=b", "multi-valued RDNs"),
        (r"/O=a\\+b", "multi-valued RDNs"),
        ("/C=DEU", "C=\"DEU\" is not a country"),
        ("/C=D1", "is not a country"),
        ("/O=a\tb", "control character"),
        ("/serialNumber=a@b", "PrintableString"),
        ("/emailAddress=ä@example.com", "not ASCII"),
        ("/CN=a b", "DNS name"),
    ] {
        let message = refused(text);
        assert!(message.contains(needle), "{text:?}: {message}");
    }
    let long = format!("/O={}", "x".repeat(65));
    assert!(refused(&long).contains("65 characters, more than the 64"));
    subject(&format!("/O={}", "x".repeat(64)));
    subject(&format!("/L={}", "ü".repeat(128)));
}

#[test]
fn the_common_name_must_be_a_name() {
    let names = vec!["example.com".to_string(), "www.example.com".to_string()];
    subject("/CN=WWW.example.com/O=x")
        .check_names(&names)
        .expect("a name, without case");
    subject("/O=x").check_names(&names).expect("no CN");
    let e = subject("/CN=other.example")
        .check_names(&names)
        .expect_err("not a name");
    assert!(
        e.to_string().contains("CN=\"other.example\" is not one of"),
        "{e}"
    );
}

#[test]
fn key_usages_are_x509v3_config_names_each_once() {
    let u: KeyUsages = "keyEncipherment, digitalSignature".parse().expect("parse");
    assert_eq!(
        u.usages(),
        [KeyUsage::DigitalSignature, KeyUsage::KeyEncipherment]
    );
    assert_eq!(u.to_string(), "digitalSignature,keyEncipherment");
    let all: Vec<&str> = KeyUsage::ALL.iter().map(|u| u.name()).collect();
    let every: KeyUsages = all.join(",").parse().expect("all");
    assert_eq!(every.usages(), KeyUsage::ALL);
    assert_eq!(KeyUsage::DecipherOnly.bit(), 8);
    for (text, needle) in [
        ("", "empty item"),
        ("digitalSignature,", "empty item"),
        ("DigitalSignature", "unknown key usage"),
        ("serverAuth", "unknown key usage"),
        ("cRLSign,cRLSign", "cRLSign is given twice"),
    ] {
        let e = text.parse::<KeyUsages>().expect_err(text).to_string();
        assert!(e.contains(needle), "{text:?}: {e}");
    }
}

#[test]
fn tls_features_are_two_names_and_o_adds_without_repeating() {
    let t: TlsFeatures = "status_request_v2,status_request".parse().expect("parse");
    assert_eq!(t.features(), TlsFeature::ALL);
    assert_eq!(t.to_string(), "status_request,status_request_v2");
    let o = TlsFeatures::default().with(TlsFeature::StatusRequest);
    assert_eq!(o.features(), [TlsFeature::StatusRequest]);
    assert_eq!(o.clone().with(TlsFeature::StatusRequest), o);
    for (text, needle) in [
        ("", "empty item"),
        ("status_request,status_request", "given twice"),
        ("5", "unknown TLS feature"),
        ("must-staple", "unknown TLS feature"),
    ] {
        let e = text.parse::<TlsFeatures>().expect_err(text).to_string();
        assert!(e.contains(needle), "{text:?}: {e}");
    }
}
