//! The file-writer stage lies: tests/liars/file-writer loaded with the
//! file-writer stage's real grant (its fresh staging directory) through
//! `file_writer::install`, claiming to have written files it did not write
//! as asked; the lie is the first line of cert.pem's bytes. The host's
//! publish (certdir.rs) reads each file back before renaming any.

use super::{assert_rejected, component, runtime, Scene};
use acmebox::certdir::CertDir;
use acmebox::log::Log;
use acmebox::stage::Stage;
use acmebox::stages::file_writer;
use acmebox::Error;

/// What cert.pem held before.
const OLD: &[u8] = b"the old certificate\n";

/// Install cert.pem (whose first line is `lie`), chain.pem and
/// fullchain.pem through the file-writer liar, over an old cert.pem.
fn install(scene: &Scene, lie: &str) -> Result<(), Error> {
    let opts = scene.options(&[], &["liar.example".into()]);
    let grant = Scene::grant(&opts, Stage::FileWriter);
    std::fs::write(scene.path("certs/cert.pem"), OLD).expect("old cert.pem");
    let certdir = CertDir::lock(&scene.path("certs")).expect("lock");
    let cert = format!("{lie}\nthe new certificate\n");
    let files = [
        ("cert.pem".to_string(), cert.clone().into_bytes()),
        ("chain.pem".to_string(), b"the chain\n".to_vec()),
        (
            "fullchain.pem".to_string(),
            format!("{cert}the chain\n").into_bytes(),
        ),
    ];
    let component = component(Stage::FileWriter);
    file_writer::install(
        runtime(),
        &grant,
        &component,
        &certdir,
        &files,
        acmebox::owner::Perms::DEFAULT,
        &Log::default(),
    )
}

/// The file-writer liar telling `lie`: refused saying `why`, nothing
/// installed, the staging directory gone.
#[track_caller]
fn refused(lie: &str, why: &str) {
    let scene = Scene::new();
    let result = install(&scene, lie);
    assert_rejected(result, Stage::FileWriter, "install certificate", why);
    assert_eq!(scene.entries("certs"), ["cert.pem"]);
    assert_eq!(
        std::fs::read(scene.path("certs/cert.pem")).expect("cert.pem"),
        OLD
    );
}

/// The control: files written as asked are installed.
#[test]
fn honest_files_are_installed() {
    let scene = Scene::new();
    install(&scene, "honest").expect("installed");
    assert_eq!(
        scene.entries("certs"),
        ["cert.pem", "chain.pem", "fullchain.pem"]
    );
    let cert = std::fs::read(scene.path("certs/cert.pem")).expect("cert.pem");
    assert_eq!(cert, b"honest\nthe new certificate\n");
}

#[test]
fn files_not_written_are_refused() {
    refused(
        "nothing",
        "cert.pem: file-writer did not write what was asked (missing); nothing was installed",
    );
}

#[test]
fn files_of_other_bytes_are_refused() {
    refused(
        "other-bytes",
        "cert.pem: file-writer did not write what was asked (other bytes than those asked for); nothing was installed",
    );
}

#[test]
fn files_cut_short_are_refused() {
    let len = "short\nthe new certificate\n".len();
    refused(
        "short",
        &format!(
            "cert.pem: file-writer did not write what was asked ({} bytes, not {len}); \
             nothing was installed",
            len - 1
        ),
    );
}

#[test]
fn files_left_out_are_refused() {
    refused(
        "only-first",
        "chain.pem: file-writer did not write what was asked (missing); nothing was installed",
    );
}
