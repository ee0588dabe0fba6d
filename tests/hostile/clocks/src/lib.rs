//! Attacks through the clocks: block in the host instead of spinning, where
//! the epoch deadline cannot see.

wit_bindgen::generate!({
    world: "acmebox-test:hostile/clocks",
    path: ["../../../wit", "../wit"],
    generate_all,
});

use wasi::clocks::{monotonic_clock, wall_clock};

struct Component;

impl Guest for Component {
    fn attack(kind: String, arg: String) -> Result<String, String> {
        match kind.as_str() {
            // Sleep `arg` milliseconds in one host call.
            "sleep" => {
                let ms: u64 = arg.parse().map_err(|e| format!("sleep {arg:?}: {e}"))?;
                monotonic_clock::subscribe_duration(ms * 1_000_000).block();
                Ok(format!("slept {ms} ms"))
            }
            "now" => Ok(format!("{}", wall_clock::now().seconds)),
            _ => Err(format!("unknown attack {kind}")),
        }
    }
}

export!(Component);
