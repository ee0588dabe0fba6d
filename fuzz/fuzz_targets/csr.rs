//! cert-parser's reading of a certificate request (RFC 2986), which the
//! host has it check before the request is sent (step 6). Properties:
//! errors are one printable line; names come normalized; the key is one
//! whole DER element.

#![no_main]

use acmebox_fuzz::{assert_normalized, assert_one_line, der_elements};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|der: &[u8]| match cert_parser::inspect_csr(der) {
    Ok(info) => {
        assert_normalized("the CSR's names", &info.names);
        assert_eq!(der_elements(&info.spki), [info.spki.as_slice()]);
    }
    Err(e) => assert_one_line("inspect_csr's error", &e),
});
