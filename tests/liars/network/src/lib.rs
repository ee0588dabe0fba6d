//! A network stage that lies (tests/liars.rs). It never connects: it tells
//! a consistent story of an ACME server at the directory URL's origin (the
//! account found, an order with one authorization per name, each already
//! valid, the order valid once finalized), except for one lie, named by the
//! directory URL's path (`https://host:port/<lie>`). It signs through the
//! host's signer import like the real stage, so the real account stage runs
//! behind it.
//!
//! - `honest`: no lie; the download is not a certificate (the control: the
//!   run gets as far as cert-parser's check);
//! - `account-off-origin`: the account URL is on another host;
//! - `order-off-origin`: the order's finalize URL is on another host;
//! - `order-status`: the order's status is `pwned`;
//! - `order-huge`: 1000 authorizations for the requested names;
//! - `authz-other-name`: an authorization for `evil.example`;
//! - `authz-wildcard-unrequested`: the requested name flagged `wildcard`
//!   (an authorization for `*.<name>`, not requested);
//! - `authz-star-identifier`: for a requested `*.<name>`, the identifier
//!   `*.<name>` itself, not flagged `wildcard`;
//! - `authz-token`: a pending http-01 challenge whose token is a path;
//! - `challenge-off-origin`: a pending challenge whose URL is on another host
//!   (both told at the first fetch only: the next finds it valid);
//! - `certificate-early`: finalize answers `ready` with a certificate URL;
//! - `flaky`: newOrder fails twice as `transient` before it succeeds (the
//!   host's retries, flows/retry.rs);
//! - `down`: newOrder always fails as `transient`;
//! - `rate-limited`: newOrder fails with `after(3600)`, beyond the host's cap;
//! - `account-object-off-origin`: the account `find-account` finds (or an
//!   update returns) has its URL on another host;
//! - `account-object-status`: the account's status is `pwned`;
//! - `account-object-created`: the account was "created" by a request that
//!   only looks one up (`find-account` without `register`);
//! - `account-object-control`: the account's orders URL holds a line break;
//! - `respond-blocks`: a pending http-01 challenge (a token file is
//!   written), and answering it blocks in a host call (a sleep) forever:
//!   only the watchdog's hard `--timeout` stop ends the run.

use std::sync::Mutex;

wit_bindgen::generate!({ world: "network", path: "../../../wit" });

use acmebox::stages::signer;
use exports::acmebox::stages::acme::{
    AccountObject, Authorization, Challenge, DirectoryInfo, Downloaded, Failure, FoundAccount,
    Guest, Order, RenewalWindow, Retry, Settings,
};

/// The directory's origin, the lie, the names of the order, how many
/// authorizations were fetched and how many orders asked for.
struct Story {
    origin: String,
    lie: String,
    names: Vec<String>,
    fetched: usize,
    orders: usize,
}

static STORY: Mutex<Story> = Mutex::new(Story {
    origin: String::new(),
    lie: String::new(),
    names: Vec::new(),
    fetched: 0,
    orders: 0,
});

const ELSEWHERE: &str = "https://evil.example";

fn with<T>(f: impl FnOnce(&mut Story) -> T) -> Result<T, Failure> {
    let mut story = STORY.lock().map_err(|_| fail("poisoned"))?;
    Ok(f(&mut story))
}

/// A failure the host never retries.
fn fail(message: &str) -> Failure {
    Failure {
        message: message.into(),
        retry: Retry::Never,
    }
}

fn order(story: &Story, status: &str, certificate: Option<String>) -> Order {
    let o = &story.origin;
    let count = if story.lie == "order-huge" {
        1000
    } else {
        story.names.len()
    };
    Order {
        url: format!("{o}/order/1"),
        status: status.into(),
        authorizations: (0..count).map(|i| format!("{o}/authz/{i}")).collect(),
        finalize: if story.lie == "order-off-origin" {
            format!("{ELSEWHERE}/finalize/1")
        } else {
            format!("{o}/finalize/1")
        },
        certificate,
        error: None,
        retry_after: None,
    }
}

/// The account of the story (`acmebox account`), with its lie if any.
fn account_object(story: &Story) -> AccountObject {
    let o = &story.origin;
    AccountObject {
        url: if story.lie == "account-object-off-origin" {
            format!("{ELSEWHERE}/acct/1")
        } else {
            format!("{o}/acct/1")
        },
        status: if story.lie == "account-object-status" {
            "pwned".into()
        } else {
            "valid".into()
        },
        contact: vec!["mailto:liar@example.com".into()],
        orders: Some(if story.lie == "account-object-control" {
            format!("{o}/orders/1\nacmebox: forged")
        } else {
            format!("{o}/orders/1")
        }),
    }
}

struct Liar;

impl Guest for Liar {
    fn open(settings: Settings) -> Result<(), Failure> {
        let url = settings.directory_url;
        let after_scheme = url.find("://").map(|i| i + 3).ok_or(fail("no scheme"))?;
        let path = url[after_scheme..]
            .find('/')
            .map(|i| after_scheme + i)
            .ok_or(fail("no path"))?;
        with(|s| {
            s.origin = url[..path].to_string();
            s.lie = url[path + 1..].to_string();
        })
    }

    fn use_account(_kid: String) -> Result<(), Failure> {
        Ok(())
    }

    fn terms_of_service() -> Result<Option<String>, Failure> {
        Ok(None)
    }

    fn directory_meta() -> Result<DirectoryInfo, Failure> {
        Err(fail("the liar has no directory"))
    }

    fn key_change() -> Result<AccountObject, Failure> {
        Err(fail("the liar keeps its keys"))
    }

    fn renewal_info(_cert_id: String) -> Result<RenewalWindow, Failure> {
        Err(fail("the liar has no renewal information"))
    }

    fn account() -> Result<String, Failure> {
        // The JWS the real stage would send, signed by the real account stage.
        let key = signer::public_key().map_err(|e| fail(&e))?;
        signer::sign(&format!("{}.e30", key.alg)).map_err(|e| fail(&e))?;
        with(|s| {
            if s.lie == "account-off-origin" {
                format!("{ELSEWHERE}/acct/1")
            } else {
                format!("{}/acct/1", s.origin)
            }
        })
    }

    fn find_account(register: bool) -> Result<Option<FoundAccount>, Failure> {
        let key = signer::public_key().map_err(|e| fail(&e))?;
        signer::sign(&format!("{}.e30", key.alg)).map_err(|e| fail(&e))?;
        with(|s| {
            Some(FoundAccount {
                account: account_object(s),
                created: register || s.lie == "account-object-created",
            })
        })
    }

    fn update_account(contact: Vec<String>) -> Result<AccountObject, Failure> {
        with(|s| AccountObject {
            contact,
            ..account_object(s)
        })
    }

    fn deactivate_account() -> Result<AccountObject, Failure> {
        with(|s| AccountObject {
            status: "deactivated".into(),
            ..account_object(s)
        })
    }

    fn new_order(names: Vec<String>, _replaces: Option<String>) -> Result<Order, Failure> {
        let refusal = with(|s| {
            s.orders += 1;
            let busy = |retry| Failure {
                message: "newOrder: HTTP status 503 from the liar".into(),
                retry,
            };
            match s.lie.as_str() {
                "flaky" if s.orders <= 2 => Some(busy(Retry::Transient)),
                "down" => Some(busy(Retry::Transient)),
                "rate-limited" => Some(busy(Retry::After(3600))),
                _ => None,
            }
        })?;
        if let Some(failure) = refusal {
            return Err(failure);
        }
        with(|s| {
            s.names = names;
            let status = if s.lie == "order-status" {
                "pwned"
            } else {
                "pending"
            };
            order(s, status, None)
        })
    }

    fn get_order(_url: String) -> Result<Order, Failure> {
        with(|s| order(s, "valid", Some(format!("{}/cert/1", s.origin))))
    }

    fn get_authorization(url: String) -> Result<Authorization, Failure> {
        with(|s| {
            let index: usize = url
                .rsplit('/')
                .next()
                .and_then(|i| i.parse().ok())
                .unwrap_or(0);
            let requested = s.names.get(index).cloned().unwrap_or_default();
            let identifier = match s.lie.as_str() {
                "authz-other-name" => "evil.example".to_string(),
                // Asked for `*.<name>` (with -t dns-01): the identifier keeps
                // the "*." and `wildcard` is false, which would put a
                // wildcard in the -t line's dns-domain.
                "authz-star-identifier" => requested,
                _ => requested,
            };
            // For a name asked for without "*.": an authorization for the
            // wildcard under it, which was not requested.
            let wildcard = s.lie == "authz-wildcard-unrequested";
            // A lie about a pending challenge is told once: the next fetch
            // finds it valid, so a host that let it through goes on.
            s.fetched += 1;
            let lie = if s.fetched == 1 { s.lie.as_str() } else { "" };
            let (status, token, challenge_url) = match lie {
                "authz-token" => (
                    "pending",
                    "../../../../home/user/.ssh/id_rsa",
                    s.origin.clone(),
                ),
                "challenge-off-origin" => (
                    "pending",
                    "LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0",
                    ELSEWHERE.into(),
                ),
                "respond-blocks" => (
                    "pending",
                    "LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0",
                    s.origin.clone(),
                ),
                _ => (
                    "valid",
                    "LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0",
                    s.origin.clone(),
                ),
            };
            Authorization {
                url: url.clone(),
                identifier,
                wildcard,
                status: status.into(),
                challenges: vec![Challenge {
                    type_: "http-01".into(),
                    url: format!("{challenge_url}/chall/{index}"),
                    token: token.into(),
                    status: status.into(),
                }],
                error: None,
                retry_after: None,
            }
        })
    }

    fn respond(_challenge_url: String) -> Result<(), Failure> {
        if with(|s| s.lie == "respond-blocks")? {
            // A host call (wasi:clocks) that never returns in time: the
            // epoch cannot interrupt it, only the watchdog.
            loop {
                std::thread::sleep(std::time::Duration::from_secs(3600));
            }
        }
        Ok(())
    }

    fn finalize(_finalize_url: String, _csr: Vec<u8>) -> Result<Order, Failure> {
        with(|s| {
            let certificate = Some(format!("{}/cert/1", s.origin));
            if s.lie == "certificate-early" {
                order(s, "ready", certificate)
            } else {
                order(s, "valid", certificate)
            }
        })
    }

    fn download(_certificate_url: String) -> Result<Downloaded, Failure> {
        let too_many = with(|s| s.lie == "alternates-too-many")?;
        Ok(Downloaded {
            pem: b"not a certificate\n".to_vec(),
            alternates: (0..if too_many { 9 } else { 0 })
                .map(|i| format!("https://127.0.0.1/cert/1/{i}"))
                .collect(),
        })
    }

    fn revoke(_certificate_der: Vec<u8>, _reason: Option<u8>) -> Result<(), Failure> {
        Err(fail("this liar does not revoke"))
    }
}

export!(Liar);
