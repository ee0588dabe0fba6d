//! Unit tests against the openssl fixtures in `tests/fixtures` (made by
//! `tests/fixtures/make-fixtures.sh`).

use crate::date::utc;
use crate::{check, inspect, inspect_anchors, inspect_csr, pem, verify_chain};

const ROOT: &str = include_str!("../tests/fixtures/root.pem");
const INTER: &str = include_str!("../tests/fixtures/inter.pem");
const LEAF: &str = include_str!("../tests/fixtures/leaf.pem");
const LEAF_KEY: &str = include_str!("../tests/fixtures/leaf.key");
const LEAF_SPKI: &[u8] = include_bytes!("../tests/fixtures/leaf.spki.der");
const LEAF_NOT_AFTER: &str = include_str!("../tests/fixtures/leaf.not-after");
const OTHER_SPKI: &[u8] = include_bytes!("../tests/fixtures/other.spki.der");
const IMPOSTOR: &str = include_str!("../tests/fixtures/impostor.pem");
const LEAF_OTHER_CA: &str = include_str!("../tests/fixtures/leaf-other-ca.pem");
const LEAF_OTHER_NAMES: &str = include_str!("../tests/fixtures/leaf-other-names.pem");
const LEAF_CN_ONLY: &str = include_str!("../tests/fixtures/leaf-cn-only.pem");
const LEAF_LOOP: &str = include_str!("../tests/fixtures/leaf-loop.pem");
const LOOP_A: &str = include_str!("../tests/fixtures/loop-a.pem");
const LOOP_B: &str = include_str!("../tests/fixtures/loop-b.pem");

const NAMES: [&str; 3] = ["a.test", "b.test", "www.a.test"];

fn cat(parts: &[&str]) -> Vec<u8> {
    parts.concat().into_bytes()
}

fn not_after() -> i64 {
    LEAF_NOT_AFTER.trim().parse().expect("leaf.not-after")
}

/// A time inside every fixture's validity.
fn now() -> i64 {
    not_after() - 365 * 86_400
}

fn err<T: std::fmt::Debug>(result: Result<T, String>) -> String {
    result.expect_err("expected an error")
}

// ---- inspect ----

#[test]
fn inspect_full_chain() {
    let info = inspect(&cat(&[LEAF, INTER, ROOT])).expect("inspect");
    assert_eq!(info.names, NAMES);
    assert_eq!(info.not_after, not_after());
    assert_eq!(info.serial, "c0ffee0123");
    assert_eq!(info.cert_pem, LEAF);
    assert_eq!(info.chain_pem, [INTER, ROOT].concat());
    assert_eq!(info.spki, LEAF_SPKI);
    assert!(info.chain_linked);
}

#[test]
fn leaf_der_is_what_cert_pem_encodes() {
    let info = inspect(&cat(&[LEAF, INTER, ROOT])).expect("inspect");
    assert_eq!(info.leaf_der.first(), Some(&0x30), "a DER SEQUENCE");
    assert_eq!(pem::encode(pem::CERTIFICATE, &info.leaf_der), LEAF);
    let ders = pem::certificates(LEAF.as_bytes()).expect("leaf");
    assert_eq!(ders, [info.leaf_der]);
}

#[test]
fn inspect_single_certificate_has_empty_chain() {
    let info = inspect(LEAF.as_bytes()).expect("inspect");
    assert_eq!(info.cert_pem, LEAF);
    assert_eq!(info.chain_pem, "");
    assert!(!info.chain_linked, "a leaf alone has no issuer");
}

#[test]
fn inspect_returns_the_leaf_spki() {
    let info = inspect(&cat(&[LEAF, INTER])).expect("inspect");
    assert_eq!(info.spki, LEAF_SPKI);
    assert_ne!(info.spki, OTHER_SPKI);
    // The leaf's, whatever follows it.
    let info = inspect(&cat(&[LEAF_OTHER_CA, IMPOSTOR])).expect("inspect");
    assert_eq!(info.spki, LEAF_SPKI);
}

#[test]
fn inspect_reports_whether_the_chain_links() {
    let linked = |parts: &[&str]| inspect(&cat(parts)).expect("inspect").chain_linked;
    assert!(linked(&[LEAF, INTER]));
    assert!(linked(&[LEAF, INTER, ROOT]));
    assert!(linked(&[LEAF_OTHER_CA, IMPOSTOR]));
    // Same issuer name, another key; another issuer name; out of order.
    assert!(!linked(&[LEAF_OTHER_CA, INTER]));
    assert!(!linked(&[LEAF, IMPOSTOR]));
    assert!(!linked(&[LEAF, ROOT]));
    assert!(!linked(&[LEAF, ROOT, INTER]));
    assert!(!linked(&[LEAF, INTER, IMPOSTOR]));
    // Names, key and dates are not inspect's business.
    assert!(linked(&[LEAF_OTHER_NAMES, INTER]));
}

#[test]
fn inspect_falls_back_to_common_name() {
    let info = inspect(LEAF_CN_ONLY.as_bytes()).expect("inspect");
    assert_eq!(info.names, ["cn-only.test"]);
    assert_eq!(info.serial, "2004");
}

#[test]
fn reencoding_normalizes_and_round_trips() {
    // CRLF, indentation, blank lines, unwrapped and re-wrapped base64.
    let messy: String = [LEAF, INTER]
        .iter()
        .map(|block| {
            let lines: Vec<&str> = block.lines().collect();
            let first = lines.first().copied().unwrap_or_default();
            let last = lines.last().copied().unwrap_or_default();
            let body: String = lines[1..lines.len() - 1].concat();
            let wrapped: Vec<String> = body
                .as_bytes()
                .chunks(76)
                .map(|c| format!("  {}\t", String::from_utf8_lossy(c)))
                .collect();
            format!(
                "\r\n \t{first}\r\n{}\r\n{last}  \r\n\r\n",
                wrapped.join("\r\n")
            )
        })
        .collect();
    let info = inspect(messy.as_bytes()).expect("inspect messy");
    assert_eq!(info.cert_pem, LEAF);
    assert_eq!(info.chain_pem, INTER);
    let again =
        inspect(format!("{}{}", info.cert_pem, info.chain_pem).as_bytes()).expect("inspect again");
    assert_eq!(again, info);
}

#[test]
fn encode_wraps_at_64_columns() {
    let der: Vec<u8> = (0..=255u8).collect();
    let text = pem::encode("CERTIFICATE", &der);
    assert!(text.starts_with("-----BEGIN CERTIFICATE-----\n"));
    assert!(text.ends_with("\n-----END CERTIFICATE-----\n"));
    let body: Vec<&str> = text.lines().skip(1).collect();
    let body = &body[..body.len() - 1];
    assert!(body[..body.len() - 1].iter().all(|l| l.len() == 64));
    assert!(body.last().is_some_and(|l| !l.is_empty() && l.len() <= 64));
    let blocks = pem::split(text.as_bytes()).expect("split");
    assert_eq!(blocks.len(), 1);
    assert_eq!(blocks[0].der, der);
    assert_eq!(blocks[0].label, "CERTIFICATE");
}

// ---- rejected input ----

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

// ---- check ----

#[test]
fn check_accepts_good_chain() {
    let requested = ["B.TEST", "www.a.test", "a.test", "A.test"];
    let info = check(&cat(&[LEAF, INTER]), &requested, LEAF_SPKI, now()).expect("check");
    assert_eq!(info.names, NAMES);
    assert_eq!(info.chain_pem, INTER);
    assert_eq!(info.spki, LEAF_SPKI);
    assert!(info.chain_linked);
    // With the root too, and with RSA signatures (the impostor's chain).
    check(&cat(&[LEAF, INTER, ROOT]), &NAMES, LEAF_SPKI, now()).expect("with root");
    check(&cat(&[LEAF_OTHER_CA, IMPOSTOR]), &NAMES, LEAF_SPKI, now()).expect("rsa");
}

#[test]
fn check_rejects_a_looping_chain() {
    // A issued by B, B issued by A: every pair links and verifies.
    assert_eq!(
        err(check(
            &cat(&[LEAF_LOOP, LOOP_A, LOOP_B]),
            &NAMES,
            LEAF_SPKI,
            now()
        )),
        "certificate 3 (O=acmebox test, CN=acmebox Loop B) is issued by certificate 2 \
         (O=acmebox test, CN=acmebox Loop A), which comes before it: the chain loops"
    );
    // Round and round: a subject comes again.
    let again = cat(&[LEAF_LOOP, LOOP_A, LOOP_B, LOOP_A]);
    assert!(err(check(&again, &NAMES, LEAF_SPKI, now())).ends_with("the chain loops"));
    // The pairs alone are fine: the leaf under A, then A (its issuer outside).
    check(&cat(&[LEAF_LOOP, LOOP_A]), &NAMES, LEAF_SPKI, now()).expect("no loop");
}

#[test]
fn check_rejects_other_key() {
    assert_eq!(
        err(check(&cat(&[LEAF, INTER]), &NAMES, OTHER_SPKI, now())),
        "leaf public key is not the domain key: the certificate was issued for another key pair"
    );
}

#[test]
fn check_rejects_other_names() {
    assert_eq!(
        err(check(
            &cat(&[LEAF_OTHER_NAMES, INTER]),
            &NAMES,
            LEAF_SPKI,
            now()
        )),
        "certificate names [c.test] differ from the requested [a.test, b.test, www.a.test] \
         (missing [a.test, b.test, www.a.test]; not requested [c.test])"
    );
    assert_eq!(
        err(check(
            &cat(&[LEAF, INTER]),
            &["a.test", "c.test"],
            LEAF_SPKI,
            now()
        )),
        "certificate names [a.test, b.test, www.a.test] differ from the requested \
         [a.test, c.test] (missing [c.test]; not requested [b.test, www.a.test])"
    );
}

#[test]
fn check_rejects_outside_validity() {
    let chain = cat(&[LEAF, INTER]);
    let after = not_after();
    check(&chain, &NAMES, LEAF_SPKI, after).expect("last valid second");
    let e = err(check(&chain, &NAMES, LEAF_SPKI, after + 1));
    assert_eq!(
        e,
        format!(
            "the leaf certificate (CN=www.a.test) expired at {}, and now is {}",
            utc(after),
            utc(after + 1)
        )
    );
    let e = err(check(&chain, &NAMES, LEAF_SPKI, 0));
    assert!(
        e.starts_with("the leaf certificate (CN=www.a.test) is not valid yet"),
        "{e}"
    );
    assert!(e.ends_with("and now is 1970-01-01T00:00:00Z (check the system clock)"));
}

#[test]
fn check_requires_an_issuer() {
    assert_eq!(
        err(check(LEAF.as_bytes(), &NAMES, LEAF_SPKI, now())),
        "the chain has only the leaf certificate: the issuer (intermediate) certificates \
         are missing"
    );
}

#[test]
fn check_rejects_wrong_signer() {
    // Same issuer name, different key.
    assert_eq!(
        err(check(
            &cat(&[LEAF_OTHER_CA, INTER]),
            &NAMES,
            LEAF_SPKI,
            now()
        )),
        "certificate 1 (CN=www.a.test) is not signed by certificate 2 \
         (O=acmebox test, CN=acmebox Test Intermediate)"
    );
    assert_eq!(
        err(check(&cat(&[LEAF, IMPOSTOR]), &NAMES, LEAF_SPKI, now())),
        "certificate 1 (CN=www.a.test) is not signed by certificate 2 \
         (O=acmebox test, CN=acmebox Test Intermediate): its signature algorithm \
         ecdsa-with-SHA256 cannot be verified with certificate 2's RSA key"
    );
    // Intermediate followed by the wrong "root".
    assert_eq!(
        err(check(
            &cat(&[LEAF, INTER, IMPOSTOR]),
            &NAMES,
            LEAF_SPKI,
            now()
        )),
        "certificate 2 (O=acmebox test, CN=acmebox Test Intermediate) was issued by \
         O=acmebox test, CN=acmebox Test Root, but certificate 3 is O=acmebox test, \
         CN=acmebox Test Intermediate: the chain is out of order or incomplete"
    );
}

#[test]
fn check_rejects_out_of_order_chain() {
    let e = err(check(&cat(&[LEAF, ROOT, INTER]), &NAMES, LEAF_SPKI, now()));
    assert!(
        e.starts_with("certificate 1 (CN=www.a.test) was issued by O=acmebox test, CN=acmebox Test Intermediate, but certificate 2 is O=acmebox test, CN=acmebox Test Root"),
        "{e}"
    );
}

#[test]
fn check_parses_before_checking() {
    assert_eq!(
        err(check(&cat(&[LEAF, LEAF_KEY]), &NAMES, LEAF_SPKI, now())),
        "PEM block 2 is \"PRIVATE KEY\", expected CERTIFICATE"
    );
}

// ---- certificate requests ----

const LEAF_CSR: &[u8] = include_bytes!("../tests/fixtures/leaf.csr.der");
const CSR_CN_EXTRA: &[u8] = include_bytes!("../tests/fixtures/csr-cn-extra.der");
const CSR_CN_ONLY: &[u8] = include_bytes!("../tests/fixtures/csr-cn-only.der");
const CSR_IP: &[u8] = include_bytes!("../tests/fixtures/csr-ip.der");
const CSR_MUST_STAPLE: &[u8] = include_bytes!("../tests/fixtures/csr-must-staple.der");
const CSR_TLS_FEATURE_17: &[u8] = include_bytes!("../tests/fixtures/csr-tls-feature-17.der");

const CSR_SUBJECT_KU: &[u8] = include_bytes!("../tests/fixtures/csr-subject-ku.der");
const CSR_MULTI_RDN: &[u8] = include_bytes!("../tests/fixtures/csr-multi-rdn.der");

#[test]
fn inspect_csr_reports_tls_features() {
    let info = inspect_csr(CSR_MUST_STAPLE).expect("inspect_csr");
    assert_eq!(info.tls_features, Some(vec![5]), "status_request");
    assert_eq!(info.names, ["a.test"]);
    let info = inspect_csr(CSR_TLS_FEATURE_17).expect("inspect_csr");
    assert_eq!(info.tls_features, Some(vec![17]), "status_request_v2");
    let info = inspect_csr(LEAF_CSR).expect("inspect_csr");
    assert_eq!(info.tls_features, None, "no TLS Feature extension");
}

#[test]
fn inspect_csr_reports_subject_and_key_usage() {
    let info = inspect_csr(CSR_SUBJECT_KU).expect("inspect_csr");
    let subject: Vec<(&str, &str)> = info
        .subject
        .iter()
        .map(|(oid, value)| (oid.as_str(), value.as_str()))
        .collect();
    assert_eq!(
        subject,
        [
            ("2.5.4.3", "a.test"),
            ("2.5.4.10", "Example Org"),
            ("2.5.4.6", "DE")
        ]
    );
    assert_eq!(
        info.key_usage,
        Some(0b101),
        "digitalSignature, keyEncipherment"
    );
    assert_eq!(info.tls_features, Some(vec![5, 17]));
    let info = inspect_csr(LEAF_CSR).expect("inspect_csr");
    assert_eq!(info.key_usage, None, "no keyUsage extension");
    assert_eq!(
        info.subject,
        [("2.5.4.3".to_string(), "www.a.test".to_string())]
    );
}

#[test]
fn inspect_csr_rejects_a_multi_valued_rdn() {
    assert_eq!(
        err(inspect_csr(CSR_MULTI_RDN)),
        "the CSR's subject has an RDN of other than one attribute"
    );
}

#[test]
fn inspect_csr_gives_names_and_key() {
    let info = inspect_csr(LEAF_CSR).expect("inspect_csr");
    assert_eq!(info.names, NAMES);
    assert_eq!(info.spki, LEAF_SPKI);
}

#[test]
fn inspect_csr_counts_common_name_among_names() {
    let info = inspect_csr(CSR_CN_EXTRA).expect("inspect_csr");
    assert_eq!(info.names, ["a.test", "evil.test"]);
    let info = inspect_csr(CSR_CN_ONLY).expect("inspect_csr");
    assert_eq!(info.names, ["cn-only.test"]);
}

#[test]
fn inspect_csr_rejects_names_other_than_dns() {
    let e = err(inspect_csr(CSR_IP));
    assert_eq!(
        e,
        "the CSR's subjectAltName has an IP address (4 bytes), not a dNSName"
    );
}

#[test]
fn inspect_csr_rejects_a_bad_self_signature() {
    let mut csr = LEAF_CSR.to_vec();
    // The last bytes are the ECDSA signature's s.
    let last = csr.len() - 1;
    csr[last] ^= 1;
    let e = err(inspect_csr(&csr));
    assert!(
        e.starts_with("the CSR's self-signature does not verify with its key"),
        "{e}"
    );
}

#[test]
fn inspect_csr_rejects_trailing_bytes_and_garbage() {
    let mut csr = LEAF_CSR.to_vec();
    csr.push(0);
    assert_eq!(
        err(inspect_csr(&csr)),
        "the CSR has 1 stray bytes after its DER encoding"
    );
    let e = err(inspect_csr(b"not a CSR"));
    assert!(e.starts_with("the CSR's request is not"), "{e}");
}

// ---- verify_chain, inspect_anchors (--verify-with) ----

const OTHER_ROOT: &str = include_str!("../tests/fixtures/other-root.pem");
const ROOT_IMPOSTOR: &str = include_str!("../tests/fixtures/root-impostor.pem");
const LEAF_BY_LEAF: &str = include_str!("../tests/fixtures/leaf-by-leaf.pem");
const ROOT_NAME: &str = "O=acmebox test, CN=acmebox Test Root";
const INTER_NAME: &str = "O=acmebox test, CN=acmebox Test Intermediate";

fn verify(chain: &[&str], anchors: &[&str]) -> Result<String, String> {
    verify_chain(&cat(chain), &cat(anchors), now())
}

#[test]
fn a_chain_issued_by_an_anchor_passes() {
    assert_eq!(verify(&[LEAF, INTER], &[ROOT]), Ok(ROOT_NAME.into()));
    // Among other anchors, in any place.
    assert_eq!(
        verify(&[LEAF, INTER], &[OTHER_ROOT, ROOT, IMPOSTOR]),
        Ok(ROOT_NAME.into())
    );
    // The intermediate as the anchor: the walk ends there.
    assert_eq!(verify(&[LEAF, INTER], &[INTER]), Ok(INTER_NAME.into()));
    assert_eq!(verify(&[LEAF], &[INTER]), Ok(INTER_NAME.into()));
}

#[test]
fn a_chain_that_holds_the_anchor_itself_passes() {
    assert_eq!(verify(&[LEAF, INTER, ROOT], &[ROOT]), Ok(ROOT_NAME.into()));
    // Trusted first: the anchor is found before the chain's own copy is
    // looked at, so what follows it does not matter.
    assert_eq!(
        verify(&[LEAF, INTER, OTHER_ROOT], &[ROOT]),
        Ok(ROOT_NAME.into())
    );
}

#[test]
fn a_chain_to_an_unrelated_root_is_refused_naming_its_last_issuer() {
    let e = err(verify(&[LEAF, INTER], &[OTHER_ROOT]));
    assert_eq!(
        e,
        format!(
            "the chain's last certificate (certificate 2, {INTER_NAME}) is issued by \
             {ROOT_NAME}, which is none of the trust anchors"
        )
    );
    let e = err(verify(&[LEAF, INTER, ROOT], &[OTHER_ROOT]));
    assert!(
        e.starts_with("the chain's last certificate (certificate 3, "),
        "{e}"
    );
}

#[test]
fn an_anchor_with_the_issuers_name_and_another_key_is_refused() {
    let e = err(verify(&[LEAF, INTER], &[ROOT_IMPOSTOR]));
    assert!(
        e.ends_with("but not signed by the key of the trust anchor of that name"),
        "{e}"
    );
    // The intermediate's impostor (same name, RSA key) signed a leaf too:
    // an anchor that is the real intermediate does not vouch for it.
    let e = err(verify(&[LEAF_OTHER_CA, IMPOSTOR], &[ROOT]));
    assert!(e.contains("none of the trust anchors"), "{e}");
    let e = err(verify(&[LEAF_OTHER_CA], &[INTER]));
    assert!(
        e.contains("not signed by the key of the trust anchor"),
        "{e}"
    );
}

#[test]
fn a_broken_link_in_the_chain_is_refused() {
    let e = err(verify(&[LEAF, ROOT], &[OTHER_ROOT]));
    assert!(
        e.starts_with("certificate 1 (CN=www.a.test) was issued by"),
        "{e}"
    );
    let e = err(verify(&[LEAF_OTHER_CA, INTER, ROOT], &[ROOT]));
    assert!(e.contains("is not signed by certificate 2"), "{e}");
}

#[test]
fn an_issuer_that_is_no_ca_is_refused() {
    let e = err(verify(&[LEAF_BY_LEAF, LEAF, INTER], &[ROOT]));
    assert_eq!(
        e,
        "certificate 2 (CN=www.a.test) issued certificate 1 but is not a CA (its \
         basicConstraints do not say cA)"
    );
}

#[test]
fn anchors_and_cas_must_be_valid_now() {
    let leaf_only = |now: i64| verify_chain(&cat(&[LEAF]), &cat(&[INTER]), now);
    let e = err(leaf_only(not_after() + 86_400));
    assert!(
        e.starts_with(&format!("trust anchor 1 ({INTER_NAME}) expired at ")),
        "{e}"
    );
    let e = err(leaf_only(0));
    assert!(e.contains("is not valid yet"), "{e}");
    // An intermediate of the chain, too.
    let e = err(verify_chain(
        &cat(&[LEAF, INTER]),
        &cat(&[ROOT]),
        not_after() + 86_400,
    ));
    assert!(e.starts_with("certificate 2 ("), "{e}");
    assert!(e.contains("expired at"), "{e}");
}

#[test]
fn anchors_are_certificates_that_parse() {
    assert_eq!(inspect_anchors(&cat(&[ROOT, OTHER_ROOT, INTER])), Ok(3));
    assert_eq!(
        err(inspect_anchors(b"")),
        "no certificate among the trust anchors"
    );
    let key = err(inspect_anchors(LEAF_KEY.as_bytes()));
    assert!(key.contains("not a certificate"), "{key}");
    let garbage = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    let e = err(inspect_anchors(&cat(&[ROOT, garbage])));
    assert!(
        e.starts_with("trust anchor 2 is not a valid X.509 certificate"),
        "{e}"
    );
    let e = err(verify(&[LEAF, INTER], &[ROOT, garbage]));
    assert!(e.starts_with("trust anchor 2"), "{e}");
}

// ---- dates ----

#[test]
fn formats_utc_dates() {
    assert_eq!(utc(0), "1970-01-01T00:00:00Z");
    assert_eq!(utc(951_782_400), "2000-02-29T00:00:00Z");
    assert_eq!(utc(1_700_000_000), "2023-11-14T22:13:20Z");
    assert_eq!(utc(-1), "1969-12-31T23:59:59Z");
    assert_eq!(utc(4_102_444_800), "2100-01-01T00:00:00Z");
    // Extremes do not overflow.
    let _ = utc(i64::MIN);
    let _ = utc(i64::MAX);
}
