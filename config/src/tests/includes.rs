//! `include` through [`Sources`], and its limits.

use super::{EXAMPLE, PEBBLE};
use crate::limits::{MAX_FILES, MAX_INCLUDE_DEPTH};
use crate::{parse_with, Config, ConfigError, Sources};
use std::collections::HashMap;

/// Files in memory.
struct Files(HashMap<String, String>);

impl Sources for Files {
    fn read(&mut self, path: &str) -> Result<String, String> {
        self.0
            .get(path)
            .cloned()
            .ok_or_else(|| "No such file or directory".to_string())
    }
}

fn parse(top: &str, files: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let mut sources = Files(
        files
            .iter()
            .map(|(p, t)| (p.to_string(), t.to_string()))
            .collect(),
    );
    parse_with("top.conf", top, &mut sources)
}

#[test]
fn include_reads_the_file_in_place_and_shares_macros() {
    let config = parse(
        &format!(
            "include \"/etc/acme/authorities.conf\"\ndomain $handle {}",
            &EXAMPLE[19..]
        ),
        &[(
            "/etc/acme/authorities.conf",
            &format!("{PEBBLE}handle = example.com\n"),
        )],
    )
    .expect("parses");
    assert_eq!(config.domains[0].authority.name, "pebble");
    assert_eq!(config.domains[0].handle, "example.com");
}

#[test]
fn an_error_in_an_included_file_names_that_file() {
    let err = parse("\ninclude /a.conf", &[("/a.conf", "\n\n  bogus")]).unwrap_err();
    assert_eq!(err.to_string(), "/a.conf:3:3: expected a statement: `authority`, `domain`, `include` or a macro definition `name = value`, found \"bogus\"");
}

#[test]
fn a_missing_include_is_refused_at_its_path() {
    let err = parse("include /nope.conf", &[]).unwrap_err();
    assert_eq!(
        (err.file.as_str(), err.line, err.column),
        ("top.conf", 1, 9)
    );
    assert!(err.found.contains("cannot be read: No such file"), "{err}");
}

#[test]
fn an_include_path_must_be_absolute() {
    let err = parse("include a.conf", &[("a.conf", "")]).unwrap_err();
    assert!(err.expected.contains("an absolute path"), "{err}");
}

#[test]
fn a_file_including_itself_is_refused() {
    let err = parse(
        "include /a.conf",
        &[
            ("/a.conf", "include /b.conf"),
            ("/b.conf", "include /a.conf"),
        ],
    )
    .unwrap_err();
    assert_eq!(err.file, "/b.conf");
    assert!(err.found.contains("includes itself"), "{err}");
}

#[test]
fn includes_nest_only_so_deep() {
    let files: Vec<(String, String)> = (0..=MAX_INCLUDE_DEPTH + 1)
        .map(|i| (format!("/{i}.conf"), format!("include /{}.conf", i + 1)))
        .collect();
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let err = parse("include /0.conf", &refs).unwrap_err();
    assert!(err.expected.contains("nested at most 8 deep"), "{err}");
}

#[test]
fn includes_are_bounded_in_number() {
    let top = "include /a.conf\n".repeat(MAX_FILES);
    let err = parse(&top, &[("/a.conf", "")]).unwrap_err();
    assert!(err.expected.contains("at most 64 files"), "{err}");
    assert_eq!(err.line as usize, MAX_FILES);
}

#[test]
fn a_block_must_end_in_its_own_file() {
    let err = parse("include /a.conf\n}", &[("/a.conf", "authority a {")]).unwrap_err();
    assert_eq!(err.file, "/a.conf");
    assert!(
        err.expected.contains("`}` closing the authority block"),
        "{err}"
    );
}
