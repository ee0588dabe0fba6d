//! The challenge stage lies: tests/liars/challenge loaded with the challenge
//! stage's real grant through `challenge::load_component`, claiming to have
//! written token files it did not write as asked; the lie is the token's
//! first word. The host's seal (certdir.rs) reads the file back.

use super::{assert_rejected, component, runtime, Scene};
use acmebox::stage::Stage;
use acmebox::stages::challenge::{self, Challenge};

/// The challenge liar in the challenge stage's sandbox, on the scene's
/// challenge directory.
fn liar(scene: &Scene) -> Challenge {
    let opts = scene.options(&[], &["liar.example".into()]);
    let grant = Scene::grant(&opts, Stage::Challenge);
    challenge::load_component(runtime(), &grant, &component(Stage::Challenge))
        .expect("the challenge liar loads with the challenge stage's grant")
}

/// The token telling `lie`, and its key authorization.
fn token(lie: &str) -> (String, String) {
    let token = format!("{lie}-LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0");
    let key_authorization = format!("{token}.NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
    (token, key_authorization)
}

/// The challenge liar telling `lie`: refused saying `why`, no file left.
#[track_caller]
fn refused(lie: &str, why: &str) {
    let scene = Scene::new();
    let (token, key_authorization) = token(lie);
    let result = liar(&scene).write(&token, &key_authorization);
    assert_rejected(
        result,
        Stage::Challenge,
        "write challenge file",
        &format!("token {token}: the stage did not write what was asked ({why})"),
    );
    assert_eq!(scene.entries("challenge"), Vec::<String>::new());
}

/// The control: a file written as asked is accepted and sealed.
#[test]
fn honest_token_file_is_accepted() {
    let scene = Scene::new();
    let (token, key_authorization) = token("honest");
    liar(&scene)
        .write(&token, &key_authorization)
        .expect("accepted");
    let written = std::fs::read(scene.path("challenge").join(&token)).expect("token file");
    assert_eq!(written, key_authorization.as_bytes());
}

#[test]
fn token_file_not_written_is_refused() {
    refused("nothing", "missing");
}

#[test]
fn token_file_of_other_bytes_is_refused() {
    refused("other", "other bytes than those asked for");
}

#[test]
fn token_file_cut_short_is_refused() {
    let (_, key_authorization) = token("short");
    let len = key_authorization.len();
    refused("short", &format!("{} bytes, not {len}", len - 1));
}
