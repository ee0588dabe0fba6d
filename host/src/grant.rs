//! Grants are data (docs/DESIGN.md rule 3): one [`Grant`] per stage, built from the
//! command line. The same value builds the sandbox (sandbox.rs) and is printed
//! by `acmebox grants`, so what an auditor reads is what runs.

use crate::names::Names;
use crate::options::Options;
use crate::proxy::{Endpoint, Proxy, ProxyChoice};
use crate::stage::Stage;
use crate::trust::Trust;
use serde::Serialize;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Largest response body the network stage accepts (`settings.max-body-bytes`).
pub const MAX_BODY_BYTES: u32 = 1 << 20;
/// Longest a single HTTP request may take (`settings.request-timeout-ms`),
/// unless half of `--timeout` is shorter: see [`request_timeout`].
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Whether the network stage follows HTTP redirects: never. It is built with
/// no redirect budget and refuses any 3xx answer (components/network,
/// http.rs); ACME (RFC 8555) has no use for them, and every URL it contacts
/// must be on the directory's origin anyway.
pub const FOLLOWS_REDIRECTS: bool = false;

/// The timeout of one HTTP request in a run of at most `run` (`--timeout`):
/// [`REQUEST_TIMEOUT`], or half the run if that is shorter, so that a stalled
/// request fails with its own error (naming the request) well before the
/// run's deadline ends the process.
pub fn request_timeout(run: Duration) -> Duration {
    REQUEST_TIMEOUT.min(run / 2)
}

/// Access to one host directory, preopened in the stage at `guest`.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct DirGrant {
    /// The directory on the host; for a staging grant, the pattern
    /// `<certdir>/.acmebox-stage-*` of the directory the run will create.
    pub host: PathBuf,
    /// Where the stage sees it.
    pub guest: &'static str,
    /// Whether the stage may create, replace and remove files in it.
    pub write: bool,
    /// Whether this is file-writer's staging directory: a fresh, empty
    /// directory the host creates for each run inside the certificate
    /// directory (certdir.rs). Grants are made before it exists, so `host`
    /// is its pattern until [`Grant::with_staging`] puts in the real path;
    /// a sandbox is never built from the pattern.
    pub staging: bool,
    /// The only names the stage may use in it: every path-taking
    /// wasi:filesystem call with any other path, or a path of more than one
    /// name, is refused by the host (narrow.rs).
    pub names: Names,
}

/// Outgoing TCP the network stage may open, and the limits of what it does
/// with it. Without a proxy, connections go to the ACME server; with one,
/// only to the proxy, which is asked for a tunnel to the server (the TLS
/// session still runs with the server, checked against its name).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetGrant {
    /// The ACME server: the directory URL's host and port.
    pub server: Endpoint,
    /// The HTTP CONNECT proxy, or why there is none.
    pub proxy: ProxyChoice,
    /// The trust anchors of the server's TLS certificate.
    pub trust: Trust,
    /// Timeout of each HTTP request.
    pub request_timeout: Duration,
    /// Largest response body accepted, bytes.
    pub max_body_bytes: u32,
}

impl NetGrant {
    /// The network grant of a run with `opts`.
    pub fn of(opts: &Options) -> NetGrant {
        NetGrant::to(&opts.server, &opts.proxy, &opts.trust, opts.timeout)
    }

    /// The network grant of a run of at most `timeout` with `server`,
    /// through `proxy`, trusting `trust` (also `acmebox account`'s).
    pub fn to(
        server: &crate::options::Server,
        proxy: &ProxyChoice,
        trust: &Trust,
        timeout: Duration,
    ) -> NetGrant {
        NetGrant {
            server: Endpoint {
                host: server.host.clone(),
                port: server.port,
            },
            proxy: proxy.clone(),
            trust: trust.clone(),
            request_timeout: request_timeout(timeout),
            max_body_bytes: MAX_BODY_BYTES,
        }
    }

    /// Host names the resolver answers for: the server's, and the proxy's
    /// when one is used.
    pub fn hosts(&self) -> Vec<String> {
        let mut hosts = vec![self.server.host.clone()];
        hosts.extend(self.proxy.proxy().map(|p| p.host.clone()));
        hosts.dedup();
        hosts
    }

    /// The one endpoint TCP connections may go to, to the addresses the
    /// resolver answered for its host: the proxy when one is used (and then
    /// never the server directly), else the server.
    pub fn connect(&self) -> Endpoint {
        match self.proxy.proxy() {
            Some(p) => p.endpoint(),
            None => self.server.clone(),
        }
    }

    /// Why an environment proxy is not used, for `grants`.
    pub fn proxy_bypassed(&self) -> Option<String> {
        match &self.proxy {
            ProxyChoice::Bypassed {
                proxy,
                variable,
                entry,
            } => Some(format!(
                "{} {} not used: {variable} entry {entry:?} covers {}",
                proxy.from,
                proxy.url(),
                self.server.host
            )),
            _ => None,
        }
    }
}

/// How `acmebox grants --json` shows a [`NetGrant`] (docs/GRANTS.md).
#[derive(Serialize)]
struct NetShown<'a> {
    hosts: Vec<String>,
    port: u16,
    connect: Endpoint,
    server: &'a Endpoint,
    proxy: Option<&'a Proxy>,
    proxy_bypassed: Option<String>,
    trust: &'a Trust,
    request_timeout_ms: u64,
    max_body_bytes: u32,
    follows_redirects: bool,
}

impl Serialize for NetGrant {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let connect = self.connect();
        NetShown {
            hosts: self.hosts(),
            port: connect.port,
            connect,
            server: &self.server,
            proxy: self.proxy.proxy(),
            proxy_bypassed: self.proxy_bypassed(),
            trust: &self.trust,
            request_timeout_ms: self
                .request_timeout
                .as_millis()
                .try_into()
                .unwrap_or(u64::MAX),
            max_body_bytes: self.max_body_bytes,
            follows_redirects: FOLLOWS_REDIRECTS,
        }
        .serialize(s)
    }
}

/// A group of WASI interfaces a stage's linker provides. Interfaces outside
/// the stage's groups are absent from its linker: a component importing one
/// is refused at load (docs/DESIGN.md rule 5).
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum Wasi {
    /// wasi:cli (empty environment and arguments, no stdin, discarded output)
    /// and wasi:io. Every stage has it.
    Cli,
    /// wasi:clocks.
    Clocks,
    /// wasi:random.
    Random,
    /// wasi:filesystem, limited to the granted directories.
    Filesystem,
    /// wasi:sockets, limited by the connect check of the network grant.
    Sockets,
    /// wasi:sockets' TCP alone (`tcp`, `tcp-create-socket`, `network`,
    /// `instance-network`: no UDP, no name lookup), limited by the listen
    /// check of the responder's grant (listen.rs).
    Tcp,
}

impl Wasi {
    /// The WASI package prefixes this group provides.
    pub fn packages(self) -> &'static [&'static str] {
        match self {
            Wasi::Cli => &["wasi:cli/", "wasi:io/"],
            Wasi::Clocks => &["wasi:clocks/"],
            Wasi::Random => &["wasi:random/"],
            Wasi::Filesystem => &["wasi:filesystem/"],
            Wasi::Sockets => &["wasi:sockets/"],
            Wasi::Tcp => &[
                "wasi:sockets/tcp@",
                "wasi:sockets/tcp-create-socket@",
                "wasi:sockets/network@",
                "wasi:sockets/instance-network@",
            ],
        }
    }
}

/// Everything one stage may touch.
#[derive(Clone, Debug, Serialize)]
pub struct Grant {
    /// The stage.
    pub name: Stage,
    /// Preopened directories.
    pub directories: Vec<DirGrant>,
    /// Outgoing network, if any.
    pub network: Option<NetGrant>,
    /// Addresses the stage may listen on (the responder's, from
    /// `--http-listen`); nothing else may be bound, and nothing connected to.
    pub listen: Vec<SocketAddr>,
    /// WASI interface groups its linker holds.
    pub wasi: Vec<Wasi>,
    /// acmebox interfaces the host provides to it (the network stage's
    /// resolver and the account stage's signer, forwarded).
    pub host_imports: Vec<&'static str>,
    /// Largest linear memory, bytes.
    pub memory_bytes: usize,
    /// Longest a single call into the stage may run (epoch deadline).
    #[serde(serialize_with = "millis", rename = "call_deadline_ms")]
    pub call_deadline: Duration,
    /// Host memory the stage can make the host hold beyond its own budget.
    pub host: HostBounds,
    /// Where the stage runs instead, when not in this process: the account
    /// stage of `--account-socket` / `--account-command`, `accountd at
    /// PATH` or `accountd via "CMD"` (docs/ACCOUNTD.md). Such a grant is
    /// empty (no directory, no WASI, no memory) and no sandbox is built
    /// from it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub elsewhere: Option<String>,
}

/// Bounds on what a stage can make the host allocate on its behalf, outside
/// its linear memory budget (docs/DESIGN.md rule 6).
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
pub struct HostBounds {
    /// Largest value, in bytes, the stage may pass to the host in one call
    /// to an import (wasmtime's "hostcall fuel"; its default is 128 MiB).
    pub hostcall_bytes: usize,
    /// Most live handles the host keeps for the stage at once: WASI
    /// resources (open files and directories, sockets, streams, pollables)
    /// and component-model handles. Every open file descriptor is one, so
    /// this also bounds the descriptors a stage can hold open.
    pub handles: usize,
}

impl HostBounds {
    /// The bounds of every stage: the largest value a stage legitimately
    /// passes to an import is a 4 KiB write or a JWS signing input of a few
    /// KiB, and none holds more than a few dozen handles (the network stage:
    /// a connection's socket, streams and pollables).
    pub const STAGE: HostBounds = HostBounds {
        hostcall_bytes: 4 * MIB,
        handles: 256,
    };
}

fn millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(d.as_millis().try_into().unwrap_or(u64::MAX))
}

const MIB: usize = 1 << 20;

/// The challenge stage's grant: `-C`, writable; with `-t` or
/// `--http-listen` no directory at all, as the caller or the responder makes
/// the challenges answerable and the stage is not run (`grants` still lists
/// it, with "directory none").
fn challenge_grant(opts: &Options) -> Grant {
    let grant = Grant::new(
        Stage::Challenge,
        &[Wasi::Cli, Wasi::Clocks, Wasi::Filesystem],
        16,
        5,
    );
    if opts.challenge_type.is_some() || !opts.http_listen.is_empty() {
        return grant;
    }
    grant.dir(
        opts.challenge_dir.clone(),
        "/challenge",
        true,
        Names::challenge(),
    )
}

/// The host import of the responder: the key authorizations of the run.
pub const KEY_AUTHORIZATIONS: &str = "acmebox:stages/key-authorizations";

/// The responder's grant: listening TCP on the addresses of `--http-listen`
/// and nothing else (no outgoing connection, no UDP, no name lookup, no
/// files), a monotonic clock for its time bounds, and the run's key
/// authorizations. Without `--http-listen` it has no address and is not run
/// (`grants` still lists it, with "listen none").
fn responder_grant(opts: &Options) -> Grant {
    Grant {
        listen: opts.http_listen.clone(),
        host_imports: vec![KEY_AUTHORIZATIONS],
        ..Grant::new(
            Stage::Responder,
            &[Wasi::Cli, Wasi::Clocks, Wasi::Tcp],
            16,
            5,
        )
    }
}

/// A key stage's CPU deadline per call, seconds: 20, or 120 when it may
/// create an RSA key of 3072 bits or more (-n/-N with such a --key-type),
/// whose prime search takes seconds of CPU in the sandbox
/// (docs/BENCHMARKS.md) and longer on a loaded machine. --timeout still
/// bounds the whole run.
fn key_deadline(create: bool, kind: crate::key_type::KeyType) -> u64 {
    use crate::key_type::KeyType::{Rsa3072, Rsa4096};
    if create && matches!(kind, Rsa3072 | Rsa4096) {
        120
    } else {
        20
    }
}

/// The directory holding `file` (a key file): the stage gets that directory,
/// never more.
fn parent_of(file: &std::path::Path) -> PathBuf {
    match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

impl Grant {
    fn new(name: Stage, wasi: &[Wasi], memory_mib: usize, deadline_s: u64) -> Grant {
        Grant {
            name,
            directories: Vec::new(),
            network: None,
            listen: Vec::new(),
            wasi: wasi.to_vec(),
            host_imports: Vec::new(),
            memory_bytes: memory_mib * MIB,
            call_deadline: Duration::from_secs(deadline_s),
            host: HostBounds::STAGE,
            elsewhere: None,
        }
    }

    /// The account stage's grant for the key file `key`: the file's name in
    /// its directory, read-only unless `create` (`-n`) asks for a key of
    /// that type to be made when there is none. Also `acmebox accountd`'s
    /// (accountd/daemon.rs).
    pub fn account(key: &std::path::Path, create: Option<crate::key_type::KeyType>) -> Grant {
        use Wasi::*;
        Grant::new(
            Stage::Account,
            &[Cli, Clocks, Random, Filesystem],
            32,
            key_deadline(create.is_some(), create.unwrap_or_default()),
        )
        .dir(parent_of(key), "/key", create.is_some(), Names::key(key))
    }

    /// This (account) grant with the directory of the external account
    /// binding's MAC key file (RFC 8555 §7.3.4) at `/eab`: that file's name
    /// alone, read-only.
    pub fn external_account(self, eab: Option<&crate::options::ExternalAccount>) -> Grant {
        match eab {
            Some(eab) => self.dir(
                parent_of(&eab.key_file),
                "/eab",
                false,
                Names::key(&eab.key_file),
            ),
            None => self,
        }
    }

    /// No grant in this process: `stage` runs at `elsewhere` (the account
    /// stage in an accountd). Nothing is granted, and nothing is loaded.
    pub fn elsewhere(stage: Stage, elsewhere: String) -> Grant {
        Grant {
            memory_bytes: 0,
            call_deadline: Duration::ZERO,
            host: HostBounds {
                hostcall_bytes: 0,
                handles: 0,
            },
            elsewhere: Some(elsewhere),
            ..Grant::new(stage, &[], 0, 0)
        }
    }

    fn dir(mut self, host: PathBuf, guest: &'static str, write: bool, names: Names) -> Grant {
        self.directories.push(DirGrant {
            host,
            guest,
            write,
            staging: false,
            names,
        });
        self
    }

    /// A fresh staging directory inside each certificate directory,
    /// read-write at `/stage`, with exactly that directory's names. One
    /// file-writer instance runs per directory, with that one only
    /// ([`Grant::with_staging_in`]).
    fn staging_dirs(mut self, files: &crate::certfiles::CertFiles) -> Grant {
        let pattern = format!("{}*", crate::certdir::STAGE_PREFIX);
        for dir in files.dirs() {
            self.directories.push(DirGrant {
                host: dir.dir.join(&pattern),
                guest: "/stage",
                write: true,
                staging: true,
                names: dir.names(),
            });
        }
        self
    }

    /// This grant with the staging directory created for the run (`dir`) in
    /// place of its pattern (of every pattern: with one certificate
    /// directory, the only one; see [`Grant::with_staging_in`]).
    pub fn with_staging(&self, dir: &std::path::Path) -> Grant {
        let mut grant = self.clone();
        for d in grant.directories.iter_mut().filter(|d| d.staging) {
            d.host = dir.to_path_buf();
            d.staging = false;
        }
        grant
    }

    /// This grant for the install in certificate directory `certdir`: its
    /// staging pattern for `certdir` replaced by the directory created
    /// (`dir`), every other certificate directory's pattern dropped.
    pub fn with_staging_in(&self, certdir: &std::path::Path, dir: &std::path::Path) -> Grant {
        let mut grant = self.clone();
        grant
            .directories
            .retain(|d| !d.staging || d.host.parent() == Some(certdir));
        grant.with_staging(dir)
    }

    /// The network stage's grant: `net`, and the host imports it is served
    /// (resolver, signer, the account stage's external-account MAC, the new
    /// key's rollover-signer, trace).
    pub fn network(net: NetGrant) -> Grant {
        use Wasi::*;
        Grant {
            network: Some(net),
            host_imports: vec![
                "acmebox:stages/resolver",
                "acmebox:stages/signer",
                "acmebox:stages/external-account",
                "acmebox:stages/rollover-signer",
                "acmebox:stages/trace",
            ],
            ..Grant::new(Stage::Network, &[Cli, Clocks, Random, Sockets], 64, 60)
        }
    }

    /// The grant of each stage for this invocation, in the order of docs/DESIGN.md.
    pub fn all(opts: &Options) -> Vec<Grant> {
        use Wasi::*;
        let files = [Cli, Clocks, Filesystem];
        let keys = [Cli, Clocks, Random, Filesystem];
        let account = match &opts.remote_signer {
            Some(remote) => Grant::elsewhere(Stage::Account, remote.to_string()),
            None => Grant::account(
                &opts.account_key,
                opts.new_account_key.then_some(opts.account_key_type),
            )
            .external_account(opts.external_account.as_ref()),
        };
        vec![
            account,
            Grant::new(
                Stage::DomainKey,
                &keys,
                32,
                key_deadline(opts.new_domain_key, opts.domain_key_type),
            )
            .dir(
                parent_of(&opts.domain_key),
                "/key",
                opts.new_domain_key,
                Names::key(&opts.domain_key),
            ),
            Grant::network(NetGrant::of(opts)),
            challenge_grant(opts),
            Grant::new(Stage::CertParser, &[Cli], 32, 5),
            // Never the certificate directory itself: the domain key may lie
            // under it (acme-client's default layout).
            Grant::new(Stage::FileWriter, &files, 16, 5).staging_dirs(&opts.cert_files),
            responder_grant(opts),
        ]
    }

    /// Whether a component import (e.g. `wasi:sockets/tcp@0.2.6`) is one this
    /// grant provides. Versions are the linker's business.
    pub fn allows(&self, import: &str) -> bool {
        let unversioned = import.split('@').next().unwrap_or(import);
        self.host_imports.contains(&unversioned)
            || self
                .wasi
                .iter()
                .any(|w| w.packages().iter().any(|p| import.starts_with(p)))
    }
}
