//! `--chown USER[:GROUP]` and a domain's `chown` (lacme's `chown`): the
//! owner the host gives the installed files, resolved here to numeric ids.
//! A numeric id is taken as it is; a name is looked up in /etc/passwd
//! (users) or /etc/group (groups), the local files only (no NSS: a user
//! only in LDAP needs its numeric id). Unix only.

use std::path::Path;

/// The local user database.
pub const PASSWD: &str = "/etc/passwd";
/// The local group database.
pub const GROUP: &str = "/etc/group";

/// An owner for the installed files: user id, and group id if given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Owner {
    /// The user id.
    pub uid: u32,
    /// The group id; `None` keeps the file's group.
    pub gid: Option<u32>,
}

impl std::fmt::Display for Owner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.gid {
            Some(gid) => write!(f, "{}:{gid}", self.uid),
            None => write!(f, "{}", self.uid),
        }
    }
}

/// What the host does to the installed files after file-writer's part:
/// their mode (`--chmod`, else 0444) and owner (`--chown`, else unchanged).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Perms {
    /// The mode: read bits only (acmebox_config::validate::cert_mode).
    pub mode: u32,
    /// The owner, if `--chown` or `chown` is given.
    pub owner: Option<Owner>,
}

impl Perms {
    /// 0444, the owner unchanged: without `--chmod` and `--chown`.
    pub const DEFAULT: Perms = Perms {
        mode: crate::validate::DEFAULT_CERT_MODE,
        owner: None,
    };
}

/// `spec` (`USER[:GROUP]`, acmebox_config::validate::owner_spec) resolved
/// with the files [`PASSWD`] and [`GROUP`]; the error names what is not
/// found.
pub fn resolve(spec: &str) -> Result<Owner, String> {
    resolve_in(spec, Path::new(PASSWD), Path::new(GROUP))
}

/// [`resolve`] with other database files (tests).
pub fn resolve_in(spec: &str, passwd: &Path, group: &Path) -> Result<Owner, String> {
    acmebox_config::validate::owner_spec(spec)?;
    let (user, grp) = match spec.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (spec, None),
    };
    let uid = id(user, passwd, "user")?;
    let gid = grp.map(|g| id(g, group, "group")).transpose()?;
    Ok(Owner { uid, gid })
}

/// `name`'s id: itself when all digits, else its third field in `db`.
fn id(name: &str, db: &Path, what: &str) -> Result<u32, String> {
    if name.bytes().all(|b| b.is_ascii_digit()) {
        return name
            .parse()
            .map_err(|_| format!("{what} id {name}: out of range"));
    }
    let text = std::fs::read_to_string(db)
        .map_err(|e| format!("{what} {name:?}: cannot read {}: {e}", db.display()))?;
    text.lines()
        .filter_map(|line| {
            let mut fields = line.split(':');
            let entry = fields.next()?;
            let id = fields.nth(1)?;
            (entry == name).then(|| id.parse::<u32>().ok())?
        })
        .next()
        .ok_or_else(|| format!("no {what} {name:?} in {}", db.display()))
}

/// Give the open `file` to `owner`, through its descriptor (never a path,
/// never following a link).
#[cfg(unix)]
pub fn apply(file: &std::fs::File, owner: Owner) -> std::io::Result<()> {
    std::os::unix::fs::fchown(file, Some(owner.uid), owner.gid)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dbs() -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
        let dir = tempfile::tempdir().expect("tempdir");
        let passwd = dir.path().join("passwd");
        let group = dir.path().join("group");
        std::fs::write(
            &passwd,
            "root:x:0:0::/root:/bin/sh\nwww-data:x:33:33::/var/www:/bin/false\n",
        )
        .expect("passwd");
        std::fs::write(&group, "root:x:0:\nssl-cert:x:112:www-data\n").expect("group");
        (dir, passwd, group)
    }

    #[test]
    fn names_and_ids_resolve() {
        let (_d, p, g) = dbs();
        let r = |s: &str| resolve_in(s, &p, &g);
        assert_eq!(r("www-data"), Ok(Owner { uid: 33, gid: None }));
        assert_eq!(
            r("www-data:ssl-cert"),
            Ok(Owner {
                uid: 33,
                gid: Some(112)
            })
        );
        assert_eq!(
            r("1000:1001"),
            Ok(Owner {
                uid: 1000,
                gid: Some(1001)
            })
        );
        assert_eq!(r("root:0").map(|o| o.to_string()), Ok("0:0".to_string()));
    }

    #[test]
    fn unknown_names_are_errors_naming_them() {
        let (_d, p, g) = dbs();
        let e = resolve_in("nobody2", &p, &g).expect_err("unknown");
        assert!(e.contains("no user \"nobody2\""), "{e}");
        let e = resolve_in("www-data:wheel", &p, &g).expect_err("unknown");
        assert!(e.contains("no group \"wheel\""), "{e}");
        let e = resolve_in("99999999999", &p, &g).expect_err("range");
        assert!(e.contains("out of range"), "{e}");
        assert!(resolve_in("a b", &p, &g).is_err());
    }
}
