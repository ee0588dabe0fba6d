//! Many certificates in one run (host/src/flows/batch.rs) against pebble,
//! through the library: four jobs with files under names of their own in
//! three directories (two jobs sharing one), one failing (its directory does
//! not exist) while the others install; the exit status and the summary; a
//! second run up to date.

mod common;

use acmebox::certfiles::CertFiles;
use acmebox::flows::batch::{run_many, BatchFlags, Job, JobOutcome};
use acmebox::options::{IssueArgs, Options};
use clap::Parser;
use common::Client;
use std::path::{Path, PathBuf};
use testbed::{test_names, Testbed};

#[derive(Parser)]
struct Cmd {
    #[command(flatten)]
    issue: IssueArgs,
}

/// A job `handle` with its own domain key (created, -N), the shared account
/// key, and `files`.
fn job(bed: &Testbed, client: &Client, handle: &str, flags: &[&str], files: CertFiles) -> Job {
    let key_dir = client.keys.join(format!("domain-{handle}"));
    std::fs::create_dir_all(&key_dir).expect("key dir");
    let mut argv: Vec<String> = ["acmebox", "-N"].map(String::from).to_vec();
    argv.extend(flags.iter().map(|f| f.to_string()));
    argv.extend(common::without(
        &client.args(bed, &bed.directory_url()),
        "-k",
    ));
    argv.extend(["-k".into(), key_dir.join("key.pem").display().to_string()]);
    argv.extend(test_names(1));
    let cmd = Cmd::try_parse_from(argv).expect("flags parse");
    let mut options = Options::from_args(&cmd.issue).expect("valid options");
    options.cert_files = files;
    Job {
        handle: handle.into(),
        options,
    }
}

fn dir(client: &Client, sub: &str) -> PathBuf {
    let d = client.certs.join(sub);
    std::fs::create_dir_all(&d).expect("dir");
    d
}

fn outcomes(results: &[(String, JobOutcome)]) -> Vec<(&str, &'static str)> {
    results
        .iter()
        .map(|(h, o)| {
            let word = match o {
                JobOutcome::Installed => "installed",
                JobOutcome::UpToDate => "up to date",
                JobOutcome::Failed(_) => "failed",
            };
            (h.as_str(), word)
        })
        .collect()
}

fn exists(p: &Path) -> bool {
    std::fs::symlink_metadata(p).is_ok()
}

#[test]
fn a_batch_installs_every_certificate_but_the_failing_one_then_keeps_them() {
    let bed = Testbed::start().expect("start pebble");
    let client = Client::new();
    // One account key for every job, made beforehand (-n in several jobs at
    // once would race to create it).
    common::openssl(&[
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-out",
        &client.account_key().display().to_string(),
    ]);
    let (one, two, three) = (
        dir(&client, "one"),
        dir(&client, "two"),
        dir(&client, "three"),
    );
    let missing = client.certs.join("missing");
    let files = |cert: Option<PathBuf>, chain: Option<PathBuf>, full: Option<PathBuf>| {
        CertFiles::new(cert, chain, full).expect("valid files")
    };
    let jobs = |flags: &[&str]| {
        vec![
            job(
                &bed,
                &client,
                "alpha",
                flags,
                files(
                    Some(one.join("alpha.crt")),
                    None,
                    Some(one.join("alpha-full.crt")),
                ),
            ),
            job(
                &bed,
                &client,
                "beta",
                flags,
                files(
                    Some(one.join("beta.crt")),
                    Some(two.join("beta-chain.crt")),
                    None,
                ),
            ),
            job(
                &bed,
                &client,
                "gamma",
                flags,
                files(None, None, Some(missing.join("gamma.pem"))),
            ),
            job(
                &bed,
                &client,
                "delta",
                flags,
                files(Some(three.join("delta.pem")), None, None),
            ),
        ]
    };
    let flags = BatchFlags {
        jobs: 2,
        verbose: 0,
    };

    let first = common::on_own_thread(|| run_many(jobs(&[]), flags));
    assert_eq!(
        outcomes(&first.results),
        [
            ("alpha", "installed"),
            ("beta", "installed"),
            ("gamma", "failed"),
            ("delta", "installed")
        ],
        "{:?}",
        first.summary()
    );
    assert_eq!(first.exit_code(), 1);
    let summary = first.summary();
    assert_eq!(summary[0], "alpha: installed");
    assert!(
        summary[2].starts_with("gamma: failed: ") && summary[2].contains("missing"),
        "{summary:?}"
    );
    assert_eq!(summary.len(), 4);
    for f in [
        one.join("alpha.crt"),
        one.join("alpha-full.crt"),
        one.join(".alpha.crt.acmebox-directory"),
        one.join("beta.crt"),
        one.join(".beta.crt.acmebox-directory"),
        two.join("beta-chain.crt"),
        three.join("delta.pem"),
        three.join(".delta.pem.acmebox-directory"),
    ] {
        assert!(exists(&f), "{} missing", f.display());
    }
    assert!(!exists(&missing));
    let staged: Vec<_> = std::fs::read_dir(&one)
        .expect("one")
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with(".acmebox-stage-")
        })
        .collect();
    assert!(staged.is_empty(), "staging left: {staged:?}");

    // Again: the three kept, the fourth still failing (exit 1); without it,
    // nothing changed (exit 2); one forced (exit 0).
    let second = common::on_own_thread(|| run_many(jobs(&[]), flags));
    assert_eq!(
        outcomes(&second.results),
        [
            ("alpha", "up to date"),
            ("beta", "up to date"),
            ("gamma", "failed"),
            ("delta", "up to date")
        ]
    );
    assert_eq!(second.exit_code(), 1);
    let mut without = jobs(&[]);
    without.remove(2);
    let third = common::on_own_thread(|| run_many(without, flags));
    assert_eq!(third.exit_code(), 2, "{:?}", third.summary());
    assert_eq!(third.summary()[1], "beta: up to date");
    let mut forced = jobs(&["-F"]);
    forced.truncate(1);
    let fourth = common::on_own_thread(|| run_many(forced, flags));
    assert_eq!(fourth.exit_code(), 0, "{:?}", fourth.summary());
}
