//! `acmebox components`: the embedded stages, for auditors.
//!
//! - `export DIR` writes each stage's `.wasm` into DIR, which must not exist
//!   (acmebox creates it, mode 0700) or be an empty directory the caller
//!   owns, never a symbolic link. Files are created exclusively inside the
//!   opened directory, so nothing planted there is followed or overwritten.
//! - `verify` recompiles each embedded `.wasm` with build.rs's engine
//!   settings and compares it with the `.cwasm` that runs (see
//!   [`verify`](crate::verify)).

use crate::embedded;
use crate::stage::Stage;
use anyhow::{anyhow, Context};
use std::io::Write;
use std::path::Path;

/// Write every stage's `.wasm` into `dir` (see the module documentation);
/// returns one `sha256sum` line per file.
pub fn export(dir: &Path) -> anyhow::Result<String> {
    let target = private_dir(dir)?;
    let mut out = String::new();
    for stage in Stage::ALL {
        let name = format!("{}.wasm", stage.name());
        let path = dir.join(&name);
        let mut options = cap_std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        target
            .open_with(&name, &options)
            .and_then(|mut file| file.write_all(embedded::wasm(stage)))
            .with_context(|| format!("cannot create {}", path.display()))?;
        out += &format!("{}  {}\n", embedded::sha256(stage), path.display());
    }
    Ok(out)
}

/// Create `dir` (mode 0700) if it does not exist, then open it without
/// following a symbolic link and check, on the open directory, that the
/// caller owns it and that it is empty.
fn private_dir(dir: &Path) -> anyhow::Result<cap_std::fs::Dir> {
    let refuse = |what: String| anyhow!("cannot export into {}: {what}", dir.display());
    let needs = "give a path that does not exist yet, or an empty directory you own";
    match std::fs::symlink_metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            create_private(dir).map_err(|e| refuse(format!("cannot create it: {e}")))?
        }
        Err(e) => return Err(refuse(format!("cannot inspect it: {e}"))),
        Ok(meta) if meta.file_type().is_symlink() => {
            return Err(refuse(format!("it is a symbolic link; {needs}")))
        }
        Ok(meta) if !meta.is_dir() => {
            return Err(refuse(format!("it exists and is not a directory; {needs}")))
        }
        Ok(_) => {}
    }
    let opened = open_nofollow(dir).map_err(|e| refuse(format!("cannot open it: {e}")))?;
    check_owner(&opened).map_err(refuse)?;
    let target = cap_std::fs::Dir::from_std_file(opened);
    let mut entries = target
        .entries()
        .map_err(|e| refuse(format!("cannot list it: {e}")))?;
    if entries.next().is_some() {
        return Err(refuse(format!("it is not empty; {needs}")));
    }
    Ok(target)
}

/// Make the directory `dir`, mode 0700 on unix; its parent must exist.
fn create_private(dir: &Path) -> std::io::Result<()> {
    #[cfg_attr(not(unix), allow(unused_mut))]
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Open the directory `dir`; on unix refusing a symbolic link in its last
/// component (O_NOFOLLOW), so a link swapped in after the check is not
/// followed either.
#[cfg(unix)]
fn open_nofollow(dir: &Path) -> std::io::Result<std::fs::File> {
    use rustix::fs::{Mode, OFlags};
    let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    match rustix::fs::open(dir, flags, Mode::empty()) {
        Ok(fd) => Ok(std::fs::File::from(fd)),
        Err(rustix::io::Errno::LOOP) => Err(std::io::Error::other("it is a symbolic link")),
        Err(e) => Err(e.into()),
    }
}

/// Open the directory `dir` (symbolic links were refused by the check
/// before).
#[cfg(not(unix))]
fn open_nofollow(dir: &Path) -> std::io::Result<std::fs::File> {
    cap_std::fs::Dir::open_ambient_dir(dir, cap_std::ambient_authority())
        .map(cap_std::fs::Dir::into_std_file)
}

/// The opened directory must be a directory owned by the effective user.
#[cfg(unix)]
fn check_owner(opened: &std::fs::File) -> Result<(), String> {
    use std::os::unix::fs::MetadataExt;
    let meta = opened
        .metadata()
        .map_err(|e| format!("cannot inspect it: {e}"))?;
    let me = rustix::process::geteuid().as_raw();
    if !meta.is_dir() {
        Err("it is not a directory".into())
    } else if meta.uid() != me {
        Err(format!(
            "it is owned by uid {}, not by you (uid {me})",
            meta.uid()
        ))
    } else {
        Ok(())
    }
}

/// No owner to compare with outside unix.
#[cfg(not(unix))]
fn check_owner(_: &std::fs::File) -> Result<(), String> {
    Ok(())
}

/// The outcome of [`verify`]: one line per stage, and whether all matched.
pub struct Verified {
    /// `<stage>  ok` or `<stage>  MISMATCH ...`, one line each.
    pub text: String,
    /// Every stage's `.cwasm` is what its `.wasm` precompiles to.
    pub all_match: bool,
}

/// Recompile each stage's embedded `.wasm` and compare it with the embedded
/// `.cwasm`.
pub fn verify() -> anyhow::Result<Verified> {
    let engine = crate::verify::engine()
        .map_err(|e| anyhow!("cannot make the precompiling engine: {e:#}"))?;
    let mut verified = Verified {
        text: String::new(),
        all_match: true,
    };
    for stage in Stage::ALL {
        let same = crate::verify::stage(&engine, stage)
            .map_err(|e| anyhow!("{stage} stage, verify: cannot compile its .wasm: {e:#}"))?;
        verified.text += &if same {
            format!("{stage}  ok\n")
        } else {
            verified.all_match = false;
            format!(
                "{stage}  MISMATCH: the embedded .cwasm (sha256 {}) is not what its .wasm (sha256 {}) compiles to\n",
                embedded::cwasm_sha256(stage),
                embedded::sha256(stage)
            )
        };
    }
    Ok(verified)
}
