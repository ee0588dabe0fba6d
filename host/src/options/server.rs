//! [`ServerArgs`]: how to reach the ACME server, for the commands that
//! only talk to it (`acmebox account`, `acmebox directory`): the directory
//! URL, the trust anchors, the proxy and the run's time limit.

use super::{server, Server, DEFAULT_TIMEOUT};
use crate::error::Error;
use crate::proxy::{self, Env, ProxyChoice};
use crate::trust::Trust;
use clap::Args;
use std::path::PathBuf;
use std::time::Duration;

/// The ACME server's flags.
#[derive(Args, Debug, Clone)]
pub struct ServerArgs {
    /// ACME directory URL (https) [default: Let's Encrypt production].
    #[arg(long, value_name = "URL")]
    pub directory: Option<String>,
    /// Use Let's Encrypt's staging server.
    #[arg(short = 's', conflicts_with = "directory")]
    pub staging: bool,
    /// PEM trust anchors for the ACME server's TLS certificate, replacing
    /// the built-in web PKI roots.
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    /// Trust the system's CA bundle instead of the built-in web PKI roots.
    #[arg(long, conflicts_with = "ca_file")]
    pub system_roots: bool,
    /// Reach the ACME server through this HTTP CONNECT proxy
    /// (http://host:port) [default: HTTPS_PROXY unless NO_PROXY covers the
    /// server's host].
    #[arg(long, value_name = "URL")]
    pub proxy: Option<String>,
    /// Give up after this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = DEFAULT_TIMEOUT,
          value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub timeout: u64,
}

/// The ACME server as [`ServerArgs`] and the environment name it.
#[derive(Clone, Debug)]
pub struct Reach {
    /// The ACME server.
    pub server: Server,
    /// The trust anchors.
    pub trust: Trust,
    /// `--proxy`, or `HTTPS_PROXY` unless `NO_PROXY` covers the server.
    pub proxy: ProxyChoice,
    /// `--timeout`.
    pub timeout: Duration,
}

impl ServerArgs {
    /// Check the flags and the host's environment variables `env`; an
    /// error names the flag or variable that is wrong.
    pub fn reach(&self, env: &Env) -> Result<Reach, Error> {
        let server = server(self.directory.as_deref(), self.staging)?;
        let proxy =
            proxy::choose(self.proxy.as_deref(), env, &server.host).map_err(Error::Usage)?;
        let trust = Trust::choose(
            self.ca_file.as_deref(),
            self.system_roots,
            env.ssl_cert_file.as_deref(),
        )
        .map_err(Error::Usage)?;
        Ok(Reach {
            server,
            trust,
            proxy,
            timeout: Duration::from_secs(self.timeout),
        })
    }
}
