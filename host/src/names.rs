//! The names a stage may use in a granted directory: a second wall inside
//! the preopen (docs/SECURITY.md, "Grants down to the file"). Every
//! path-taking wasi:filesystem function is checked against its directory's
//! [`Names`] by the host (narrow.rs) before wasmtime-wasi sees the path: the
//! path must be one plain name (no `/`, not `.`, `..` or empty) of the set,
//! else the call answers `not-permitted`.

use serde::{Serialize, Serializer};
use std::path::Path;

/// One entry of a [`Names`] set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Name {
    /// Exactly this name.
    Exact(String),
    /// `<prefix><one or more ASCII digits><suffix>`, e.g. `cert-<digits>.pem`.
    Numbered {
        /// What comes before the digits.
        prefix: String,
        /// What comes after them.
        suffix: String,
    },
    /// An http-01 token (RFC 8555 §8.3): 1 to [`TOKEN_MAX`] characters of
    /// the base64url alphabet, as the challenge stage itself requires.
    Token,
}

/// The longest token name the challenge stage writes (components/challenge).
pub const TOKEN_MAX: usize = 256;

impl Name {
    fn matches(&self, name: &str) -> bool {
        match self {
            Name::Exact(exact) => name == exact,
            Name::Numbered { prefix, suffix } => name
                .strip_prefix(prefix.as_str())
                .and_then(|rest| rest.strip_suffix(suffix.as_str()))
                .is_some_and(|digits| {
                    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
                }),
            Name::Token => {
                !name.is_empty()
                    && name.len() <= TOKEN_MAX
                    && name
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            }
        }
    }

    /// How `grants` shows it.
    fn shown(&self) -> String {
        match self {
            Name::Exact(exact) => exact.clone(),
            Name::Numbered { prefix, suffix } => format!("{prefix}<digits>{suffix}"),
            Name::Token => format!("<token: 1-{TOKEN_MAX} of A-Z a-z 0-9 - _>"),
        }
    }
}

/// The names a stage may use in one granted directory; every other path is
/// refused by the host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Names(Vec<Name>);

impl Names {
    /// file-writer's with the command line's layout (`-c DIR`): cert.pem,
    /// chain.pem, fullchain.pem, `.acmebox-directory`, and
    /// `cert-<digits>.pem`, `chain-<digits>.pem`, `fullchain-<digits>.pem`.
    pub fn file_writer() -> Names {
        Names::file_writer_for(
            &crate::certfiles::CLI_NAMES,
            Some(crate::fresh::DIRECTORY_RECORD),
        )
    }

    /// file-writer's in one certificate directory: its certificate `files`,
    /// the directory `record` when it lies there, then each file's backup
    /// pattern (`<stem>-<digits>.<ext>`, backup.rs).
    pub fn file_writer_for(files: &[&str], record: Option<&str>) -> Names {
        let exact = files
            .iter()
            .copied()
            .chain(record)
            .map(|f| Name::Exact(f.to_string()));
        let backups = files.iter().map(|file| {
            let (prefix, suffix) = crate::backup::pattern(file);
            Name::Numbered { prefix, suffix }
        });
        Names(exact.chain(backups).collect())
    }

    /// The challenge stage's: token names only (its preflight probe,
    /// `acmebox-probe-<hex>`, is one of them).
    pub fn challenge() -> Names {
        Names(vec![Name::Token])
    }

    /// A key stage's: the key file's name alone. A path without a file name
    /// gets no name at all (every path refused).
    pub fn key(file: &Path) -> Names {
        Names(
            file.file_name()
                .and_then(|n| n.to_str())
                .map(|n| Name::Exact(n.to_string()))
                .into_iter()
                .collect(),
        )
    }

    /// Whether `path`, as a stage passed it relative to the directory, is
    /// one plain name of this set.
    pub fn allows(&self, path: &str) -> bool {
        plain(path) && self.0.iter().any(|n| n.matches(path))
    }

    /// The names and patterns, as `grants` prints them.
    pub fn shown(&self) -> Vec<String> {
        self.0.iter().map(Name::shown).collect()
    }
}

impl Serialize for Names {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.shown().serialize(s)
    }
}

/// One plain name: not empty, not `.` or `..`, no separator (`/`, and `\`
/// too, a separator elsewhere) and no NUL.
pub fn plain(path: &str) -> bool {
    !path.is_empty() && path != "." && path != ".." && !path.contains(['/', '\\', '\0'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_writer_names_are_its_files_and_backups_only() {
        let n = Names::file_writer();
        for ok in [
            "cert.pem",
            "chain.pem",
            "fullchain.pem",
            ".acmebox-directory",
            "cert-1.pem",
            "chain-20260101.pem",
            "fullchain-0.pem",
        ] {
            assert!(n.allows(ok), "{ok}");
        }
        for bad in [
            "",
            ".",
            "..",
            "privkey.pem",
            "private",
            "private/privkey.pem",
            "../private/privkey.pem",
            "./cert.pem",
            "cert.pem/",
            "cert-.pem",
            "cert-1a.pem",
            "key-1.pem",
            "cert.pem\0",
            "sub\\cert.pem",
            ".acmebox-stage-0",
        ] {
            assert!(!n.allows(bad), "{bad:?}");
        }
    }

    #[test]
    fn challenge_names_are_tokens_only() {
        let n = Names::challenge();
        assert!(n.allows("LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0"));
        assert!(n.allows("acmebox-probe-0123456789abcdef"));
        assert!(n.allows(&"a".repeat(TOKEN_MAX)));
        for bad in ["", ".", "..", "a.b", "a/b", "../a", "index.html", "a b"] {
            assert!(!n.allows(bad), "{bad:?}");
        }
        assert!(!n.allows(&"a".repeat(TOKEN_MAX + 1)));
    }

    #[test]
    fn key_names_are_the_key_file_alone() {
        let n = Names::key(Path::new("/etc/acme/privkey.pem"));
        assert!(n.allows("privkey.pem"));
        assert!(!n.allows("other.pem") && !n.allows("./privkey.pem"));
        assert_eq!(n.shown(), ["privkey.pem"]);
        assert!(!Names::key(Path::new("/")).allows("anything"));
    }

    #[test]
    fn shown_names_patterns() {
        assert_eq!(
            Names::file_writer().shown(),
            [
                "cert.pem",
                "chain.pem",
                "fullchain.pem",
                ".acmebox-directory",
                "cert-<digits>.pem",
                "chain-<digits>.pem",
                "fullchain-<digits>.pem"
            ]
        );
    }
}
