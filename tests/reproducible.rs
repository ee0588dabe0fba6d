//! The embedded components carry no path of the machine that built them
//! (host/wasm_cargo.rs remaps them), so the sha256 `acmebox grants` prints is
//! the same for anyone who builds the same source with the same toolchain,
//! wherever the checkout and the cargo registry are (docs/GRANTS.md).

use acmebox::embedded;
use acmebox::stage::Stage;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The build machine's directories that must not appear in a component, each
/// with what it is: $HOME, $CARGO_HOME (its default under $HOME when unset),
/// the checkout this test was built from, and the rustup toolchain (the
/// sysroot rustc reports, as printed and resolved through links).
fn machine_paths() -> Vec<(&'static str, PathBuf)> {
    let checkout = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("host/ has a parent")
        .to_path_buf();
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| home.as_ref().map(|h| h.join(".cargo")));
    let rustc = Command::new("rustc")
        .args(["--print", "sysroot"])
        .current_dir(&checkout)
        .output()
        .expect("run rustc --print sysroot");
    assert!(rustc.status.success(), "rustc --print sysroot failed");
    let sysroot = PathBuf::from(String::from_utf8_lossy(&rustc.stdout).trim());

    let mut paths = vec![("the checkout", checkout), ("the toolchain", sysroot)];
    paths.extend(home.map(|h| ("$HOME", h)));
    paths.extend(cargo_home.map(|c| ("$CARGO_HOME", c)));
    let real: Vec<_> = (paths.iter())
        .filter_map(|(what, p)| Some((*what, p.canonicalize().ok()?)))
        .collect();
    paths.extend(real);
    // "/" as $HOME would match everything; such a path says nothing.
    paths.retain(|(_, p)| p.components().count() > 1);
    let mut seen = std::collections::BTreeSet::new();
    paths.retain(|(_, p)| seen.insert(p.clone()));
    paths
}

/// Where `needle` occurs in `haystack`, if it does.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A few bytes around `at`, for the failure message.
fn around(bytes: &[u8], at: usize) -> String {
    let end = (at + 80).min(bytes.len());
    String::from_utf8_lossy(&bytes[at..end]).into_owned()
}

#[test]
fn embedded_components_contain_no_build_machine_paths() {
    let paths = machine_paths();
    let mut found = Vec::new();
    for stage in Stage::ALL {
        for (form, bytes) in [
            (".wasm", embedded::wasm(stage)),
            (".cwasm", embedded::cwasm(stage)),
        ] {
            for (what, path) in &paths {
                // With a trailing '/': a directory's contents, not a longer
                // name that happens to start the same.
                let needle = format!("{}/", path.display());
                if let Some(at) = find(bytes, needle.as_bytes()) {
                    found.push(format!(
                        "{stage}{form}: {what} ({needle}): {:?}",
                        around(bytes, at)
                    ));
                }
            }
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}
