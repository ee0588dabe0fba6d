//! Glue generated from `wit/network.wit` (world `network`) and the export of
//! [`crate::Component`]. The only module allowed to hold `unsafe` code: the
//! canonical ABI that `wit-bindgen` emits needs it.

wit_bindgen::generate!({ world: "network", path: "../../wit" });

// Exported symbols are named like `acmebox:stages/acme@0.1.0#open`, which a
// native linker rejects: export only for wasm so `cargo test` runs natively.
#[cfg(target_arch = "wasm32")]
use crate::Component;
#[cfg(target_arch = "wasm32")]
export!(Component with_types_in self);
