//! The network stage's reading of the server's JSON (RFC 8555 §7.1): the
//! directory, orders, authorizations, challenges, and problem documents
//! (§6.7). Property: every problem the host is given is one printable line.

#![no_main]

use acmebox_fuzz::assert_one_line;
use libfuzzer_sys::fuzz_target;
use network::fuzzing;

fuzz_target!(|body: &[u8]| {
    for text in fuzzing::objects(body) {
        assert_one_line("the problem of an ACME object", &text);
    }
    if let Some(text) = fuzzing::problem(body) {
        assert_one_line("a problem document", &text);
    }
});
