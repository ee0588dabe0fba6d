//! Test support for acmebox: a private ACME CA on loopback.
//!
//! [`Testbed::start`] runs Debian's `pebble` (the ACME server) and `pebble-challtestsrv` (used
//! only as pebble's DNS server, resolving every name to 127.0.0.1) on free loopback ports, plus
//! an http-01 file server on pebble's validation port that serves [`Testbed::challenge_dir`].
//! Everything lives in a temporary directory and is stopped and removed when the `Testbed` is
//! dropped. Own one `Testbed` per test rather than sharing one through a `static`: statics are
//! never dropped, so their processes would outlive the test binary.
//!
//! [`Tripwire`] and [`unused_port`] stand in for servers a run must not (or cannot) reach.
//! [`HostileCa`] is a small scripted ACME server for the faults pebble cannot produce (a CA that
//! picks the token, floods an order with authorizations, stalls, sends control characters, an
//! oversized directory or a redirect). [`Interposer`] sits in front of pebble and corrupts
//! single steps of a real issuance (a canned error, a body cut, flooded or never ending, a URL
//! moved to another host, a redirect).
//!
//! ```no_run
//! let testbed = testbed::Testbed::start()?;
//! let names = testbed::test_names(2); // acmebox-1.example.com, acmebox-2.example.com
//! // Run the client against testbed.directory_url(), trusting testbed.ca_file(), writing its
//! // http-01 key authorizations into testbed.challenge_dir(), keeping its files under
//! // testbed.work_dir(); check the chain against testbed.root_pem()?.
//! # let _ = names;
//! # Ok::<(), anyhow::Error>(())
//! ```

#![warn(missing_docs)]

mod hostile;
mod http01;
mod interposer;
mod pebble;
mod tls;
mod tripwire;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

pub use hostile::{AfterResponse, HostileCa, Script, Step};
pub use interposer::{Action, Exchange, Interposer, Rule};
pub use pebble::SHORT_LIVED;
pub use tripwire::{unused_port, Tripwire};

use http01::Http01Server;
use pebble::{Ports, Proc};

/// A running pebble, its DNS stub and an http-01 file server, in a private temporary directory.
pub struct Testbed {
    // Drop order matters: processes first, then the server thread, then the directory.
    pebble: Proc,
    challtestsrv: Proc,
    /// None with [`Builder::no_http01_server`].
    http01: Option<Http01Server>,
    agent: ureq::Agent,
    ports: Ports,
    ca_file: PathBuf,
    challenge_dir: PathBuf,
    work_dir: PathBuf,
    dir: tempfile::TempDir,
}

/// Options for starting a [`Testbed`]; made by [`Testbed::builder`].
#[derive(Clone, Debug)]
pub struct Builder {
    env: Vec<(String, String)>,
    ready_timeout: Duration,
    certificate_validity: Option<Duration>,
    tls_names: Option<Vec<String>>,
    http01_server: bool,
    next_pebble: bool,
    external_account: Option<(String, String)>,
}

impl Builder {
    /// Start no http-01 server: pebble's `httpPort` is a free loopback port where nothing
    /// listens ([`Testbed::http01_port`]), for the client's own http-01 responder to listen on
    /// (`acmebox --http-listen 127.0.0.1:PORT`). [`Testbed::challenge_dir`] is then served by
    /// nobody.
    pub fn no_http01_server(mut self) -> Builder {
        self.http01_server = false;
        self
    }

    /// Run the newer pebble (2.10 or later, from Debian unstable: ACME profiles and renewal
    /// information) that scripts/setup unpacks into `.tools/pebble-next/` (or the one
    /// `ACMEBOX_PEBBLE_NEXT` names), with two profiles in its directory's `meta.profiles`:
    /// `default` (pebble's 90-day validity unless [`Builder::certificate_validity`]) and
    /// [`SHORT_LIVED`] (6 days). Starting fails, saying so, when it is not there.
    pub fn next_pebble(mut self) -> Builder {
        self.next_pebble = true;
        self
    }

    /// Sets an environment variable for pebble, overriding the defaults `PEBBLE_VA_NOSLEEP=1`,
    /// `PEBBLE_WFE_NONCEREJECT=0` and `PEBBLE_AUTHZREUSE=0` (e.g. `PEBBLE_WFE_NONCEREJECT=50` to
    /// reject half of all nonces). `PEBBLE_*` variables of the calling process are not passed on.
    pub fn env(mut self, key: &str, value: &str) -> Builder {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }

    /// How long the certificates pebble issues are valid (its `certificateValidityPeriod`,
    /// whole seconds; pebble's default is 5 years). A short one makes a certificate that is
    /// due for renewal as soon as it is issued.
    pub fn certificate_validity(mut self, validity: Duration) -> Builder {
        self.certificate_validity = Some(validity);
        self
    }

    /// Serve pebble's HTTPS with a certificate for these names (DNS names or IP addresses)
    /// instead of `localhost`, `127.0.0.1` and `::1`; `127.0.0.1` is always added, as the
    /// testbed itself talks to pebble there. With a name missing from the list, the directory
    /// URL under it fails the client's TLS name check: e.g. names `["acme.example.invalid"]`
    /// and [`Testbed::directory_url`] (`localhost`).
    pub fn tls_names(mut self, names: &[&str]) -> Builder {
        let mut names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        if !names.iter().any(|n| n == "127.0.0.1") {
            names.push("127.0.0.1".into());
        }
        self.tls_names = Some(names);
        self
    }

    /// Require external account binding (RFC 8555 §7.3.4): pebble's directory says
    /// `externalAccountRequired`, and it registers an account only with a binding to the key
    /// identifier `kid`, MAC'd with `mac_key` (base64url, as CAs hand it out).
    pub fn external_account(mut self, kid: &str, mac_key: &str) -> Builder {
        self.external_account = Some((kid.to_owned(), mac_key.to_owned()));
        self
    }

    /// How long to wait for pebble to answer its directory (default 20 s).
    pub fn ready_timeout(mut self, timeout: Duration) -> Builder {
        self.ready_timeout = timeout;
        self
    }

    /// Starts the testbed, trying a second time if the first attempt fails (a port picked as
    /// free may have been taken by another process meanwhile).
    pub fn start(&self) -> Result<Testbed> {
        self.launch().or_else(|first| {
            self.launch()
                .map_err(|second| second.context(format!("(after a first failure: {first:#})")))
        })
    }

    fn launch(&self) -> Result<Testbed> {
        let dir = tempfile::Builder::new()
            .prefix("acmebox-testbed-")
            .tempdir()
            .context("creating the testbed's temporary directory")?;
        let challenge_dir = dir.path().join("challenges");
        let work_dir = dir.path().join("work");
        for d in [&challenge_dir, &work_dir] {
            std::fs::create_dir(d).with_context(|| format!("creating {}", d.display()))?;
        }
        let identity = match &self.tls_names {
            Some(names) => tls::write_identity_for(dir.path(), names)?,
            None => tls::write_identity(dir.path())?,
        };
        let http01 = match self.http01_server {
            true => Some(Http01Server::start(challenge_dir.clone())?),
            false => None,
        };
        let ports = Ports {
            acme: pebble::free_tcp_port()?,
            management: pebble::free_tcp_port()?,
            http01: match &http01 {
                Some(server) => server.port(),
                None => pebble::free_tcp_port()?,
            },
            tls_alpn01: pebble::free_tcp_port()?,
            dns: pebble::free_dns_port()?,
            challtestsrv_management: pebble::free_tcp_port()?,
        };
        let config = dir.path().join("pebble-config.json");
        let validity = self.certificate_validity.map(|v| v.as_secs());
        pebble::write_config(
            &config,
            &ports,
            &identity.cert_file,
            &identity.key_file,
            validity,
            self.next_pebble,
            self.external_account.as_ref(),
        )?;
        let binary = match self.next_pebble {
            true => pebble::next_binary()?,
            false => std::path::PathBuf::from("pebble"),
        };

        let challtestsrv = Proc::spawn(
            "pebble-challtestsrv",
            pebble::challtestsrv_command(&ports),
            dir.path().join("challtestsrv.log"),
        )?;
        let pebble = Proc::spawn(
            "pebble",
            pebble::pebble_command(&binary, &config, &ports, &self.env),
            dir.path().join("pebble.log"),
        )?;
        let agent = tls::agent(&identity.ca_file, Duration::from_secs(5))?;
        let mut testbed = Testbed {
            pebble,
            challtestsrv,
            http01,
            agent,
            ports,
            ca_file: identity.ca_file,
            challenge_dir,
            work_dir,
            dir,
        };
        testbed.wait_ready(self.ready_timeout)?;
        Ok(testbed)
    }
}

impl Testbed {
    /// Options for starting a testbed (pebble's environment, the readiness time limit).
    pub fn builder() -> Builder {
        let env = pebble::DEFAULT_ENV
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Builder {
            env,
            ready_timeout: Duration::from_secs(20),
            certificate_validity: None,
            tls_names: None,
            http01_server: true,
            next_pebble: false,
            external_account: None,
        }
    }

    /// Starts pebble, pebble-challtestsrv and an http-01 file server on free loopback ports and
    /// waits until pebble answers its directory.
    pub fn start() -> Result<Testbed> {
        Testbed::builder().start()
    }

    /// Like [`Testbed::start`], with these environment variables set for pebble on top of (or
    /// instead of) the defaults; see [`Builder::env`].
    pub fn start_with_env(env: &[(&str, &str)]) -> Result<Testbed> {
        env.iter()
            .fold(Testbed::builder(), |b, (k, v)| b.env(k, v))
            .start()
    }

    /// Polls until challtestsrv takes connections and pebble's directory answers 200.
    fn wait_ready(&mut self, timeout: Duration) -> Result<()> {
        let deadline = Instant::now() + timeout;
        let dns = std::net::SocketAddr::from(([127, 0, 0, 1], self.ports.dns));
        let mut last_error;
        loop {
            self.challtestsrv.check_running()?;
            self.pebble.check_running()?;
            let dns_up = std::net::TcpStream::connect_timeout(&dns, Duration::from_secs(1)).is_ok();
            let directory = format!("https://127.0.0.1:{}/dir", self.ports.acme);
            match tls::get_text(&self.agent, &directory) {
                Ok(_) if dns_up => return Ok(()),
                Ok(_) => last_error = "challtestsrv's DNS port takes no connections".to_string(),
                Err(e) => last_error = format!("{e:#}"),
            }
            if Instant::now() >= deadline {
                bail!(
                    "the testbed was not ready within {timeout:?}: {}\n{}\n{}",
                    last_error,
                    self.pebble.log_tail(),
                    self.challtestsrv.log_tail()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The ACME directory URL, `https://localhost:PORT/dir`.
    pub fn directory_url(&self) -> String {
        format!("https://localhost:{}/dir", self.ports.acme)
    }

    /// The port pebble's ACME server listens on (127.0.0.1), for a directory URL under another
    /// name: `https://NAME:PORT/dir` (pebble builds its URLs from the request's Host).
    pub fn acme_port(&self) -> u16 {
        self.ports.acme
    }

    /// Stops pebble (its DNS stub, the http-01 server and the files stay), freeing
    /// [`Testbed::acme_port`]: a [`Tripwire`] started there then proves that a run with the same
    /// [`Testbed::directory_url`] contacts no server.
    pub fn stop_pebble(&mut self) {
        self.pebble.stop();
    }

    /// PEM file of the CA that signed pebble's TLS (HTTPS) certificate: the one root an ACME
    /// client must trust to talk to this pebble. Not the CA that issues the ACME certificates:
    /// see [`Testbed::root_pem`].
    pub fn ca_file(&self) -> &Path {
        &self.ca_file
    }

    /// Directory served at `http://127.0.0.1:HTTPPORT/.well-known/acme-challenge/<file>`, where
    /// pebble validates http-01 challenges (file names must match `[A-Za-z0-9_-]+`).
    pub fn challenge_dir(&self) -> &Path {
        &self.challenge_dir
    }

    /// The port of the http-01 file server (pebble's `httpPort`), on 127.0.0.1: where pebble
    /// validates http-01 challenges. With [`Builder::no_http01_server`], free until the client
    /// listens there.
    pub fn http01_port(&self) -> u16 {
        self.ports.http01
    }

    /// How many challenge files the http-01 server has served so far (200 responses); 0
    /// without one.
    pub fn http01_served(&self) -> usize {
        self.http01.as_ref().map_or(0, Http01Server::served)
    }

    /// The permission bits (`mode & 0o7777`) of each challenge file the http-01 server served,
    /// as it found them while serving, in order. Empty on non-unix systems, and without one.
    pub fn http01_modes(&self) -> Vec<u32> {
        self.http01
            .as_ref()
            .map(Http01Server::modes)
            .unwrap_or_default()
    }

    /// A private, empty temporary directory for the test's own files (keys/, certs/ ...).
    pub fn work_dir(&self) -> &Path {
        &self.work_dir
    }

    /// The temporary directory holding everything (configuration, logs, the directories above).
    pub fn temp_dir(&self) -> &Path {
        self.dir.path()
    }

    /// The management URL of pebble-challtestsrv (`http://127.0.0.1:PORT`), which can set DNS
    /// records (e.g. `POST /set-txt`) that pebble's validator then sees.
    pub fn challtestsrv_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.ports.challtestsrv_management)
    }

    /// Adds a TXT record `value` at `host` (e.g. `_acme-challenge.example.com`; a final dot
    /// is added when missing) to pebble-challtestsrv's DNS, through its management API
    /// (`POST /set-txt`). Records for one host accumulate: a wildcard and its base name each add
    /// their own value at the same name, and pebble's validator sees all of them.
    pub fn set_txt(&self, host: &str, value: &str) -> Result<()> {
        let body = serde_json::json!({ "host": fqdn(host), "value": value });
        self.challtestsrv_post("/set-txt", &body)
    }

    /// Removes every TXT record at `host` from pebble-challtestsrv's DNS (`POST /clear-txt`).
    pub fn clear_txt(&self, host: &str) -> Result<()> {
        let body = serde_json::json!({ "host": fqdn(host) });
        self.challtestsrv_post("/clear-txt", &body)
    }

    fn challtestsrv_post(&self, path: &str, body: &serde_json::Value) -> Result<()> {
        let url = format!("{}{path}", self.challtestsrv_url());
        self.agent
            .post(&url)
            .send(body.to_string())
            .with_context(|| format!("POST {url} {body}"))?;
        Ok(())
    }

    /// Pebble's issuing root certificate for this run (PEM), from its management interface.
    pub fn root_pem(&self) -> Result<String> {
        self.management_get("/roots/0")
    }

    /// Pebble's root `n` for this run (PEM): 0 is [`Testbed::root_pem`]'s, 1 and up the roots
    /// of the alternate chains pebble offers with `PEBBLE_ALTERNATE_ROOTS` (RFC 8555 §7.4.2).
    pub fn root_pem_at(&self, n: usize) -> Result<String> {
        self.management_get(&format!("/roots/{n}"))
    }

    /// Pebble's intermediate certificate for this run (PEM), from its management interface.
    pub fn intermediate_pem(&self) -> Result<String> {
        self.management_get("/intermediates/0")
    }

    /// What pebble's management interface says of the certificate with this
    /// serial (hex, as openssl prints it): its JSON from
    /// `/cert-status-by-serial/SERIAL`, with `Status` ("Valid" or
    /// "Revoked") and, once revoked, `Reason`.
    pub fn cert_status(&self, serial: &str) -> Result<String> {
        self.management_get(&format!("/cert-status-by-serial/{serial}"))
    }

    fn management_get(&self, path: &str) -> Result<String> {
        let url = format!("https://127.0.0.1:{}{path}", self.ports.management);
        tls::get_text(&self.agent, &url)
    }

    /// The process ids of pebble and pebble-challtestsrv.
    pub fn pids(&self) -> [u32; 2] {
        [self.pebble.id(), self.challtestsrv.id()]
    }

    /// Pebble's recent log output, for a failing test's message.
    pub fn pebble_log(&self) -> String {
        self.pebble.log_tail()
    }
}

impl Drop for Testbed {
    /// Kills and reaps both processes; the http-01 server and the temporary directory go with
    /// the fields.
    fn drop(&mut self) {
        self.pebble.stop();
        self.challtestsrv.stop();
    }
}

/// `host` with a final dot, as pebble-challtestsrv keys its records.
fn fqdn(host: &str) -> String {
    if host.ends_with('.') {
        host.to_string()
    } else {
        format!("{host}.")
    }
}

/// `n` distinct domain names that this testbed's pebble issues for:
/// `acmebox-1.example.com`, `acmebox-2.example.com`, ...
///
/// Pebble 2.4 (Debian) takes any syntactically valid DNS name here (tried with lego: names under
/// `example.com`, `example.org`, `.test`, `.invalid`, `.internal`, `localhost`, single labels,
/// upper case, IDNA `xn--` labels); it refuses IP addresses as DNS identifiers and `_` in names,
/// and a label over 63 bytes fails at validation. Every name resolves to 127.0.0.1 for its
/// validator, so http-01 always lands on [`Testbed::challenge_dir`]. A wildcard needs dns-01
/// (TXT records go through [`Testbed::challtestsrv_url`]).
pub fn test_names(n: usize) -> Vec<String> {
    (1..=n)
        .map(|i| format!("acmebox-{i}.example.com"))
        .collect()
}
