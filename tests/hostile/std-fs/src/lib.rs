//! Attacks on the file system through Rust's standard library, as the stages
//! do their file I/O: the component imports wasi:filesystem at the version
//! Rust's wasm32-wasip2 target links (0.2.6), which wasmtime links to its own
//! 0.2.12 implementation by semver. Paths are guest paths (e.g.
//! `/challenge/token`); `a|b` separates the target (or original) and the link of
//! symlink and link.

wit_bindgen::generate!({
    world: "acmebox-test:hostile/std-fs",
    path: ["../../../wit", "../wit"],
    generate_all,
});

struct Component;

impl Guest for Component {
    fn attack(kind: String, arg: String) -> Result<String, String> {
        match kind.as_str() {
            "symlink" => {
                let (target, link) = arg
                    .split_once('|')
                    .ok_or_else(|| format!("expected a|b, got {arg:?}"))?;
                // `soft_link` is deprecated in favour of the platform's own
                // function, which on WASI is unstable; it makes the same call.
                #[allow(deprecated)]
                std::fs::soft_link(target, link)
                    .map(|()| "done".into())
                    .map_err(|e| format!("symlink: {e}"))
            }
            "link" => {
                let (original, link) = arg
                    .split_once('|')
                    .ok_or_else(|| format!("expected a|b, got {arg:?}"))?;
                std::fs::hard_link(original, link)
                    .map(|()| "done".into())
                    .map_err(|e| format!("link: {e}"))
            }
            "write" => std::fs::write(&arg, "written by a hostile stage")
                .map(|()| "written".into())
                .map_err(|e| format!("write: {e}")),
            _ => Err(format!("unknown attack {kind}")),
        }
    }
}

export!(Component);
