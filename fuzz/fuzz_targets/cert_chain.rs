//! cert-parser's reading of a certificate chain in PEM (RFC 7468, RFC 5280)
//! as downloaded from the server or read back from cert.pem: `inspect` and
//! `check`; and as trust anchors (`--verify-with`): `inspect_anchors` and
//! `verify_chain`, the input as the chain and as its own anchors. The first byte chooses the input: even, the rest is the PEM
//! text; odd, the rest is DER certificates, armoured here one by one.
//! Properties: errors are one printable line; names come normalized; the
//! canonical PEM `inspect` returns reads back to the same answer; `check`
//! with the leaf's own names, key and a time in its validity passes exactly
//! when the chain is linked, and fails for another key; `inspect_anchors`
//! counts what `inspect` parsed.

#![no_main]

use acmebox_fuzz::{assert_normalized, assert_one_line, der_elements, pem};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let input: Vec<u8> = if mode % 2 == 0 {
        rest.to_vec()
    } else {
        let armoured: String = der_elements(rest)
            .into_iter()
            .map(|der| pem("CERTIFICATE", der))
            .collect();
        armoured.into_bytes()
    };
    let info = match cert_parser::inspect(&input) {
        Ok(info) => info,
        Err(e) => return assert_one_line("inspect's error", &e),
    };
    assert_normalized("the leaf's names", &info.names);
    let canonical = format!("{}{}", info.cert_pem, info.chain_pem);
    assert_eq!(
        cert_parser::inspect(canonical.as_bytes()).as_ref(),
        Ok(&info),
        "the canonical PEM reads otherwise"
    );
    let now = info.not_before;
    match cert_parser::check(&input, &info.names, &info.spki, now) {
        Ok(checked) => {
            assert!(info.chain_linked, "check passed an unlinked chain");
            assert_eq!(checked, info);
        }
        Err(e) => {
            assert_one_line("check's error", &e);
            assert!(
                !info.chain_linked || info.not_after < info.not_before,
                "check refused its own leaf at notBefore: {e}"
            );
        }
    }
    match cert_parser::check(&input, &info.names, b"another key", now) {
        Ok(_) => panic!("check passed a leaf for another key"),
        Err(e) => assert_one_line("check's error", &e),
    }
    match cert_parser::inspect_anchors(&input) {
        Ok(count) => assert_eq!(
            count,
            canonical.matches("-----BEGIN CERTIFICATE-----").count(),
            "inspect_anchors counts otherwise than inspect"
        ),
        Err(e) => assert_one_line("inspect_anchors' error", &e),
    }
    if let Err(e) = cert_parser::verify_chain(&input, &input, now) {
        assert_one_line("verify_chain's error", &e);
    }
});
