//! What `acmebox accountd` reads from a client (host/src/accountd): the
//! input as a stream of frames, as one frame's request, and as a signing
//! input for a P-256 key. Properties: no frame longer than MAX_FRAME is
//! ever returned; every error is one printable line (it goes back on the
//! wire and into the log); a request read re-encodes to one that reads the
//! same; a signing input accepted has an https `url`, a `kid` exactly when
//! its header had no `jwk`, and `--keyid-only` signs a `jwk` only for the
//! `onlyReturnExisting` lookup.

#![no_main]

use accountd::inspect::{self, Kind};
use accountd::protocol::{self, Request, MAX_FRAME};
use acmebox_fuzz::assert_one_line;
use libfuzzer_sys::fuzz_target;

const JWK: &str = r#"{"crv":"P-256","kty":"EC","x":"AAAA","y":"BBBB"}"#;

fuzz_target!(|data: &[u8]| {
    let mut stream = data;
    loop {
        match protocol::read_frame(&mut stream) {
            Ok(Some(frame)) => assert!(!frame.is_empty() && frame.len() <= MAX_FRAME),
            Ok(None) => break,
            Err(e) => {
                assert_one_line("a frame error", &e.to_string());
                break;
            }
        }
    }

    match protocol::decode::<Request>(data) {
        Err(e) => assert_one_line("a message error", &e),
        Ok(request) => {
            let again = protocol::decode::<Request>(&protocol::encode(&request));
            assert_eq!(again.as_ref(), Ok(&request));
        }
    }

    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match inspect::inspect(text, "ES256", JWK) {
        Err(e) => assert_one_line("a signing input error", &e.to_string()),
        Ok(seen) => {
            assert!(seen.url.starts_with("https://"), "{seen:?}");
            if seen.kid.is_none() && seen.keyid_only_signs() {
                assert_eq!(seen.kind, Kind::FindAccount, "{seen:?}");
            }
            if seen.keyid_only_signs() {
                assert!(seen.kind.keyid_only_signs(), "{seen:?}");
            }
        }
    }
});
