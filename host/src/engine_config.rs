// The one wasmtime `Config` of acmebox. build.rs precompiles the stages with it
// and the host deserializes them with it: wasmtime refuses a precompiled
// component made under different settings, so both include this file.

/// The engine configuration shared by build.rs and the host.
pub fn engine_config() -> wasmtime::Config {
    let mut config = wasmtime::Config::new();
    // CPU bound: each stage call gets an epoch deadline (see sandbox.rs).
    config.epoch_interruption(true);
    config.wasm_component_model(true);
    config
}
