//! The line protocol of `-t` (caller.rs) on in-memory input and output.

use super::*;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Output that the test can read while the `Caller` owns a clone.
#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Shared {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().expect("lock").clone()).expect("utf-8")
    }
}

const LINE: &str = "dns-01 example.com tok-en_1234567890123456789.thumb";

fn soon() -> Instant {
    Instant::now() + Duration::from_secs(5)
}

fn caller(input: &'static [u8]) -> (Caller, Shared) {
    let out = Shared::default();
    (Caller::new(input, out.clone()), out)
}

fn message(result: Result<(), Error>) -> String {
    result.expect_err("must fail").to_string()
}

#[test]
fn line_is_type_domain_and_key_authorization() {
    assert_eq!(
        line(ChallengeType::Dns01, "example.com", "tok.thumb"),
        "dns-01 example.com tok.thumb"
    );
    assert_eq!(
        line(ChallengeType::Http01, "a.example.com", "t.p"),
        "http-01 a.example.com t.p"
    );
}

#[test]
fn the_same_line_back_confirms_and_each_line_is_written_first() {
    let input = b"dns-01 example.com tok-en_1234567890123456789.thumb\nhttp-01 b.example t.p\n";
    let (mut c, out) = caller(input);
    c.confirm(LINE, soon()).expect("first");
    c.confirm("http-01 b.example t.p", soon()).expect("second");
    assert_eq!(out.text(), format!("{LINE}\nhttp-01 b.example t.p\n"));
}

#[test]
fn a_last_line_without_newline_confirms() {
    let (mut c, _) = caller(b"dns-01 example.com tok-en_1234567890123456789.thumb");
    c.confirm(LINE, soon()).expect("confirmed");
}

#[test]
fn another_line_is_refused_naming_both() {
    let (mut c, _) = caller(b"dns-01 example.com other.thumb\n");
    let e = message(c.confirm(LINE, soon()));
    assert_eq!(
        e,
        format!(
            "-t challenge: expected {LINE:?} on standard input, got \"dns-01 example.com other.thumb\""
        )
    );
}

#[test]
fn a_carriage_return_is_a_different_line() {
    let (mut c, _) = caller(b"dns-01 example.com tok-en_1234567890123456789.thumb\r\n");
    let e = message(c.confirm(LINE, soon()));
    assert!(e.contains(r#"thumb\r""#), "{e}");
}

#[test]
fn end_of_input_is_refused() {
    let (mut c, out) = caller(b"");
    let e = message(c.confirm(LINE, soon()));
    assert_eq!(
        e,
        format!("-t challenge: expected {LINE:?} on standard input, got end of input")
    );
    assert_eq!(out.text(), format!("{LINE}\n"));
    // And again: the reader has stopped, the answer stays the same.
    assert!(message(c.confirm(LINE, soon())).contains("got end of input"));
}

#[test]
fn end_of_input_after_one_answer_is_refused() {
    let input = b"dns-01 example.com tok-en_1234567890123456789.thumb\n";
    let (mut c, _) = caller(input);
    c.confirm(LINE, soon()).expect("first");
    assert!(message(c.confirm(LINE, soon())).contains("got end of input"));
}

#[test]
fn an_overlong_line_is_refused_without_reading_it_all() {
    let long: &'static [u8] = Box::leak(vec![b'a'; 10 * MAX_LINE].into_boxed_slice());
    let (mut c, _) = caller(long);
    let e = message(c.confirm(LINE, soon()));
    assert!(
        e.contains(&format!(
            "a line of more than {MAX_LINE} bytes starting \"aaaa"
        )),
        "{e}"
    );
}

#[test]
fn control_characters_are_escaped_in_the_error() {
    let (mut c, _) = caller(b"\x1b[31mred\n");
    let e = message(c.confirm(LINE, soon()));
    assert!(e.contains(r#"got "\u{1b}[31mred""#), "{e}");
}

/// Input that never ends and never sends anything (a terminal nobody types
/// into).
struct Silent;

impl Read for Silent {
    fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
        std::thread::sleep(Duration::from_secs(3600));
        Ok(0)
    }
}

#[test]
fn no_answer_before_the_deadline_is_refused_in_time() {
    let mut c = Caller::new(Silent, Shared::default());
    let started = Instant::now();
    let e = message(c.confirm(LINE, started + Duration::from_millis(200)));
    assert!(e.contains("got nothing before --timeout ran out"), "{e}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

/// Output whose reader has gone (a closed pipe).
struct Closed;

impl Write for Closed {
    fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
        Err(std::io::ErrorKind::BrokenPipe.into())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_closed_standard_output_is_an_error_naming_the_line() {
    let mut c = Caller::new(&b""[..], Closed);
    let e = message(c.confirm(LINE, soon()));
    assert!(e.contains("cannot write") && e.contains(LINE), "{e}");
}
