//! Certificate files anywhere (host/src/certfiles.rs), through the library
//! against pebble: cert, chain and fullchain in two directories under names
//! of their own, a full chain alone, `-b` and `-r` with those names, and the
//! file-writer grant per directory.

mod common;

use acmebox::certfiles::CertFiles;
use acmebox::grant::Grant;
use acmebox::issue::Outcome;
use acmebox::log::Log;
use acmebox::options::{IssueArgs, Options, Revocation};
use acmebox::stage::Stage;
use clap::Parser;
use common::Client;
use std::path::{Path, PathBuf};
use testbed::{test_names, Testbed};

#[derive(Parser)]
struct Cmd {
    #[command(flatten)]
    issue: IssueArgs,
}

/// `acmebox -n -N FLAGS` with `client`'s files and `names`, its certificate
/// files replaced by `files`.
fn options(
    bed: &Testbed,
    client: &Client,
    flags: &[&str],
    names: &[String],
    files: CertFiles,
) -> Options {
    let mut argv: Vec<String> = ["acmebox", "-n", "-N"].map(String::from).to_vec();
    argv.extend(flags.iter().map(|f| f.to_string()));
    argv.extend(client.args(bed, &bed.directory_url()));
    argv.extend(names.iter().cloned());
    let cmd = Cmd::try_parse_from(argv).expect("flags parse");
    let mut opts = Options::from_args(&cmd.issue).expect("valid options");
    opts.cert_files = files;
    opts
}

fn issue(opts: &Options) -> Outcome {
    common::on_own_thread(|| acmebox::issue::run(opts, &Log { verbose: 0 })).expect("issuance")
}

fn dir(client: &Client, sub: &str) -> PathBuf {
    let d = client.certs.join(sub);
    std::fs::create_dir_all(&d).expect("dir");
    d
}

/// Entries of `d`, sorted, without the lock file.
fn entries(d: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(d)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n != common::LOCK_FILE)
        .collect();
    names.sort();
    names
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).expect("read")
}

#[test]
fn files_in_two_directories_with_their_own_names_install_and_stay_up_to_date() {
    let bed = Testbed::start().expect("start pebble");
    let client = Client::new();
    let (a, b) = (dir(&client, "a"), dir(&client, "b"));
    let files = CertFiles::new(
        Some(a.join("site.crt")),
        Some(b.join("issuer.crt")),
        Some(b.join("full.crt")),
    )
    .expect("valid files");
    let names = test_names(1);
    let opts = options(&bed, &client, &[], &names, files);

    // file-writer's grant: one staging directory per certificate directory,
    // with exactly that directory's names.
    let writer = Grant::all(&opts)
        .into_iter()
        .find(|g| g.name == Stage::FileWriter)
        .expect("file-writer grant");
    let shown: Vec<(PathBuf, Vec<String>)> = writer
        .directories
        .iter()
        .map(|d| (d.host.clone(), d.names.shown()))
        .collect();
    assert_eq!(
        shown,
        [
            (
                a.join(".acmebox-stage-*"),
                vec![
                    "site.crt".to_string(),
                    ".site.crt.acmebox-directory".into(),
                    "site-<digits>.crt".into()
                ]
            ),
            (
                b.join(".acmebox-stage-*"),
                vec![
                    "issuer.crt".to_string(),
                    "full.crt".into(),
                    "issuer-<digits>.crt".into(),
                    "full-<digits>.crt".into()
                ]
            ),
        ]
    );

    assert_eq!(issue(&opts), Outcome::Changed);
    // Beside the primary file: the directory record and the renewal
    // information record (flows/ari.rs), named after it.
    assert_eq!(
        entries(&a),
        [
            ".site.crt.acmebox-ari",
            ".site.crt.acmebox-directory",
            "site.crt"
        ]
    );
    assert_eq!(entries(&b), ["full.crt", "issuer.crt"]);
    assert_eq!(
        read(&b.join("full.crt")),
        read(&a.join("site.crt")) + &read(&b.join("issuer.crt"))
    );
    assert_eq!(common::cert_names(&a.join("site.crt")), names);
    assert_eq!(
        read(&a.join(".site.crt.acmebox-directory")),
        format!("{}\n", bed.directory_url())
    );
    #[cfg(unix)]
    for f in [a.join("site.crt"), b.join("issuer.crt"), b.join("full.crt")] {
        assert_eq!(common::mode(&f), 0o444, "{}", f.display());
    }
    assert_eq!(issue(&opts), Outcome::UpToDate);

    // -b -F: backups as <stem>-EPOCH.<ext> beside each file.
    let mut forced = opts.clone();
    forced.force = true;
    forced.backup = true;
    assert_eq!(issue(&forced), Outcome::Changed);
    let backed = |d: &Path, stem: &str| {
        entries(d)
            .iter()
            .filter(|n| n.starts_with(&format!("{stem}-")) && n.ends_with(".crt"))
            .count()
    };
    assert_eq!(backed(&a, "site"), 1, "{:?}", entries(&a));
    assert_eq!(backed(&b, "issuer"), 1, "{:?}", entries(&b));
    assert_eq!(backed(&b, "full"), 1, "{:?}", entries(&b));

    // -r removes exactly the configured files and the records.
    std::fs::write(a.join("other.pem"), "not acmebox's\n").expect("write");
    let revocation = Revocation {
        reason: None,
        with_domain_key: false,
    };
    common::on_own_thread(|| acmebox::flows::revoke::run(&opts, &revocation, &Log { verbose: 0 }))
        .expect("revoke");
    let left_a = entries(&a);
    assert!(left_a.contains(&"other.pem".to_string()), "{left_a:?}");
    assert!(
        !left_a.iter().any(|n| n == "site.crt"
            || n.ends_with("acmebox-directory")
            || n.ends_with("acmebox-ari")),
        "{left_a:?}"
    );
    let left_b = entries(&b);
    assert!(
        !left_b.iter().any(|n| n == "issuer.crt" || n == "full.crt"),
        "{left_b:?}"
    );
    assert_eq!(left_a.len() + left_b.len(), 4, "{left_a:?} {left_b:?}");
}

#[test]
fn a_full_chain_alone_is_inspected_and_kept_or_renewed() {
    let bed = Testbed::start().expect("start pebble");
    let client = Client::new();
    let a = dir(&client, "a");
    let bundle = a.join("bundle.pem");
    let files = CertFiles::new(None, None, Some(bundle.clone())).expect("valid files");
    let names = test_names(1);
    let opts = options(&bed, &client, &[], &names, files);
    assert_eq!(issue(&opts), Outcome::Changed);
    assert_eq!(
        entries(&a),
        [
            ".bundle.pem.acmebox-ari",
            ".bundle.pem.acmebox-directory",
            "bundle.pem"
        ]
    );
    assert_eq!(common::cert_names(&bundle), names);
    assert_eq!(issue(&opts), Outcome::UpToDate);

    // The leaf alone, without its chain: the chain no longer links, renewed.
    let full = read(&bundle);
    let end = "-----END CERTIFICATE-----\n";
    let leaf = &full[..full.find(end).expect("a certificate") + end.len()];
    std::fs::remove_file(&bundle).expect("remove");
    std::fs::write(&bundle, leaf).expect("write the leaf alone");
    assert_eq!(issue(&opts), Outcome::Changed);
    assert_eq!(issue(&opts), Outcome::UpToDate);
}
