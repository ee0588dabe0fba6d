//! The network stage lies: whole runs (`issue::run_from`) with the network
//! stage replaced by tests/liars/network, which never connects and makes up
//! the server's answers; every other stage is the real one, the account
//! stage signing behind the liar's signer import. No server is needed.

use super::{assert_rejected, run_with_liars, Scene};
use acmebox::issue::Outcome;
use acmebox::stage::Stage;
use acmebox::Error;

/// The name every run here asks for.
const NAME: &str = "liar.example";

/// A run telling `lie` (the directory URL's path, see the liar), with the
/// stages `liars` replaced.
fn run_lie(
    scene: &Scene,
    lie: &str,
    replaced: &[(&str, String)],
    liars: &[Stage],
) -> Result<Outcome, Error> {
    let opts = scene.options(
        replaced,
        &[
            "--directory".into(),
            format!("https://127.0.0.1/{lie}"),
            NAME.into(),
        ],
    );
    run_with_liars(&opts, liars)
}

/// A run with the network stage telling `lie`: the host must refuse it at
/// `step` saying `why`, before any token file or certificate is written.
#[track_caller]
fn refused(lie: &str, step: &str, why: &str) {
    let scene = Scene::new();
    let result = run_lie(&scene, lie, &[], &[Stage::Network]);
    assert_rejected(result, Stage::Network, step, why);
    assert_eq!(scene.entries("challenge"), Vec::<String>::new());
    assert_eq!(scene.entries("certs"), Vec::<String>::new());
}

/// The control: the liar's story without a lie is accepted all the way to
/// the download, which is not a certificate and which the real cert-parser
/// then rejects; so each row below is refused for its lie alone, and the
/// real account stage signed for the liar through the host.
#[test]
fn honest_story_is_accepted_up_to_the_certificate() {
    let scene = Scene::new();
    let err = run_lie(&scene, "honest", &[], &[Stage::Network]).expect_err("no certificate");
    let text = err.to_string();
    assert!(
        matches!(
            err,
            Error::Stage {
                stage: Stage::CertParser,
                step: "check certificate",
                ..
            }
        ),
        "{text}"
    );
    assert!(text.contains("the input is not PEM"), "{text}");
}

#[test]
fn authorization_flagged_wildcard_for_a_plain_name_is_refused() {
    refused(
        "authz-wildcard-unrequested",
        "fetch authorization",
        "authorization for \"*.liar.example\", which was not requested",
    );
}

#[test]
fn authorization_identifier_with_a_star_is_refused() {
    // Asked for the wildcard itself (-t dns-01), so the name check alone
    // would pass it: the identifier's '*' is what is refused.
    let scene = Scene::new();
    let opts = scene.options(
        &[("-t", "dns-01".into())],
        &[
            "--directory".into(),
            "https://127.0.0.1/authz-star-identifier".into(),
            format!("*.{NAME}"),
        ],
    );
    let result = run_with_liars(&opts, &[Stage::Network]);
    assert_rejected(
        result,
        Stage::Network,
        "fetch authorization",
        "authorization for \"*.liar.example\": an identifier never holds a '*'",
    );
    assert_eq!(scene.entries("certs"), Vec::<String>::new());
}

#[test]
fn account_url_off_origin_is_refused() {
    refused(
        "account-off-origin",
        "register account",
        "URL \"https://evil.example/acct/1\" is not on the ACME server's origin https://127.0.0.1:443",
    );
}

#[test]
fn order_url_off_origin_is_refused() {
    refused(
        "order-off-origin",
        "new order",
        "URL \"https://evil.example/finalize/1\" is not on the ACME server's origin https://127.0.0.1:443",
    );
}

#[test]
fn challenge_url_off_origin_is_refused() {
    refused(
        "challenge-off-origin",
        "fetch authorization",
        "URL \"https://evil.example/chall/0\" is not on the ACME server's origin",
    );
}

#[test]
fn unknown_status_is_refused() {
    refused("order-status", "new order", "unknown status \"pwned\"");
}

#[test]
fn authorization_for_a_name_not_requested_is_refused() {
    refused(
        "authz-other-name",
        "fetch authorization",
        "authorization for \"evil.example\", which was not requested",
    );
}

#[test]
fn more_authorizations_than_names_are_refused() {
    refused(
        "order-huge",
        "new order",
        "the order lists 1000 authorizations for 1 requested names",
    );
}

#[test]
fn token_that_is_not_base64url_is_refused() {
    refused(
        "authz-token",
        "fetch authorization",
        "challenge token \"../../../../home/user/.ssh/id_rsa\" is not base64url",
    );
}

#[test]
fn certificate_url_before_the_order_is_valid_is_refused() {
    refused(
        "certificate-early",
        "finalize order",
        "order https://127.0.0.1/order/1 has a certificate URL while its status is \"ready\", before it is valid",
    );
}

/// More alternate chains (RFC 8555 §7.4.2) than the stage's bound: the
/// host refuses the download rather than fetch what the stage lists.
#[test]
fn more_alternate_chains_than_the_bound_are_refused() {
    refused(
        "alternates-too-many",
        "download certificate",
        "9 alternate chains, more than the 8 the stage may return",
    );
}

/// The network stage's signer import is the account stage through the
/// host, which checks each signature before the network stage sees it: a
/// lying account stage (tests/liars/account, `sign-es256`) behind the network
/// liar's honest story fails the run at the first signature.
#[test]
fn signature_lie_never_reaches_the_network_stage() {
    let scene = Scene::new();
    let account = scene.path("account/sign-es256").display().to_string();
    let err = run_lie(
        &scene,
        "honest",
        &[("-f", account)],
        &[Stage::Network, Stage::Account],
    )
    .expect_err("the host refuses the signature");
    let text = err.to_string();
    assert!(
        matches!(
            err,
            Error::Stage {
                stage: Stage::Network,
                step: "register account",
                ..
            }
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "account stage, sign: signature of 63 bytes; ES256 signatures with this key are 64"
        ),
        "{text}"
    );
}

/// `acmebox account` (flows/account.rs `run_from`) with the network stage
/// telling `lie`, the real account stage signing behind it; `flags` after
/// `account`.
fn account_lie(lie: &str, flags: &[&str]) -> Result<acmebox::flows::account::Report, Error> {
    use acmebox::options::{AccountArgs, AccountOptions};
    use clap::Parser;
    #[derive(Parser)]
    struct Cmd {
        #[command(flatten)]
        account: AccountArgs,
    }
    let scene = Scene::new();
    let key = scene.path("account/account.pem").display().to_string();
    let directory = format!("https://127.0.0.1/{lie}");
    let mut argv = vec!["account", "-n", "-f", &key, "--directory", &directory];
    argv.extend(flags);
    let cmd = Cmd::try_parse_from(argv).expect("account flags parse");
    let opts = AccountOptions::from_args_env(&cmd.account, &Default::default()).expect("options");
    let source =
        acmebox::stages::Source::embedded().replace(Stage::Network, &super::wasm(Stage::Network));
    super::on_own_thread(|| {
        acmebox::flows::account::run_from(&opts, &acmebox::log::Log { verbose: 0 }, &source)
    })
}

/// The control: the liar's honest account is found and accepted, and an
/// update and a deactivation go through.
#[test]
fn honest_account_is_accepted() {
    let report = account_lie("honest", &[]).expect("accepted");
    assert_eq!(report.account.url, "https://127.0.0.1/acct/1");
    assert_eq!(report.account.contact, ["mailto:liar@example.com"]);
    let report = account_lie("honest", &["--contact", "mailto:new@example.com"]).expect("updated");
    assert_eq!(report.account.contact, ["mailto:new@example.com"]);
    let report = account_lie("honest", &["--deactivate", "--confirm-deactivate"]).expect("done");
    assert_eq!(report.account.status, "deactivated");
}

#[test]
fn account_object_off_origin_is_refused() {
    assert_rejected(
        account_lie("account-object-off-origin", &[]),
        Stage::Network,
        "find account",
        "URL \"https://evil.example/acct/1\" is not on the ACME server's origin https://127.0.0.1:443",
    );
}

#[test]
fn account_object_with_an_unknown_status_is_refused() {
    assert_rejected(
        account_lie("account-object-status", &[]),
        Stage::Network,
        "find account",
        "unknown account status \"pwned\"",
    );
}

#[test]
fn account_created_by_a_lookup_is_refused() {
    assert_rejected(
        account_lie("account-object-created", &[]),
        Stage::Network,
        "find account",
        "says it created an account where it was asked only to look one up",
    );
}

#[test]
fn account_url_with_a_line_break_is_refused() {
    assert_rejected(
        account_lie("account-object-control", &[]),
        Stage::Network,
        "find account",
        "holds a control character",
    );
}
