//! `inspect_csr`: what the domain-key stage's requests hold.

use super::*;

const LEAF_CSR: &[u8] = include_bytes!("../../tests/fixtures/leaf.csr.der");
const CSR_CN_EXTRA: &[u8] = include_bytes!("../../tests/fixtures/csr-cn-extra.der");
const CSR_CN_ONLY: &[u8] = include_bytes!("../../tests/fixtures/csr-cn-only.der");
const CSR_IP: &[u8] = include_bytes!("../../tests/fixtures/csr-ip.der");
const CSR_MUST_STAPLE: &[u8] = include_bytes!("../../tests/fixtures/csr-must-staple.der");
const CSR_TLS_FEATURE_17: &[u8] = include_bytes!("../../tests/fixtures/csr-tls-feature-17.der");

const CSR_SUBJECT_KU: &[u8] = include_bytes!("../../tests/fixtures/csr-subject-ku.der");
const CSR_MULTI_RDN: &[u8] = include_bytes!("../../tests/fixtures/csr-multi-rdn.der");

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

/// RFC 8738 §3: an iPAddress subjectAltName is a name, as text.
#[test]
fn inspect_csr_reads_ip_address_alt_names() {
    let info = inspect_csr(CSR_IP).expect("inspect_csr");
    assert_eq!(info.names, ["127.0.0.1", "a.test"]);
}

#[test]
fn ip_addresses_are_written_as_the_host_writes_them() {
    use crate::chain::ip_text;
    assert_eq!(ip_text(&[127, 0, 0, 1]).as_deref(), Some("127.0.0.1"));
    let mut v6 = [0u8; 16];
    v6[..4].copy_from_slice(&[0x20, 0x01, 0x0d, 0xb8]);
    v6[15] = 1;
    assert_eq!(ip_text(&v6).as_deref(), Some("2001:db8::1"));
    assert_eq!(ip_text(&[1, 2, 3]), None);
    assert_eq!(ip_text(&[0; 8]), None);
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
