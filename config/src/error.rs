//! [`ConfigError`]: what was wrong in a configuration file, and where.

use std::fmt;

/// A configuration file that cannot be used: the file, the position and what
/// was expected there. Its `Display` is one line,
/// `FILE:LINE:COLUMN: expected EXPECTED, found FOUND` (without `LINE:COLUMN:`
/// when the file itself could not be read). Nothing runs after one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// The file's name: the path given to [`crate::load`] or an
    /// `include`, or the name given to [`crate::parse`].
    pub file: String,
    /// 1-based line; 0 when the error concerns the whole file (unreadable,
    /// too large).
    pub line: u32,
    /// 1-based column, counted in characters (a tab is one); 0 with line 0.
    pub column: u32,
    /// What the grammar or a rule expected at this position, in words
    /// (`"a string after \"sign with\""`, `"an authority defined in the
    /// file"`).
    pub expected: String,
    /// What was there instead, in words; text from the file is quoted with
    /// Rust's escaping, so control characters cannot reach a terminal.
    pub found: String,
}

/// A position in a file: 1-based line and column (in characters).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pos {
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

impl ConfigError {
    /// An error at `pos` of `file`.
    pub fn at(
        file: &str,
        pos: Pos,
        expected: impl Into<String>,
        found: impl Into<String>,
    ) -> ConfigError {
        ConfigError {
            file: file.to_string(),
            line: pos.line,
            column: pos.column,
            expected: expected.into(),
            found: found.into(),
        }
    }

    /// An error about the whole of `file` (line and column 0).
    pub fn whole(file: &str, expected: impl Into<String>, found: impl Into<String>) -> ConfigError {
        ConfigError::at(file, Pos::default(), expected, found)
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = self.file.escape_debug();
        if self.line == 0 {
            write!(f, "{file}: ")?;
        } else {
            write!(f, "{file}:{}:{}: ", self.line, self.column)?;
        }
        write!(f, "expected {}, found {}", self.expected, self.found)
    }
}

impl std::error::Error for ConfigError {}
