//! Building a test-only wasm32-wasip2 workspace (tests/hostile, tests/liars)
//! once per test binary, exactly as host/build.rs builds components/: its own
//! target directory, a cleared environment, `--locked`, the build paths
//! remapped (host/wasm_cargo.rs, shared with build.rs).

use std::path::{Path, PathBuf};

include!("../host/wasm_cargo.rs");

/// Build the workspace `tests/<name>`; the directory holding its `.wasm`
/// files, or why the build failed.
pub fn build(name: &str) -> Result<PathBuf, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = root.join("tests").join(name);
    let target = dir.join("target");
    let out = wasm_cargo(&root, &dir, &target)?
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "cargo build in {} exited with {}:\n{}",
            dir.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(target.join("wasm32-wasip2").join("release"))
}
