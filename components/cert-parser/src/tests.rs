//! Unit tests against the openssl fixtures in `tests/fixtures` (made by
//! `tests/fixtures/make-fixtures.sh`).

use crate::date::utc;
use crate::{check, inspect, inspect_anchors, inspect_csr, pem, verify_chain};

const ROOT: &str = include_str!("../tests/fixtures/root.pem");
const INTER: &str = include_str!("../tests/fixtures/inter.pem");
const LEAF: &str = include_str!("../tests/fixtures/leaf.pem");
const LEAF_KEY: &str = include_str!("../tests/fixtures/leaf.key");
const LEAF_SPKI: &[u8] = include_bytes!("../tests/fixtures/leaf.spki.der");
const LEAF_NOT_AFTER: &str = include_str!("../tests/fixtures/leaf.not-after");
const OTHER_SPKI: &[u8] = include_bytes!("../tests/fixtures/other.spki.der");
const IMPOSTOR: &str = include_str!("../tests/fixtures/impostor.pem");
const LEAF_OTHER_CA: &str = include_str!("../tests/fixtures/leaf-other-ca.pem");
const LEAF_OTHER_NAMES: &str = include_str!("../tests/fixtures/leaf-other-names.pem");
const LEAF_CN_ONLY: &str = include_str!("../tests/fixtures/leaf-cn-only.pem");
const LEAF_LOOP: &str = include_str!("../tests/fixtures/leaf-loop.pem");
const LOOP_A: &str = include_str!("../tests/fixtures/loop-a.pem");
const LOOP_B: &str = include_str!("../tests/fixtures/loop-b.pem");

const NAMES: [&str; 3] = ["a.test", "b.test", "www.a.test"];

fn cat(parts: &[&str]) -> Vec<u8> {
    parts.concat().into_bytes()
}

fn not_after() -> i64 {
    LEAF_NOT_AFTER.trim().parse().expect("leaf.not-after")
}

/// A time inside every fixture's validity.
fn now() -> i64 {
    not_after() - 365 * 86_400
}

fn err<T: std::fmt::Debug>(result: Result<T, String>) -> String {
    result.expect_err("expected an error")
}

mod check;
mod csr;
mod dates;
mod inspect;
mod rejected;
mod verify;
