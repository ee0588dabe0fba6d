//! What a client on the internet can send to the responder, and what it
//! gets back.

use super::*;

const TOKEN: &str = "LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0";
const KEY_AUTHORIZATION: &str =
    "LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0.9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI";

/// The host's side: only [`TOKEN`] is being answered.
fn known(token: &str) -> Option<String> {
    (token == TOKEN).then(|| KEY_AUTHORIZATION.to_string())
}

/// The answer to `request`, which must be a whole one, as text.
fn ask(request: &str) -> String {
    match answer(request.as_bytes(), known) {
        Answer::Send(bytes) => String::from_utf8(bytes).expect("answers are text"),
        Answer::More => panic!("no answer to the whole request {request:?}"),
    }
}

/// The status line of an answer.
fn status(answer: &str) -> &str {
    answer.split("\r\n").next().unwrap_or_default()
}

/// The body of an answer.
fn body(answer: &str) -> &str {
    answer.split_once("\r\n\r\n").map_or("", |(_, b)| b)
}

fn get(path: &str) -> String {
    ask(&format!("GET {path} HTTP/1.1\r\nHost: example.org\r\n\r\n"))
}

#[test]
fn get_of_a_known_token_answers_its_key_authorization() {
    let a = get(&format!("/.well-known/acme-challenge/{TOKEN}"));
    assert_eq!(
        a,
        format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\n\
             Connection: close\r\n\r\n{KEY_AUTHORIZATION}",
            KEY_AUTHORIZATION.len()
        )
    );
}

#[test]
fn head_of_a_known_token_answers_the_same_head_without_body() {
    let a = ask(&format!(
        "HEAD /.well-known/acme-challenge/{TOKEN} HTTP/1.1\r\nHost: example.org\r\n\r\n"
    ));
    assert_eq!(status(&a), "HTTP/1.1 200 OK");
    assert!(
        a.contains(&format!("Content-Length: {}\r\n", KEY_AUTHORIZATION.len())),
        "{a}"
    );
    assert_eq!(body(&a), "");
}

#[test]
fn http_1_0_without_host_and_bare_line_feeds_are_answered() {
    let a = ask(&format!(
        "GET /.well-known/acme-challenge/{TOKEN} HTTP/1.0\n\n"
    ));
    assert_eq!(status(&a), "HTTP/1.1 200 OK");
    assert_eq!(body(&a), KEY_AUTHORIZATION);
}

#[test]
fn absolute_form_target_is_answered() {
    let a = get(&format!(
        "http://example.org/.well-known/acme-challenge/{TOKEN}"
    ));
    assert_eq!(body(&a), KEY_AUTHORIZATION);
    let a = get(&format!(
        "HTTP://example.org:80/.well-known/acme-challenge/{TOKEN}"
    ));
    assert_eq!(body(&a), KEY_AUTHORIZATION);
}

#[test]
fn empty_lines_before_the_request_line_are_ignored() {
    let a = ask(&format!(
        "\r\n\r\nGET /.well-known/acme-challenge/{TOKEN} HTTP/1.1\r\nHost: x\r\n\r\n"
    ));
    assert_eq!(status(&a), "HTTP/1.1 200 OK");
}

#[test]
fn unknown_token_is_404() {
    let a = get("/.well-known/acme-challenge/someoneElsesToken_123-");
    assert_eq!(status(&a), "HTTP/1.1 404 Not Found");
    assert_eq!(body(&a), "not found\n");
    assert!(!a.contains(KEY_AUTHORIZATION));
}

#[test]
fn every_other_path_is_404_without_asking_the_host() {
    let long = "A".repeat(MAX_TOKEN + 1);
    for path in [
        "/".to_string(),
        "/index.html".into(),
        "/.well-known/acme-challenge/".into(),
        "/.well-known/acme-challenge".into(),
        format!("/.well-known/acme-challenge/{TOKEN}/"),
        format!("/.well-known/acme-challenge/{TOKEN}?x=1"),
        format!("/.well-known/acme-challenge/{TOKEN}#frag"),
        format!("/.well-known/acme-challenge/{TOKEN}.txt"),
        format!("/.well-known/acme-challenge/../acme-challenge/{TOKEN}"),
        format!("//.well-known/acme-challenge/{TOKEN}"),
        format!("/.WELL-KNOWN/acme-challenge/{TOKEN}"),
        "/.well-known/acme-challenge/%41%42".into(),
        "/.well-known/acme-challenge/a/b".into(),
        format!("/.well-known/acme-challenge/{long}"),
        "http://example.org".into(),
    ] {
        let a = match answer(
            format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes(),
            |t| panic!("asked the host for {t:?} on {path:?}"),
        ) {
            Answer::Send(bytes) => String::from_utf8(bytes).expect("text"),
            Answer::More => panic!("no answer for {path}"),
        };
        assert_eq!(status(&a), "HTTP/1.1 404 Not Found", "{path}");
    }
}

#[test]
fn the_longest_token_is_asked_for() {
    let token = "A".repeat(MAX_TOKEN);
    let mut asked = None;
    let _ = answer(
        format!("GET /.well-known/acme-challenge/{token} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes(),
        |t| {
            asked = Some(t.to_string());
            None
        },
    );
    assert_eq!(asked.as_deref(), Some(token.as_str()));
}

#[test]
fn other_methods_are_405_with_allow() {
    for method in [
        "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE", "CONNECT", "get", "Head",
    ] {
        let a = ask(&format!(
            "{method} /.well-known/acme-challenge/{TOKEN} HTTP/1.1\r\nHost: x\r\n\r\n"
        ));
        assert_eq!(status(&a), "HTTP/1.1 405 Method Not Allowed", "{method}");
        assert!(a.contains("\r\nAllow: GET, HEAD\r\n"), "{method}: {a}");
        assert!(!a.contains(KEY_AUTHORIZATION), "{method}");
    }
}

#[test]
fn garbage_is_400() {
    let target = format!("/.well-known/acme-challenge/{TOKEN}");
    for request in [
        "\u{1}\u{2}\u{3}\r\n\r\n".to_string(),
        "hello\r\n\r\n".into(),
        format!("GET {target}\r\n\r\n"),
        format!("GET  {target} HTTP/1.1\r\nHost: x\r\n\r\n"),
        format!("GET {target} HTTP/1.1 extra\r\nHost: x\r\n\r\n"),
        format!("GET {target} http/1.1\r\nHost: x\r\n\r\n"),
        format!("GET {target} HTTP/1.1x\r\nHost: x\r\n\r\n"),
        format!("G(T {target} HTTP/1.1\r\nHost: x\r\n\r\n"),
        "GET /tab\there HTTP/1.1\r\nHost: x\r\n\r\n".into(),
        format!("GET {target}\u{7f} HTTP/1.1\r\nHost: x\r\n\r\n"),
        "GET * HTTP/1.1\r\nHost: x\r\n\r\n".into(),
        "GET example.org:80 HTTP/1.1\r\nHost: x\r\n\r\n".into(),
        format!("GET {target} HTTP/1.1\r\n\r\n"),
        format!("GET {target} HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n"),
        format!("GET {target} HTTP/1.0\r\nHost: x\r\nHost: y\r\n\r\n"),
        format!("GET {target} HTTP/1.1\r\nHost: x\r\nno colon\r\n\r\n"),
        format!("GET {target} HTTP/1.1\r\nHost : x\r\n\r\n"),
        format!("GET {target} HTTP/1.1\r\n: x\r\nHost: x\r\n\r\n"),
        format!("GET {target} HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n"),
        format!("GET {target} HTTP/1.1\r\nHost: x\u{0}y\r\n\r\n"),
        format!("GET {target} HTTP/1.1\r\nHost: x\ry\r\n\r\n"),
        format!("GET {target} HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"),
        format!("GET {target} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"),
    ] {
        let a = ask(&request);
        assert_eq!(status(&a), "HTTP/1.1 400 Bad Request", "{request:?}");
        assert!(!a.contains(KEY_AUTHORIZATION), "{request:?}");
    }
}

#[test]
fn content_length_zero_is_no_body() {
    let a = ask(&format!(
        "GET /.well-known/acme-challenge/{TOKEN} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"
    ));
    assert_eq!(status(&a), "HTTP/1.1 200 OK");
}

#[test]
fn head_refused_has_no_body() {
    let a = ask(&format!(
        "HEAD /.well-known/acme-challenge/{TOKEN} HTTP/1.1\r\n\r\n"
    ));
    assert_eq!(status(&a), "HTTP/1.1 400 Bad Request");
    assert_eq!(body(&a), "");
    let a = ask("HEAD /nothing HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(status(&a), "HTTP/1.1 404 Not Found");
    assert_eq!(body(&a), "");
}

#[test]
fn other_http_versions_are_505() {
    for version in ["HTTP/2.0", "HTTP/0.9", "HTTP/1.2", "HTTP/3.0"] {
        let a = ask(&format!("GET / {version}\r\nHost: x\r\n\r\n"));
        assert_eq!(status(&a), "HTTP/1.1 505 HTTP Version Not Supported");
    }
    // The HTTP/2 connection preface.
    let a = ask("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
    assert_eq!(status(&a), "HTTP/1.1 505 HTTP Version Not Supported");
}

#[test]
fn an_incomplete_head_asks_for_more_byte_by_byte() {
    let request = format!("GET /.well-known/acme-challenge/{TOKEN} HTTP/1.1\r\nHost: x\r\n\r\n");
    let bytes = request.as_bytes();
    for end in 0..bytes.len() {
        assert_eq!(
            answer(&bytes[..end], |_| panic!("asked before the head was whole")),
            Answer::More,
            "after {end} bytes"
        );
    }
    assert!(matches!(answer(bytes, known), Answer::Send(_)));
}

#[test]
fn an_oversized_head_is_431() {
    let mut request = b"GET / HTTP/1.1\r\nHost: x\r\nX-Filler: ".to_vec();
    request.resize(MAX_HEAD, b'a');
    match answer(&request, |_| panic!("no lookup")) {
        Answer::Send(bytes) => assert!(
            bytes.starts_with(b"HTTP/1.1 431 Request Header Fields Too Large\r\n"),
            "{}",
            String::from_utf8_lossy(&bytes)
        ),
        Answer::More => panic!("8 KiB without the end of the head must be refused"),
    }
    // One byte less is still waited on.
    request.pop();
    assert_eq!(answer(&request, |_| None), Answer::More);
    // A complete head longer than the limit is refused too.
    request.extend_from_slice(b"aaaa\r\n\r\n");
    assert!(matches!(answer(&request, |_| None),
        Answer::Send(b) if b.starts_with(b"HTTP/1.1 431 ")));
}

#[test]
fn a_head_just_under_the_limit_is_answered() {
    let start =
        format!("GET /.well-known/acme-challenge/{TOKEN} HTTP/1.1\r\nHost: x\r\nX-Filler: ");
    let mut request = start.into_bytes();
    request.resize(MAX_HEAD - 4, b'a');
    request.extend_from_slice(b"\r\n\r\n");
    assert_eq!(request.len(), MAX_HEAD);
    assert!(matches!(answer(&request, known), Answer::Send(b) if b.starts_with(b"HTTP/1.1 200 ")));
}

#[test]
fn every_answer_closes_the_connection() {
    for request in [
        format!("GET /.well-known/acme-challenge/{TOKEN} HTTP/1.1\r\nHost: x\r\n\r\n"),
        "GET / HTTP/1.1\r\nHost: x\r\n\r\n".into(),
        "POST / HTTP/1.1\r\nHost: x\r\n\r\n".into(),
        "junk\r\n\r\n".into(),
    ] {
        let a = ask(&request);
        let head = a.split("\r\n\r\n").next().unwrap_or_default();
        assert!(head.contains("\r\nConnection: close"), "{request:?}: {a}");
        let length = head
            .lines()
            .find_map(|l| l.strip_prefix("Content-Length: "))
            .and_then(|n| n.parse::<usize>().ok());
        assert_eq!(length, Some(body(&a).len()), "{request:?}");
    }
}
