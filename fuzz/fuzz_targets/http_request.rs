//! The responder stage's reading of a request from anyone on the internet
//! (components/responder/src/http.rs, `--http-listen`): the input is every
//! byte read so far on a connection. Properties: no panic; an answer waits
//! for more only below the 8 KiB head limit, and then for every prefix too;
//! bytes after a whole head (below the limit) change nothing; every answer is one HTTP/1.1
//! response of a known status that closes the connection, whose
//! Content-Length is its body's (or, for HEAD, the body is left out); the
//! key authorization is asked for only for a base64url token of 1 to 256
//! characters under the challenge path the request names, and it is 200
//! exactly when it was asked for (every token is known here).

#![no_main]

use libfuzzer_sys::fuzz_target;
use responder::fuzzing::{answer, Answer, CHALLENGE_PATH, MAX_HEAD, MAX_TOKEN};

/// The answer to `data` when every token is known (`TOKEN.thumbprint`),
/// and the token asked for, if any.
fn ask(data: &[u8]) -> (Answer, Option<String>) {
    let mut asked = None;
    let answered = answer(data, |token| {
        asked = Some(token.to_string());
        Some(format!("{token}.thumbprint"))
    });
    (answered, asked)
}

fuzz_target!(|data: &[u8]| {
    let (answered, asked) = ask(data);
    let bytes = match answered {
        Answer::More => {
            assert!(
                data.len() < MAX_HEAD,
                "waits for more after {} bytes",
                data.len()
            );
            assert!(asked.is_none(), "asked before the head was whole");
            let half = &data[..data.len() / 2];
            assert_eq!(ask(half).0, Answer::More, "a prefix is answered");
            return;
        }
        Answer::Send(bytes) => bytes,
    };
    // Below the limit, an answer means a whole head was read (the server
    // never reads more than the limit).
    if data.len() < MAX_HEAD {
        let mut longer = data.to_vec();
        longer.extend_from_slice(b"\r\n\r\nGET / HTTP/1.1\r\n\r\n");
        let again = ask(&longer).0;
        assert_eq!(
            again,
            Answer::Send(bytes.clone()),
            "bytes after the head matter"
        );
    }

    let text = std::str::from_utf8(&bytes).expect("answers are text");
    let (head, body) = text.split_once("\r\n\r\n").expect("a head and a body");
    let status = head
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .expect("a status line");
    assert!(
        ["200", "400", "404", "405", "431", "505"].contains(&status),
        "status {status}"
    );
    assert!(head.contains("\r\nConnection: close"), "{head}");
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("Content-Length: "))
        .and_then(|n| n.parse().ok())
        .expect("a Content-Length");
    assert!(body.len() == length || body.is_empty(), "{head}\n{body:?}");
    match asked {
        Some(token) => {
            assert!(!token.is_empty() && token.len() <= MAX_TOKEN, "{token:?}");
            assert!(
                token
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
                "{token:?}"
            );
            let path = format!("{CHALLENGE_PATH}{token}");
            let sent = data.windows(path.len()).any(|w| w == path.as_bytes());
            assert!(sent, "asked for {token:?}, which the request does not name");
            assert_eq!(status, "200");
            assert!(body.is_empty() || body == format!("{token}.thumbprint"));
        }
        None => assert_ne!(status, "200", "200 without asking the host"),
    }
});
