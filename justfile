# acmebox tasks. `just demo` and `just test` are the README's two commands
# (after scripts/setup). The host is only ever built in release: its build
# script compiles and precompiles the six stages either way, and a debug
# wasmtime would be a second, slow build of the same crates.

# Issue a certificate from a local pebble into ./demo and show the grants.
demo: build
    ./scripts/demo

# Build target/release/acmebox (and the testbed) with the stages embedded,
# the host's own crates linted as they compile (scripts/lint-build).
build:
    ./scripts/lint-build build --release --workspace --locked

# Everything CI checks: formatting, lints, the stages' unit tests, each fuzz
# target for 15 s (skipped, saying why, without a nightly toolchain), and the
# host's unit, end-to-end, CLI and escape tests against pebble. The host is
# built once: clippy lints its crates as they compile for the tests
# (scripts/lint-build), so `lint`'s separate `cargo clippy` of the host is
# not run twice.
test: fmt lint-others
    cd components && cargo test --workspace --locked
    FUZZ_SECONDS=15 ./scripts/fuzz
    ./scripts/lint-build test --release --workspace --locked

# Run every fuzz target (fuzz/fuzz_targets, cargo-fuzz on nightly) for
# FUZZ_SECONDS each (default 30), or only those named: `just fuzz config`.
fuzz *targets:
    ./scripts/fuzz {{targets}}

# Formatting and clippy, warnings as errors, for the host, the stages, the
# fuzz targets and the test-only components of the escape matrix
# (tests/hostile) and of the stages that lie (tests/liars).
lint: fmt lint-others
    cargo clippy --release --workspace --all-targets --locked -- -D warnings

# Formatting of every workspace.
fmt:
    cargo fmt --all --check
    cd components && cargo fmt --all --check
    cd fuzz && cargo fmt --all --check
    cd tests/hostile && cargo fmt --all --check
    cd tests/liars && cargo fmt --all --check

# Clippy for everything but the host workspace: the stages (wasm32-wasip2),
# the fuzz targets, tests/hostile and tests/liars.
lint-others:
    cd components && cargo clippy --workspace --all-targets --locked --target wasm32-wasip2 -- -D warnings
    cd fuzz && cargo clippy --all-targets --locked -- -D warnings
    cd tests/hostile && cargo clippy --workspace --all-targets --locked --target wasm32-wasip2 -- -D warnings
    cd tests/liars && cargo clippy --workspace --all-targets --locked --target wasm32-wasip2 -- -D warnings

# Build acmebox.exe for x86_64-pc-windows-gnu (mingw-w64) and type-check
# and lint x86_64-pc-windows-msvc, x86_64-apple-darwin and
# aarch64-apple-darwin, timing each (README.md, "Targets"); or only the
# targets named: `just check-targets x86_64-pc-windows-gnu`.
check-targets *targets:
    ./scripts/setup --cross
    ./scripts/check-targets {{targets}}

# Run the x86_64-pc-windows-gnu build under Wine against a local pebble:
# grants --json against Linux's, one issuance, exit 2 on the second run, a
# sandbox refusal (scripts/wine-check). Needs `just build` and wine.
wine-check:
    ./scripts/setup --cross
    ./scripts/wine-check

# Write the manual page docs/acmebox.1, generated from the command line's
# definition (tests/grants.rs checks that the committed page is current).
man: build
    ./target/release/acmebox manpage > docs/acmebox.1

# Compare whole issuances with other ACME clients on the same pebble.
bench: build
    ./scripts/bench
