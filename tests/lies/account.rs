//! The account stage lies: tests/liars/account loaded with the account
//! stage's real grant through `account::load_component`, the lie named by
//! the key file name the host passes to `load`.

use super::{assert_rejected, component, runtime, Scene};
use acmebox::stage::Stage;
use acmebox::stages::account::{self, Account};

/// The account liar in the account stage's sandbox (and the scene holding
/// its directory).
fn liar() -> (Scene, Account) {
    let scene = Scene::new();
    let opts = scene.options(&[], &["liar.example".into()]);
    let grant = Scene::grant(&opts, Stage::Account);
    let stage = account::load_component(runtime(), &grant, &component(Stage::Account))
        .expect("the account liar loads with the account stage's grant");
    (scene, stage)
}

/// The control: consistent keys of each alg, and signatures of their
/// length, are accepted; so each refusal below is for its lie alone.
#[test]
fn honest_keys_and_signatures_are_accepted() {
    for lie in ["honest-es256", "honest-es384", "honest-rs256"] {
        let (_scene, mut stage) = liar();
        let key = stage.load_key(lie, None).expect(lie).key;
        let again = stage.public_key().expect(lie);
        assert_eq!((key.jwk, key.thumbprint), (again.jwk, again.thumbprint));
        stage.sign("e30.e30").expect(lie);
    }
}

#[test]
fn thumbprint_not_of_the_jwk_is_refused() {
    let (_scene, mut stage) = liar();
    assert_rejected(
        stage.load_key("thumbprint", None),
        Stage::Account,
        "read account key",
        "is not the JWK's (base64url SHA-256 of its RFC 7638 text",
    );
}

#[test]
fn unknown_alg_is_refused() {
    let (_scene, mut stage) = liar();
    assert_rejected(
        stage.load_key("alg", None),
        Stage::Account,
        "read account key",
        "unknown alg \"HS256\"",
    );
}

#[test]
fn alg_that_is_not_the_jwk_is_refused() {
    let (_scene, mut stage) = liar();
    assert_rejected(
        stage.load_key("alg-mismatch", None),
        Stage::Account,
        "read account key",
        "is not an RFC 7638 ES384 public key: members or curve differ",
    );
}

#[test]
fn public_key_other_than_the_one_read_is_refused() {
    let (_scene, mut stage) = liar();
    stage.load_key("public-key", None).expect("load");
    assert_rejected(
        stage.public_key(),
        Stage::Account,
        "public key",
        "returned another key",
    );
}

/// A signature of the wrong length for the key's alg: refused at `sign`
/// saying `why`.
#[track_caller]
fn signature_refused(lie: &str, why: &str) {
    let (_scene, mut stage) = liar();
    stage.load_key(lie, None).expect("load");
    assert_rejected(stage.sign("e30.e30"), Stage::Account, "sign", why);
}

#[test]
fn es256_signature_of_wrong_length_is_refused() {
    signature_refused(
        "sign-es256",
        "signature of 63 bytes; ES256 signatures with this key are 64",
    );
}

#[test]
fn es384_signature_of_wrong_length_is_refused() {
    signature_refused(
        "sign-es384",
        "signature of 64 bytes; ES384 signatures with this key are 96",
    );
}

#[test]
fn rs256_signature_of_wrong_length_is_refused() {
    signature_refused(
        "sign-rs256",
        "signature of 128 bytes; RS256 signatures with this key are 256",
    );
}

#[test]
fn signature_that_is_not_base64url_is_refused() {
    signature_refused("sign-not-base64url", "is not base64url");
}
