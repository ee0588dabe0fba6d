//! `inspect`: what cert-parser reads of a chain.

use super::*;

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
    // The root is self-issued: its issuer is itself.
    assert_eq!(info.top_issuer, "acmebox Test Root");
}

/// `--preferred-chain` matches the issuer of the topmost certificate: for a
/// chain served without its root, the root's name.
#[test]
fn top_issuer_is_the_issuer_of_the_last_certificate() {
    let info = inspect(&cat(&[LEAF, INTER])).expect("inspect");
    assert_eq!(info.top_issuer, "acmebox Test Root");
    let info = inspect(LEAF.as_bytes()).expect("inspect");
    assert_eq!(info.top_issuer, "acmebox Test Intermediate");
}

/// RFC 9773 §4.1: the leaf's keyIdentifier (27:A4:...:3E:72, openssl
/// `-ext authorityKeyIdentifier`) and its serial's content octets, whose
/// leading zero (0xC0 has its high bit set) is kept.
#[test]
fn renewal_id_is_the_key_identifier_and_the_serial_octets() {
    let info = inspect(LEAF.as_bytes()).expect("inspect");
    assert_eq!(
        info.renewal_id.as_deref(),
        Some("J6Rkma_exMLh_8YpnJkbydwQPnI.AMD_7gEj")
    );
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
