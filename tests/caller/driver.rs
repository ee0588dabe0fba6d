//! A caller for `acmebox -t`: it runs the binary with piped standard input
//! and output, reads each line `challenge-type dns-domain token.thumbprint`,
//! makes the challenge answerable on the testbed (a TXT record through
//! pebble-challtestsrv's `/set-txt` for dns-01, the token file in the
//! testbed's served challenge directory for http-01) and writes the line
//! back, or whatever the test's script says instead. Afterwards it removes
//! what it published.

use crate::common::Run;
use sha2::{Digest, Sha256};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use testbed::Testbed;

/// One line acmebox wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// The whole line, without its newline.
    pub text: String,
    /// `http-01` or `dns-01`.
    pub kind: String,
    /// The authorization's identifier (a wildcard's base name).
    pub domain: String,
    /// `token.thumbprint`.
    pub key_authorization: String,
}

impl Line {
    fn parse(text: &str) -> Line {
        let fields: Vec<&str> = text.split(' ').collect();
        assert_eq!(fields.len(), 3, "not a -t line: {text:?}");
        Line {
            text: text.to_string(),
            kind: fields[0].to_string(),
            domain: fields[1].to_string(),
            key_authorization: fields[2].to_string(),
        }
    }

    /// The token: the key authorization up to its dot.
    pub fn token(&self) -> &str {
        self.key_authorization
            .split_once('.')
            .map_or("", |(token, _)| token)
    }
}

/// What the caller does with a line.
pub enum Reply {
    /// Publish the challenge, then write the same line back.
    Same,
    /// Publish nothing; write this line instead.
    Other(String),
    /// Publish nothing; close standard input.
    Close,
}

/// What a run of acmebox under the driver did.
pub struct Driven {
    /// Exit status and output (standard output holds only the lines).
    pub run: Run,
    /// The lines acmebox wrote, in order.
    pub lines: Vec<Line>,
}

/// The dns-01 TXT value for `key_authorization`, made by the shell line the
/// README gives (`openssl dgst` and `basenc`), and checked against SHA-256
/// and base64url computed here.
pub fn txt_value(key_authorization: &str) -> String {
    let out = Command::new("sh")
        .arg("-c")
        .arg(r#"printf %s "$1" | openssl dgst -sha256 -binary | basenc --base64url | tr -d ="#)
        .arg("sh")
        .arg(key_authorization)
        .output()
        .expect("run sh, openssl, basenc");
    assert!(out.status.success(), "{out:?}");
    let value = String::from_utf8(out.stdout).expect("utf-8");
    let value = value.trim_end_matches('\n').to_string();
    let digest = Sha256::digest(key_authorization.as_bytes());
    assert_eq!(
        value,
        acmebox::validate::base64url(&digest),
        "README's shell line"
    );
    value
}

/// Run acmebox with `args`; answer each line it writes as `script` says
/// (given the line's index and the line).
pub fn drive(
    bed: &Testbed,
    args: &[String],
    mut script: impl FnMut(usize, &Line) -> Reply,
) -> Driven {
    let mut child = Command::new(env!("CARGO_BIN_EXE_acmebox"))
        .args(args)
        .env_clear()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run acmebox");
    let mut stderr = child.stderr.take().expect("stderr");
    let errors = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let mut stdin = child.stdin.take();
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut lines = Vec::new();
    let mut published = Vec::new();
    let mut out = String::new();
    loop {
        let mut text = String::new();
        if stdout.read_line(&mut text).expect("read acmebox's output") == 0 {
            break;
        }
        out.push_str(&text);
        let line = Line::parse(text.strip_suffix('\n').expect("a whole line"));
        let answer = match script(lines.len(), &line) {
            Reply::Same => {
                publish(bed, &line);
                published.push(line.clone());
                Some(line.text.clone())
            }
            Reply::Other(other) => Some(other),
            Reply::Close => None,
        };
        match (answer, &mut stdin) {
            (Some(answer), Some(input)) => {
                // acmebox may have gone already; its exit status tells.
                let _ = writeln!(input, "{answer}").and_then(|()| input.flush());
            }
            _ => stdin = None,
        }
        lines.push(line);
    }
    drop(stdin);
    let status = child.wait().expect("wait for acmebox");
    for line in &published {
        unpublish(bed, line);
    }
    Driven {
        run: Run {
            code: status.code(),
            stdout: out,
            stderr: errors.join().expect("stderr reader"),
        },
        lines,
    }
}

fn publish(bed: &Testbed, line: &Line) {
    match line.kind.as_str() {
        "dns-01" => {
            let value = txt_value(&line.key_authorization);
            bed.set_txt(&format!("_acme-challenge.{}", line.domain), &value)
                .expect("set-txt");
        }
        "http-01" => {
            let file = bed.challenge_dir().join(line.token());
            std::fs::write(file, &line.key_authorization).expect("write the token file");
        }
        other => panic!("unknown challenge type {other:?}"),
    }
}

fn unpublish(bed: &Testbed, line: &Line) {
    match line.kind.as_str() {
        "dns-01" => bed
            .clear_txt(&format!("_acme-challenge.{}", line.domain))
            .expect("clear-txt"),
        _ => {
            let _ = std::fs::remove_file(bed.challenge_dir().join(line.token()));
        }
    }
}
