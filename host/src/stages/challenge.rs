//! The challenge stage (wit/challenge.wit): http-01 token files. The stage
//! creates each file; the host then checks it and makes it 0444
//! ([`certdir::seal`](crate::certdir::seal)), so a web server running as
//! another user can serve it, as acme-client's are.

use super::{embedded, load_plain};
use crate::error::Error;
use crate::grant::Grant;
use crate::sandbox::{Runtime, Sandboxed};
use crate::stage::Stage;
use cap_std::fs::Dir;
use std::path::Path;
use wasmtime::component::Component;

mod bindings {
    wasmtime::component::bindgen!({ world: "challenge", path: "../wit" });
}

/// The challenge stage in its sandbox, and the host's own handle on the
/// challenge directory, for sealing what it wrote.
pub struct Challenge {
    stage: Sandboxed<(), bindings::Challenge>,
    dir: Dir,
}

/// Load the challenge stage with its grant.
pub fn load(rt: &Runtime, grant: &Grant) -> Result<Challenge, Error> {
    load_component(rt, grant, &embedded(rt, grant.name)?)
}

/// Load `component` as the challenge stage, with its grant: the way
/// [`load`] loads the embedded one (see [`Source`](super::Source)).
pub fn load_component(
    rt: &Runtime,
    grant: &Grant,
    component: &Component,
) -> Result<Challenge, Error> {
    let stage = load_plain(rt, grant, component, |s, c, l| {
        bindings::Challenge::instantiate(s, c, l)
    })?;
    let host = grant.directories.first().map(|d| d.host.as_path());
    let dir = host
        .ok_or_else(|| "no directory granted".to_string())
        .and_then(|path| {
            Dir::open_ambient_dir(path, cap_std::ambient_authority())
                .map_err(|e| format!("-C: cannot open directory {}: {e}", path.display()))
        })
        .map_err(|message| Error::Grant {
            stage: Stage::Challenge,
            message,
        })?;
    Ok(Challenge { stage, dir })
}

impl Challenge {
    /// Create the token file (the token is validated by the caller), then
    /// make it 0444 after checking that it is a regular file with one link
    /// holding exactly `key_authorization`. A file failing that check is
    /// removed again; an error means no file of this run is left.
    pub fn write(&mut self, token: &str, key_authorization: &str) -> Result<(), Error> {
        let step = "write challenge file";
        self.stage.call(step, |b, s| {
            b.acmebox_stages_tokens()
                .call_write(s, token, key_authorization)
        })?;
        if let Err(why) = crate::certdir::seal(&self.dir, token, key_authorization.as_bytes()) {
            let _ = self.remove(token);
            return Err(Error::Rejected {
                stage: Stage::Challenge,
                step,
                message: format!("token {token}: the stage did not write what was asked ({why})"),
            });
        }
        Ok(())
    }

    /// Before the first request: prove the challenge directory takes a new
    /// file, through the stage's own grant — a probe file created, checked
    /// and sealed as a token would be, then removed.
    pub fn probe(&mut self) -> Result<(), Error> {
        let name = format!("acmebox-probe-{}", crate::certdir::random_hex());
        self.write(&name, "acmebox probe\n")
            .map_err(|e| e.about(Path::new("-C: the challenge directory")))?;
        self.remove(&name)
    }

    /// Remove the token file.
    pub fn remove(&mut self, token: &str) -> Result<(), Error> {
        self.stage.call("remove challenge file", |b, s| {
            b.acmebox_stages_tokens().call_remove(s, token)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grant::{DirGrant, HostBounds, Wasi};
    use std::time::Duration;

    /// The challenge stage's grant, on `dir`.
    fn grant(dir: &std::path::Path) -> Grant {
        Grant {
            name: Stage::Challenge,
            directories: vec![DirGrant {
                host: dir.to_path_buf(),
                guest: "/challenge",
                write: true,
                staging: false,
                names: crate::names::Names::challenge(),
            }],
            network: None,
            listen: Vec::new(),
            wasi: vec![Wasi::Cli, Wasi::Clocks, Wasi::Filesystem],
            host_imports: Vec::new(),
            memory_bytes: 16 << 20,
            call_deadline: Duration::from_secs(5),
            host: HostBounds::STAGE,
            elsewhere: None,
        }
    }

    #[test]
    fn existing_file_named_like_token_is_left_untouched() {
        let tmp = tempfile::tempdir().expect("temp dir");
        std::fs::write(tmp.path().join("tok"), b"precious").expect("write");
        let rt = Runtime::new().expect("runtime");
        let mut tokens = load(&rt, &grant(tmp.path())).expect("load");
        let err = tokens
            .write("tok", "tok.thumbprint")
            .expect_err("must refuse");
        assert!(
            err.to_string()
                .contains("challenge file tok already exists"),
            "{err}"
        );
        let kept = std::fs::read(tmp.path().join("tok")).expect("read");
        assert_eq!(kept, b"precious");
    }

    #[cfg(unix)]
    #[test]
    fn token_file_is_sealed_read_only() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().expect("temp dir");
        let rt = Runtime::new().expect("runtime");
        let mut tokens = load(&rt, &grant(tmp.path())).expect("load");
        tokens.write("tok", "tok.thumbprint").expect("write");
        let meta = std::fs::metadata(tmp.path().join("tok")).expect("stat");
        assert_eq!(meta.permissions().mode() & 0o777, 0o444);
        tokens.remove("tok").expect("remove");
        assert!(!tmp.path().join("tok").exists());
    }
}
