//! Which key files another stage's directory grant reaches (docs/docs/DESIGN.md rules 1
//! and 3: keys stay home; a directory grant must never reach a key).
//!
//! Paths are compared after resolving them as the operating system will:
//! `..`, `.` and symbolic links in the existing part of each path are
//! resolved (a key file that is itself a link is followed to where it
//! lives), so `-c /etc/ssl/acme -k /etc/ssl/x/../acme/private/key.pem`, or a
//! link to the certificate directory, cannot hide a key inside a grant.
//!
//! A key inside another stage's *writable* grant is refused: that stage could
//! replace, truncate or read it. Inside a read-only grant it is reported as a
//! warning (the stage could read it) — printed on every run, not only with
//! `-v`.

use crate::error::Error;
use crate::grant::Grant;
use crate::options::Options;
use crate::stage::Stage;
use std::path::{Component, Path, PathBuf};

/// A key file inside another stage's directory grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reach {
    /// Which key ("account key" or "domain key") and its option.
    pub key: &'static str,
    /// The key file as given.
    pub path: PathBuf,
    /// The stage whose grant reaches it.
    pub stage: Stage,
    /// That stage's directory.
    pub dir: PathBuf,
    /// Whether that grant is writable.
    pub write: bool,
}

impl std::fmt::Display for Reach {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the {} {} is inside the {} stage's {} directory {}: that stage could {} it; \
             keep each key in a directory no other stage is granted",
            self.key,
            self.path.display(),
            self.stage,
            if self.write { "writable" } else { "readable" },
            self.dir.display(),
            if self.write {
                "replace or read"
            } else {
                "read"
            },
        )
    }
}

/// Every key file of `opts` (the account key, the domain key, and the
/// external account binding's MAC key, the account stage's) that a stage
/// other than its owner reaches. With
/// `--account-socket` or `--account-command` there is no account key here:
/// the accountd holds it.
pub fn keys_reached(opts: &Options, grants: &[Grant]) -> Vec<Reach> {
    let mut keys = vec![
        ("account key (-f)", &opts.account_key, Stage::Account),
        ("domain key (-k)", &opts.domain_key, Stage::DomainKey),
    ];
    if let Some(eab) = &opts.external_account {
        keys.push((
            "external account MAC key (--eab-hmac-key-file)",
            &eab.key_file,
            Stage::Account,
        ));
    }
    let mut found = Vec::new();
    let local = |(_, _, owner): &(&str, &PathBuf, Stage)| {
        *owner != Stage::Account || opts.remote_signer.is_none()
    };
    for (key, path, owner) in keys.into_iter().filter(local) {
        let resolved = resolve(path);
        for grant in grants.iter().filter(|g| g.name != owner) {
            for dir in &grant.directories {
                if resolved.starts_with(resolve(&dir.host)) {
                    found.push(Reach {
                        key,
                        path: path.clone(),
                        stage: grant.name,
                        dir: dir.host.clone(),
                        write: dir.write,
                    });
                }
            }
        }
    }
    found
}

/// Refuse to run when a key lies inside another stage's writable grant;
/// return the read-only cases as warnings.
pub fn check(opts: &Options, grants: &[Grant]) -> Result<Vec<String>, Error> {
    let reached = keys_reached(opts, grants);
    if let Some(r) = reached.iter().find(|r| r.write) {
        return Err(Error::Usage(r.to_string()));
    }
    Ok(reached.iter().map(Reach::to_string).collect())
}

/// `path` made absolute, with its longest existing prefix canonicalized
/// (symbolic links and `..` resolved by the file system) and the rest
/// normalised lexically (nothing there exists to be a link).
pub fn resolve(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let parts: Vec<Component> = absolute.components().collect();
    for split in (1..=parts.len()).rev() {
        let prefix: PathBuf = parts[..split].iter().collect();
        if let Ok(mut out) = prefix.canonicalize() {
            let rest: PathBuf = parts[split..].iter().collect();
            push_lexical(&mut out, &rest);
            return out;
        }
    }
    let mut out = PathBuf::new();
    push_lexical(&mut out, &absolute);
    out
}

fn push_lexical(out: &mut PathBuf, part: &Path) {
    for c in part.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::resolve;

    #[test]
    fn dotdot_and_links_are_resolved() {
        let dir = tempfile_dir();
        let real = dir.join("real");
        std::fs::create_dir_all(real.join("private")).unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(&real, dir.join("link")).unwrap();
        let via_dotdot = dir.join("other/../real/private/key.pem");
        assert_eq!(resolve(&via_dotdot), resolve(&real).join("private/key.pem"));
        #[cfg(unix)]
        assert!(resolve(&dir.join("link/private/missing/../key.pem")).starts_with(resolve(&real)));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    fn tempfile_dir() -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("acmebox-reach-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
