//! The network stage's origin rule (RFC 6454 §4, RFC 8555 §6.1) on URLs
//! from the server. The input is a directory URL and, after the first
//! newline, a URL to check against it (without one, the URL itself).
//! Properties: errors are one printable line; the rule is reflexive and
//! symmetric (a URL accepted on a directory's origin names that origin).

#![no_main]

use acmebox_fuzz::assert_one_line;
use libfuzzer_sys::fuzz_target;
use network::fuzzing::check_url;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (directory, url) = text.split_once('\n').unwrap_or((text, text));
    match check_url(directory, url) {
        Err(e) => assert_one_line("the origin rule's error", &e),
        Ok(()) => {
            assert_eq!(check_url(directory, directory), Ok(()), "{directory:?}");
            assert_eq!(check_url(url, url), Ok(()), "{url:?}");
            assert_eq!(check_url(url, directory), Ok(()), "{url:?} {directory:?}");
        }
    }
});
