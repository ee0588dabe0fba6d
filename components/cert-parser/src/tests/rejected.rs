//! Input `inspect` refuses, each with one printable line.

use super::*;

#[test]
fn rejects_empty_and_blank_input() {
    for input in ["", "\n", " \r\n\t\n"] {
        assert_eq!(
            err(inspect(input.as_bytes())),
            "no certificate found in the PEM input"
        );
    }
}

#[test]
fn rejects_private_key_block() {
    assert_eq!(
        err(inspect(&cat(&[LEAF, LEAF_KEY]))),
        "PEM block 2 is \"PRIVATE KEY\", expected CERTIFICATE"
    );
    assert_eq!(
        err(inspect(LEAF_KEY.as_bytes())),
        "PEM block 1 is \"PRIVATE KEY\", expected CERTIFICATE"
    );
}

#[test]
fn rejects_trailing_garbage() {
    let e = err(inspect(&cat(&[LEAF, INTER, "\nthis is not PEM\n"])));
    assert!(
        e.starts_with("unexpected text after PEM block 2 on line"),
        "{e}"
    );
    assert!(e.contains("\"this is not PEM\""), "{e}");
    // Garbage on the END line itself.
    let e = err(inspect(format!("{}x\n", LEAF.trim_end()).as_bytes()));
    assert!(
        e.contains("has no \"-----END CERTIFICATE-----\" line"),
        "{e}"
    );
}

#[test]
fn rejects_leading_and_interleaved_garbage() {
    let e = err(inspect(&cat(&["<html>\n", LEAF])));
    assert!(
        e.starts_with("the input is not PEM: line 1 (\"<html>\")"),
        "{e}"
    );
    let e = err(inspect(&cat(&[LEAF, "subject=CN = x\n", INTER])));
    assert!(e.starts_with("unexpected text after PEM block 1"), "{e}");
}

#[test]
fn rejects_binary_input() {
    let e = err(inspect(&[0x30, 0x82, 0xff, 0xfe]));
    assert_eq!(e, "the PEM input is not text: byte 2 is not valid UTF-8");
}

#[test]
fn rejects_truncated_and_mismatched_blocks() {
    let truncated = &LEAF[..LEAF.len() / 2];
    let e = err(inspect(truncated.as_bytes()));
    assert!(e.contains("is truncated"), "{e}");
    let mismatched = LEAF.replace("END CERTIFICATE", "END X509 CRL");
    let e = err(inspect(mismatched.as_bytes()));
    assert!(
        e.starts_with("PEM block 1 begins as \"CERTIFICATE\" on line 1 but ends as \"X509 CRL\""),
        "{e}"
    );
}

/// Found by fuzz/fuzz_targets/cert_chain.rs: a BEGIN label with control
/// characters was echoed raw in the "no END line" and "truncated" errors,
/// so an error from the server's bytes could span lines or steer a
/// terminal. Every error is one line of printable text.
#[test]
fn a_label_with_control_characters_is_escaped_in_every_error() {
    let label = "CERT\u{1b}[2J\u{0}IFICATE";
    let no_end = format!("-----BEGIN {label}-----\nAAAA\n-----END X-----\n");
    let truncated = format!("-----BEGIN {label}-----\nAAAA\n");
    let mismatched = format!("-----BEGIN {label}-----\nAAAA\n-----END {label}X-----\n");
    let bad_base64 = format!("-----BEGIN {label}-----\nAA*A\n-----END {label}-----\n");
    for input in [no_end, truncated, mismatched, bad_base64] {
        let e = err(inspect(input.as_bytes()));
        assert!(!e.chars().any(char::is_control), "{e:?}");
        assert!(e.contains(r#"CERT\u{1b}[2J"#), "{e:?}");
    }
}

#[test]
fn rejects_bad_base64_and_bad_der() {
    let bad_char = LEAF.replacen('M', "*", 1);
    let e = err(inspect(bad_char.as_bytes()));
    assert!(e.contains("'*'") && e.contains("not base64"), "{e}");
    let bad_padding = "-----BEGIN CERTIFICATE-----\nMIIB=\n-----END CERTIFICATE-----\n";
    let e = err(inspect(bad_padding.as_bytes()));
    assert!(e.contains("invalid base64"), "{e}");
    let not_der = pem::encode("CERTIFICATE", b"hello, world");
    let e = err(inspect(&cat(&[LEAF, &not_der])));
    assert!(
        e.starts_with("certificate 2 is not a valid X.509 certificate"),
        "{e}"
    );
    let mut der = pem::split(LEAF.as_bytes()).expect("split")[0].der.clone();
    der.push(0);
    let e = err(inspect(pem::encode("CERTIFICATE", &der).as_bytes()));
    assert_eq!(e, "certificate 1 has 1 stray bytes after its DER encoding");
}

#[test]
fn limits_certificate_count() {
    let ten = LEAF.repeat(10);
    assert!(inspect(ten.as_bytes()).is_ok());
    let eleven = LEAF.repeat(11);
    assert_eq!(
        err(inspect(eleven.as_bytes())),
        "the PEM input has 11 certificates; at most 10 are accepted"
    );
}

#[test]
fn limits_input_size() {
    let mut big = LEAF.as_bytes().to_vec();
    big.resize(pem::MAX_INPUT, b'\n');
    assert!(inspect(&big).is_ok());
    big.push(b'\n');
    assert_eq!(
        err(inspect(&big)),
        format!(
            "the PEM input is {} bytes, more than the 1048576 accepted",
            pem::MAX_INPUT + 1
        )
    );
}
