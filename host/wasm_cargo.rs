// Shared by host/build.rs (the stages), tests/support/hostile.rs (the
// test-only hostile components) and tests/lies/mod.rs (the test-only lying
// stages) through `include!`: one way to build a wasm32-wasip2 workspace.

/// `cargo build --release --locked --target wasm32-wasip2` in `workspace`
/// (inside the checkout `root`), into `target_dir`: a target directory of its
/// own (sharing the outer build's deadlocks on its lock) and a cleared
/// environment but for what finds the toolchain (else every outer
/// debug/release switch, and cargo's own variables, would rebuild or
/// misdirect it).
///
/// The build machine's paths that rustc would write into the `.wasm` (panic
/// locations in dependencies name their source files) are replaced by fixed
/// strings, so that the same source and toolchain give the same bytes
/// wherever and by whomever they are built (docs/GRANTS.md): see
/// [`wasm_remaps`]. The flags go through `CARGO_ENCODED_RUSTFLAGS` of this
/// command only; with `--target` given they do not reach build scripts or
/// proc-macros.
fn wasm_cargo(
    root: &std::path::Path,
    workspace: &std::path::Path,
    target_dir: &std::path::Path,
) -> Result<std::process::Command, String> {
    let mut flags = Vec::new();
    for (from, to) in wasm_remaps(root, workspace)? {
        flags.push(format!("--remap-path-prefix={}={to}", from.display()));
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = wasm_env(std::process::Command::new(cargo), workspace);
    cmd.env("CARGO_ENCODED_RUSTFLAGS", flags.join("\u{1f}"));
    cmd.args([
        "build",
        "--release",
        "--locked",
        "--target",
        "wasm32-wasip2",
        "--target-dir",
    ]);
    cmd.arg(target_dir);
    Ok(cmd)
}

/// `cmd` with the environment cleared but for what finds the toolchain, run
/// in `workspace` (where rust-toolchain.toml picks the toolchain).
fn wasm_env(mut cmd: std::process::Command, workspace: &std::path::Path) -> std::process::Command {
    cmd.env_clear().current_dir(workspace);
    for var in [
        "PATH",
        "HOME",
        "CARGO_HOME",
        "RUSTUP_HOME",
        "RUSTUP_TOOLCHAIN",
        "TMPDIR",
    ] {
        if let Some(value) = std::env::var_os(var) {
            cmd.env(var, value);
        }
    }
    cmd
}

/// The `--remap-path-prefix` pairs of [`wasm_cargo`] (rustc applies the last
/// that matches): the checkout `root`, as given and resolved through links →
/// `/acmebox`; the toolchain's sysroot, as rustc prints it and resolved
/// (std's sources, where rust-src is installed) → `/rust/sysroot`;
/// `$CARGO_HOME/registry/src` → `/cargo/registry/src` (the dependencies'
/// sources, in `<index>/<crate>-<version>/`, where `<index>` is the
/// registry's name and a hash of its URL, the same for every build with this
/// cargo) and `$CARGO_HOME/git/checkouts` → `/cargo/git/checkouts`.
fn wasm_remaps(
    root: &std::path::Path,
    workspace: &std::path::Path,
) -> Result<Vec<(std::path::PathBuf, &'static str)>, String> {
    let mut remaps = vec![(root.to_path_buf(), "/acmebox")];
    if let Ok(real) = root.canonicalize() {
        remaps.push((real, "/acmebox"));
    }
    let rustc = wasm_env(std::process::Command::new("rustc"), workspace)
        .args(["--print", "sysroot"])
        .output()
        .map_err(|e| format!("cannot run rustc --print sysroot: {e}"))?;
    if !rustc.status.success() {
        return Err(format!(
            "rustc --print sysroot in {} exited with {}: {}",
            workspace.display(),
            rustc.status,
            String::from_utf8_lossy(&rustc.stderr).trim()
        ));
    }
    let sysroot = std::path::PathBuf::from(String::from_utf8_lossy(&rustc.stdout).trim());
    if let Ok(real) = sysroot.canonicalize() {
        remaps.push((real, "/rust/sysroot"));
    }
    remaps.push((sysroot, "/rust/sysroot"));
    let cargo_home = match std::env::var_os("CARGO_HOME") {
        Some(home) => std::path::PathBuf::from(home),
        None => {
            std::path::PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cargo")
        }
    };
    let registry = cargo_home.join("registry").join("src");
    let git = cargo_home.join("git").join("checkouts");
    for (path, to) in [
        (registry, "/cargo/registry/src"),
        (git, "/cargo/git/checkouts"),
    ] {
        if let Ok(real) = path.canonicalize() {
            remaps.push((real, to));
        }
        remaps.push((path, to));
    }
    Ok(remaps)
}
