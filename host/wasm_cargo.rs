// Shared by host/build.rs (the stages) and tests/support/hostile.rs (the
// test-only hostile components) through `include!`: one way to build a
// wasm32-wasip2 workspace.

/// `cargo build --release --locked --target wasm32-wasip2` in `workspace`,
/// into `target_dir`: a target directory of its own (sharing the outer
/// build's deadlocks on its lock) and a cleared environment but for what
/// finds the toolchain (else every outer debug/release switch, and cargo's
/// own variables, would rebuild or misdirect it).
fn wasm_cargo(workspace: &std::path::Path, target_dir: &std::path::Path) -> std::process::Command {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = std::process::Command::new(cargo);
    cmd.env_clear().current_dir(workspace);
    for var in ["PATH", "HOME", "CARGO_HOME", "RUSTUP_HOME", "RUSTUP_TOOLCHAIN", "TMPDIR"] {
        if let Some(value) = std::env::var_os(var) {
            cmd.env(var, value);
        }
    }
    cmd.args(["build", "--release", "--locked", "--target", "wasm32-wasip2", "--target-dir"]);
    cmd.arg(target_dir);
    cmd
}
