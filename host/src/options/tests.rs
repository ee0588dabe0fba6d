//! Unit tests of the default paths and the checks of the issue options.

use super::issue::*;
use super::*;
use crate::certfiles::CertFiles;
use clap::Parser;

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    args: IssueArgs,
}

fn parse(argv: &[&str]) -> Options {
    let cli = Cli::try_parse_from(std::iter::once("acmebox").chain(argv.iter().copied()))
        .expect("arguments parse");
    Options::from_args(&cli.args).expect("options")
}

#[test]
fn default_paths_are_acme_clients() {
    let o = parse(&["example.com"]);
    assert_eq!(o.cert_files, CertFiles::in_dir("/etc/ssl/acme".as_ref()));
    assert_eq!(o.account_key, PathBuf::from("/etc/acme/privkey.pem"));
    assert_eq!(
        o.domain_key,
        PathBuf::from("/etc/ssl/acme/private/privkey.pem")
    );
    assert!(o.new_dirs.is_empty());
}

#[test]
fn multidir_appends_the_domain_to_default_paths_only() {
    let o = parse(&["-m", "-c", "/srv/certs", "Example.COM", "www.example.com"]);
    assert_eq!(o.cert_files, CertFiles::in_dir("/srv/certs".as_ref()));
    assert_eq!(
        o.account_key,
        PathBuf::from("/etc/acme/example.com/privkey.pem")
    );
    assert_eq!(
        o.domain_key,
        PathBuf::from("/etc/ssl/acme/private/example.com/privkey.pem")
    );
    assert_eq!(o.challenge_dir, PathBuf::from("/var/www/acme"));
    assert_eq!(
        o.new_dirs,
        vec![
            NewDir {
                path: "/etc/acme/example.com".into(),
                mode: 0o700
            },
            NewDir {
                path: "/etc/ssl/acme/private/example.com".into(),
                mode: 0o700
            },
        ]
    );
    let all = parse(&["-m", "example.com"]);
    assert_eq!(
        all.cert_files,
        CertFiles::in_dir("/etc/ssl/acme/example.com".as_ref())
    );
    assert_eq!(all.new_dirs[0].mode, 0o755);
}

#[test]
fn agreement_with_a_control_character_is_refused() {
    let cli =
        Cli::try_parse_from(["acmebox", "-a", "https://x/\nterms", "example.com"]).expect("parse");
    let err = Options::from_args(&cli.args).expect_err("refused");
    assert!(err.to_string().contains("-a"), "{err}");
}
