//! A cert-parser stage that lies (tests/liars.rs). Which lie is the PEM input
//! itself (the host passes it through unparsed): its text, e.g. `names`.
//! The certificates it returns are made up, in canonical PEM unless the lie
//! is about their form.
//!
//! - `honest`: the requested names, a notAfter 90 days after `now` (for
//!   `inspect`, which has no `now`: 1, long past) (the control);
//! - `names`: the name `evil.example` instead of those requested;
//! - `not-after-max`: notAfter `i64::MAX`;
//! - `not-after-past`: notAfter a second before `now`;
//! - `not-after-11-years`: notAfter eleven years after `now`;
//! - `text-outside`: a line of text before cert.pem's armour;
//! - `private-key`: a PRIVATE KEY block after chain.pem's certificate;
//! - `two-certs`: two certificates in cert.pem;
//! - `spki`: a leaf key other than the one `check` was given;
//! - `chain-unlinked`: `chain-linked` false from `check`;
//! - `leaf-der`: a leaf DER other than the certificate cert.pem encodes
//!   (what a revocation would send).

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

wit_bindgen::generate!({ world: "cert-parser", path: "../../../wit" });

use exports::acmebox::stages::x509::{ChainInfo, CsrInfo, Guest};

const DAY: i64 = 86_400;

/// A made-up certificate, PEM as cert-parser writes it.
fn pem(label: &str, fill: u8) -> String {
    let body = STANDARD.encode([fill; 300]);
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap_or_default())
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

/// The answer for `lie`, given the requested `names`, key and `now`.
fn answer(lie: &[u8], names: Vec<String>, spki: Vec<u8>, now: i64) -> ChainInfo {
    let mut info = ChainInfo {
        names,
        not_before: now - DAY,
        not_after: now + 90 * DAY,
        serial: "1ee".into(),
        cert_pem: pem("CERTIFICATE", 1),
        leaf_der: vec![1; 300],
        chain_pem: pem("CERTIFICATE", 2),
        spki,
        chain_linked: true,
        top_issuer: "Liar Root".into(),
        renewal_id: None,
    };
    match lie {
        b"names" => info.names = vec!["evil.example".into()],
        b"not-after-max" => info.not_after = i64::MAX,
        b"not-after-past" => info.not_after = now - 1,
        b"not-before-after-not-after" => info.not_before = info.not_after + 1,
        b"not-after-11-years" => info.not_after = now + 11 * 366 * DAY,
        b"text-outside" => info.cert_pem = format!("hello\n{}", info.cert_pem),
        b"private-key" => info.chain_pem.push_str(&pem("PRIVATE KEY", 3)),
        b"two-certs" => info.cert_pem = pem("CERTIFICATE", 1).repeat(2),
        b"spki" => info.spki = b"another key".to_vec(),
        b"chain-unlinked" => info.chain_linked = false,
        b"leaf-der" => info.leaf_der = vec![2; 300],
        _ => {}
    }
    info
}

struct Liar;

impl Guest for Liar {
    fn inspect(pem: Vec<u8>) -> Result<ChainInfo, String> {
        Ok(answer(
            &pem,
            vec!["a.example".into()],
            Vec::new(),
            1 - 90 * DAY,
        ))
    }

    fn check(
        pem: Vec<u8>,
        names: Vec<String>,
        spki: Vec<u8>,
        now: i64,
    ) -> Result<ChainInfo, String> {
        Ok(answer(&pem, names, spki, now))
    }

    fn inspect_csr(_der: Vec<u8>) -> Result<CsrInfo, String> {
        Err("this liar does not read CSRs".into())
    }

    fn inspect_anchors(_anchors: Vec<u8>) -> Result<u32, String> {
        Err("this liar does not read trust anchors".into())
    }

    fn verify_chain(_pem: Vec<u8>, _anchors: Vec<u8>, _now: i64) -> Result<String, String> {
        Err("this liar does not verify chains".into())
    }
}

export!(Liar);
