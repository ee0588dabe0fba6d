//! Unit tests of the configuration parser: every construct (constructs.rs),
//! every error with its position (errors.rs), the lexer (lexer.rs), the
//! normalised output (print.rs), includes and limits (includes.rs), and
//! docs/CONFIG.md's example (example.rs), the per-certificate settings
//! `min-days` and `notify` (settings.rs).

mod constructs;
mod errors;
mod example;
mod includes;
mod lexer;
mod print;
mod settings;

use super::{parse, Config, ConfigError};

/// An authority block for tests, named `pebble`.
pub const PEBBLE: &str = "authority pebble {
\tapi url \"https://localhost:14000/dir\"
\taccount key \"/etc/acme/pebble.pem\"
}
";

/// A minimal domain block, handle example.com, signed by the first authority.
pub const EXAMPLE: &str = "domain example.com {
\tdomain key \"/etc/ssl/private/example.com.key\"
\tdomain full chain certificate \"/etc/ssl/example.com.fullchain.pem\"
}
";

/// `text` parsed, or the test fails with the error.
#[track_caller]
pub fn ok(text: &str) -> Config {
    match parse("test.conf", text) {
        Ok(config) => config,
        Err(e) => panic!("{e}\n--- in ---\n{text}"),
    }
}

/// The error of `text`, which must be at `line`:`column` and mention
/// `needle` in its message.
#[track_caller]
pub fn fails_at(text: &str, line: u32, column: u32, needle: &str) -> ConfigError {
    let err = match parse("test.conf", text) {
        Ok(config) => panic!("accepted: {config:?}\n--- in ---\n{text}"),
        Err(e) => e,
    };
    let message = err.to_string();
    assert!(
        message.contains(needle),
        "{message:?} should mention {needle:?}\n--- in ---\n{text}"
    );
    assert_eq!(
        (err.line, err.column),
        (line, column),
        "{message}\n--- in ---\n{text}"
    );
    assert!(message.starts_with(&format!("test.conf:{line}:{column}: expected ")));
    assert!(!message.contains('\n'), "{message:?} is one line");
    err
}
